package com.dytallix.application.subscription;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.sync.BlockHeader;
import com.dytallix.domain.sync.BlockReader;
import com.dytallix.domain.sync.ChainLog;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChainFeedTest {
    private static final String TOKEN = "0x00000000000000000000000000000000000000aa";
    private static final String OTHER = "0x00000000000000000000000000000000000000bb";
    private static final String TRANSFER = "0x" + "dd".repeat(32);
    private static final String APPROVAL = "0x" + "8c".repeat(32);

    /** A chain the test grows and reorganises, counting the node calls the feed makes. */
    static final class FakeChain implements BlockReader {
        final List<BlockHeader> canonical = new ArrayList<>();
        final Map<String, List<ChainLog>> logsByHash = new HashMap<>();
        int headerCalls;
        int logCalls;
        private int fork;

        FakeChain() {
            canonical.add(header(0, "genesis", "0x0"));
        }

        BlockHeader mine(ChainLog... logs) {
            BlockHeader parent = canonical.getLast();
            BlockHeader block = header(parent.number() + 1, "f" + fork + "b" + (parent.number() + 1), parent.hash());
            canonical.add(block);
            List<ChainLog> placed = new ArrayList<>();
            for (int i = 0; i < logs.length; i++) {
                ChainLog l = logs[i];
                placed.add(new ChainLog(l.address(), l.topics(), l.data(), block.number(), block.hash(), l.transactionHash(), 0, i, false));
            }
            logsByHash.put(block.hash(), placed);
            return block;
        }

        /** Drops the last {@code depth} blocks; the next {@link #mine} builds on the new tip under other hashes. */
        void reorg(int depth) {
            for (int i = 0; i < depth; i++) {
                canonical.removeLast();
            }
            fork++;
        }

        private static BlockHeader header(long number, String hash, String parent) {
            return new BlockHeader(number, hash, parent, "{\"number\":" + number + ",\"hash\":\"" + hash + "\"}");
        }

        @Override
        public BlockHeader latestHeader() {
            headerCalls++;
            return canonical.getLast();
        }

        @Override
        public Optional<BlockHeader> header(long number) {
            headerCalls++;
            return number < canonical.size() ? Optional.of(canonical.get((int) number)) : Optional.empty();
        }

        @Override
        public List<ChainLog> logs(String blockHash) {
            logCalls++;
            return logsByHash.getOrDefault(blockHash, List.of());
        }
    }

    /** What one connection received, in order. */
    static final class Inbox implements Subscriber {
        final List<String> events = new ArrayList<>();
        final List<ChainLog> logs = new ArrayList<>();

        @Override
        public void newHead(String subscriptionId, BlockHeader header) {
            events.add(subscriptionId + " head " + header.number() + " " + header.hash());
        }

        @Override
        public void log(String subscriptionId, ChainLog log) {
            events.add(subscriptionId + " log " + log.blockNumber() + (log.removed() ? " removed" : ""));
            logs.add(log);
        }
    }

    private static ChainLog log(String address, String... topics) {
        return new ChainLog(address, List.of(topics), "0x", 0, "pending", "0x" + "11".repeat(32), 0, 0, false);
    }

    private final FakeChain chain = new FakeChain();
    private final ChainFeed feed = new ChainFeed(chain, 3);

    @Test
    void everySubscriberGetsEachNewHeadOnceFromOneReadOfTheNode() {
        Inbox a = new Inbox();
        Inbox b = new Inbox();
        String idA = feed.open(a).subscribeNewHeads();
        String idB = feed.open(b).subscribeNewHeads();
        feed.poll(); // joins at the head: nothing announced yet
        assertThat(a.events).isEmpty();

        chain.mine();
        chain.mine();
        int before = chain.headerCalls;
        feed.poll();
        assertThat(a.events).containsExactly(idA + " head 1 f0b1", idA + " head 2 f0b2");
        assertThat(b.events).containsExactly(idB + " head 1 f0b1", idB + " head 2 f0b2");
        // latest once, block 1 once: not per subscriber
        assertThat(chain.headerCalls - before).isEqualTo(2);
        assertThat(chain.logCalls).as("no logs subscription, no log reads").isZero();

        feed.poll();
        assertThat(a.events).hasSize(2);
    }

    @Test
    void logsAreMatchedAgainstEachSubscriptionsFilter() {
        Inbox tokenTransfers = new Inbox();
        Inbox anything = new Inbox();
        Inbox approvalsAnywhere = new Inbox();
        feed.open(tokenTransfers).subscribeLogs(new LogFilter(Set.of(TOKEN.toUpperCase().replace("0X", "0x")), List.of(Set.of(TRANSFER))));
        feed.open(anything).subscribeLogs(LogFilter.ANY);
        feed.open(approvalsAnywhere).subscribeLogs(new LogFilter(Set.of(), List.of(Set.of(APPROVAL))));
        feed.poll();

        chain.mine(log(TOKEN, TRANSFER), log(OTHER, TRANSFER), log(TOKEN, APPROVAL), log(OTHER));
        feed.poll();

        assertThat(tokenTransfers.logs).extracting(ChainLog::address).containsExactly(TOKEN);
        assertThat(anything.logs).hasSize(4);
        assertThat(approvalsAnywhere.logs).extracting(ChainLog::address, ChainLog::logIndex).containsExactly(
                org.assertj.core.groups.Tuple.tuple(TOKEN, 2L));
        assertThat(chain.logCalls).as("one read of the block's logs for all subscribers").isEqualTo(1);
    }

    @Test
    void aWildcardTopicPositionStillNeedsTheLogToHaveThatManyTopics() {
        var filter = new LogFilter(Set.of(), List.of(Set.of(), Set.of(TRANSFER)));
        assertThat(filter.matches(log(TOKEN, APPROVAL, TRANSFER))).isTrue();
        assertThat(filter.matches(log(TOKEN, APPROVAL, APPROVAL))).isFalse();
        assertThat(filter.matches(log(TOKEN, TRANSFER))).isFalse();
        assertThat(new LogFilter(Set.of(), List.of(Set.of())).matches(log(TOKEN))).isFalse();
    }

    @Test
    void unsubscribeStopsDeliveryAndOnlyTheOwnerMayUnsubscribe() {
        Inbox a = new Inbox();
        Inbox b = new Inbox();
        ChainFeed.Session sessionA = feed.open(a);
        ChainFeed.Session sessionB = feed.open(b);
        String id = sessionA.subscribeNewHeads();
        feed.poll();
        chain.mine();
        feed.poll();
        assertThat(a.events).hasSize(1);

        assertThat(sessionB.unsubscribe(id)).isFalse();
        assertThat(sessionA.unsubscribe(id)).isTrue();
        assertThat(sessionA.unsubscribe(id)).isFalse();
        chain.mine();
        int calls = chain.headerCalls;
        feed.poll();
        assertThat(a.events).hasSize(1);
        assertThat(chain.headerCalls).as("no subscribers, no node calls").isEqualTo(calls);
    }

    @Test
    void aConnectionGetsAtMostItsLimitOfSubscriptionsAndClosingFreesThem() {
        ChainFeed.Session session = feed.open(new Inbox());
        String first = session.subscribeNewHeads();
        session.subscribeLogs(LogFilter.ANY);
        session.subscribeNewHeads();
        assertThatThrownBy(session::subscribeNewHeads).isInstanceOf(SubscriptionLimitException.class)
                .hasMessageContaining("3");
        // the limit is per connection
        feed.open(new Inbox()).subscribeNewHeads();
        assertThat(session.unsubscribe(first)).isTrue();
        session.subscribeNewHeads();
        assertThat(feed.subscriptions()).isEqualTo(4);
        session.close();
        assertThat(feed.subscriptions()).isEqualTo(1);
    }

    @Test
    void aReorganisationRetractsTheLogsOfTheDroppedBlocksAndAnnouncesTheReplacements() {
        Inbox heads = new Inbox();
        Inbox logs = new Inbox();
        String headsId = feed.open(heads).subscribeNewHeads();
        feed.open(logs).subscribeLogs(new LogFilter(Set.of(TOKEN), List.of()));
        feed.poll();
        chain.mine(log(TOKEN, TRANSFER));
        chain.mine(log(TOKEN, TRANSFER), log(OTHER, TRANSFER));
        feed.poll();
        assertThat(logs.logs).hasSize(2).noneMatch(ChainLog::removed);

        chain.reorg(2);
        chain.mine();
        chain.mine(log(TOKEN, APPROVAL));
        chain.mine();
        feed.poll();

        assertThat(heads.events).containsExactly(headsId + " head 1 f0b1", headsId + " head 2 f0b2",
                headsId + " head 1 f1b1", headsId + " head 2 f1b2", headsId + " head 3 f1b3");
        assertThat(logs.logs).extracting(ChainLog::blockHash, ChainLog::removed).containsExactly(
                org.assertj.core.groups.Tuple.tuple("f0b1", false),
                org.assertj.core.groups.Tuple.tuple("f0b2", false),
                org.assertj.core.groups.Tuple.tuple("f0b2", true),
                org.assertj.core.groups.Tuple.tuple("f0b1", true),
                org.assertj.core.groups.Tuple.tuple("f1b2", false));
    }

    @Test
    void aReplacedTipAtTheSameHeightIsRetracted() {
        Inbox logs = new Inbox();
        feed.open(logs).subscribeLogs(LogFilter.ANY);
        feed.poll();
        chain.mine(log(TOKEN));
        feed.poll();
        chain.reorg(1);
        chain.mine(log(OTHER));
        feed.poll();
        assertThat(logs.logs).extracting(ChainLog::address, ChainLog::removed).containsExactly(
                org.assertj.core.groups.Tuple.tuple(TOKEN, false),
                org.assertj.core.groups.Tuple.tuple(TOKEN, true),
                org.assertj.core.groups.Tuple.tuple(OTHER, false));
    }

    @Test
    void aFarJumpIsJoinedAtItsRecentBlocks() {
        Inbox heads = new Inbox();
        feed.open(heads).subscribeNewHeads();
        feed.poll();
        for (int i = 0; i < 100; i++) {
            chain.mine();
        }
        feed.poll();
        assertThat(heads.events).hasSize(ChainFeed.MAX_CATCH_UP);
        assertThat(heads.events.getLast()).contains("head 100 ");
        assertThat(heads.events.getFirst()).contains("head " + (100 - ChainFeed.MAX_CATCH_UP + 1) + " ");
    }

    @Test
    void aFirstSubscriberGetsEveryBlockMinedSinceItSubscribedEvenBeforeTheFeedsFirstStep() {
        Inbox heads = new Inbox();
        chain.mine();
        String id = feed.open(heads).subscribeNewHeads(); // the feed is idle: the head now is block 1
        chain.mine(); // mined before the feed's first step
        feed.poll();
        assertThat(heads.events).containsExactly(id + " head 2 f0b2");
        // once the feed follows, a new subscriber costs no node call
        int before = chain.headerCalls;
        feed.open(new Inbox()).subscribeNewHeads();
        assertThat(chain.headerCalls).isEqualTo(before);
    }

    /** What a watcher was told. */
    static final class Watcher implements ChainFeed.ChainWatcher {
        boolean watching = true;
        final List<String> told = new ArrayList<>();

        @Override
        public boolean watching() {
            return watching;
        }

        @Override
        public void left(BlockHeader block) {
            told.add("left " + block.number() + " " + block.hash());
        }

        @Override
        public void lostTrack() {
            told.add("lost track");
        }
    }

    @Test
    void aWatcherKeepsTheFeedFollowingAndHearsOfEveryBlockThatLeftTheChain() {
        for (int i = 0; i < 5; i++) {
            chain.mine();
        }
        Watcher watcher = new Watcher();
        feed.watch(watcher);
        feed.poll(); // follows from block 5
        chain.mine();
        chain.mine();
        chain.mine();
        feed.poll();
        chain.reorg(2);
        chain.mine();
        chain.mine();
        feed.poll();
        assertThat(watcher.told).containsExactly("left 8 f0b8", "left 7 f0b7");

        // a reorg below everything the feed remembers: it cannot tell how deep it went
        chain.reorg(6);
        for (int i = 0; i < 6; i++) {
            chain.mine();
        }
        watcher.told.clear();
        feed.poll();
        assertThat(watcher.told).endsWith("left 5 f0b5", "lost track");

        // a watcher that holds nothing lets the feed rest: no node calls
        watcher.watching = false;
        int before = chain.headerCalls;
        feed.poll();
        assertThat(chain.headerCalls).isEqualTo(before);
    }
}
