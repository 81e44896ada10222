package com.dytallix.application.subscription;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.application.FakeChain;
import com.dytallix.domain.sync.BlockHeader;
import com.dytallix.domain.sync.BlockReader;
import com.dytallix.domain.sync.ChainLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChainFeedTest {
    private static final String TOKEN = "0x00000000000000000000000000000000000000aa";
    private static final String OTHER = "0x00000000000000000000000000000000000000bb";
    private static final String TRANSFER = "0x" + "dd".repeat(32);
    private static final String APPROVAL = "0x" + "8c".repeat(32);

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

    private static String head(String subscriptionId, BlockHeader header) {
        return subscriptionId + " head " + header.number() + " " + header.hash();
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

        BlockHeader first = chain.mine();
        BlockHeader second = chain.mine();
        int before = chain.headerCalls.get();
        feed.poll();
        assertThat(a.events).containsExactly(head(idA, first), head(idA, second));
        assertThat(b.events).containsExactly(head(idB, first), head(idB, second));
        // latest once, the first new block once: not per subscriber
        assertThat(chain.headerCalls.get() - before).isEqualTo(2);
        assertThat(chain.logCalls).as("no logs subscription, no log reads").hasValue(0);

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
        assertThat(chain.logCalls).as("one read of the block's logs for all subscribers").hasValue(1);
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
        int calls = chain.headerCalls.get();
        feed.poll();
        assertThat(a.events).hasSize(1);
        assertThat(chain.headerCalls).as("no subscribers, no node calls").hasValue(calls);
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
        BlockHeader a1 = chain.mine(log(TOKEN, TRANSFER));
        BlockHeader a2 = chain.mine(log(TOKEN, TRANSFER), log(OTHER, TRANSFER));
        feed.poll();
        assertThat(logs.logs).hasSize(2).noneMatch(ChainLog::removed);

        chain.reorg(2, false);
        BlockHeader b1 = chain.mine();
        BlockHeader b2 = chain.mine(log(TOKEN, APPROVAL));
        BlockHeader b3 = chain.mine();
        feed.poll();

        // the new fork replaces both blocks at their heights, under other hashes
        assertThat(List.of(b1.number(), b2.number())).containsExactly(a1.number(), a2.number());
        assertThat(List.of(b1.hash(), b2.hash())).doesNotContain(a1.hash(), a2.hash());
        assertThat(heads.events).containsExactly(head(headsId, a1), head(headsId, a2),
                head(headsId, b1), head(headsId, b2), head(headsId, b3));
        assertThat(logs.logs).extracting(ChainLog::blockHash, ChainLog::removed).containsExactly(
                org.assertj.core.groups.Tuple.tuple(a1.hash(), false),
                org.assertj.core.groups.Tuple.tuple(a2.hash(), false),
                org.assertj.core.groups.Tuple.tuple(a2.hash(), true),
                org.assertj.core.groups.Tuple.tuple(a1.hash(), true),
                org.assertj.core.groups.Tuple.tuple(b2.hash(), false));
    }

    @Test
    void aReplacedTipAtTheSameHeightIsRetracted() {
        Inbox logs = new Inbox();
        feed.open(logs).subscribeLogs(LogFilter.ANY);
        feed.poll();
        chain.mine(log(TOKEN));
        feed.poll();
        chain.reorg(1, false);
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
        BlockHeader last = null;
        for (int i = 0; i < 100; i++) {
            last = chain.mine();
        }
        feed.poll();
        assertThat(heads.events).hasSize(ChainFeed.MAX_CATCH_UP);
        assertThat(heads.events.getLast()).endsWith(" head " + last.number() + " " + last.hash());
        assertThat(heads.events.getFirst()).contains("head " + (last.number() - ChainFeed.MAX_CATCH_UP + 1) + " ");
    }

    @Test
    void aFirstSubscriberGetsEveryBlockMinedSinceItSubscribedEvenBeforeTheFeedsFirstStep() {
        Inbox heads = new Inbox();
        chain.mine();
        String id = feed.open(heads).subscribeNewHeads(); // the feed is idle: it notes the head of now
        BlockHeader next = chain.mine(); // mined before the feed's first step
        feed.poll();
        assertThat(heads.events).containsExactly(head(id, next));
        // once the feed follows, a new subscriber costs no node call
        int before = chain.headerCalls.get();
        feed.open(new Inbox()).subscribeNewHeads();
        assertThat(chain.headerCalls).hasValue(before);
    }

    @Test
    void eachStepReadsTheNodeWithTheBestHeadNotWhicheverNodeARouterPicks() {
        FakeChain behind = new FakeChain(); // where reads not pinned to a node would land: stuck at block 0
        BlockReader routed = new BlockReader() {
            @Override
            public BlockHeader latestHeader() {
                return behind.latestHeader();
            }

            @Override
            public Optional<BlockHeader> header(long number) {
                return behind.header(number);
            }

            @Override
            public List<ChainLog> logs(String blockHash) {
                return behind.logs(blockHash);
            }

            @Override
            public BlockReader onFreshestNode() {
                return chain;
            }
        };
        ChainFeed pinned = new ChainFeed(routed, 3);
        Inbox heads = new Inbox();
        String id = pinned.open(heads).subscribeNewHeads();
        pinned.poll();
        BlockHeader first = chain.mine();
        BlockHeader second = chain.mine();
        pinned.poll();
        assertThat(heads.events).containsExactly(head(id, first), head(id, second));
        assertThat(behind.headerCalls).hasValue(0);
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

        @Override
        public void following(boolean following) {
            told.add(following ? "following" : "stopped");
        }
    }

    @Test
    void aWatcherKeepsTheFeedFollowingAndHearsOfEveryBlockThatLeftTheChain() {
        BlockHeader first = null;
        for (int i = 0; i < 5; i++) {
            first = chain.mine();
        }
        Watcher watcher = new Watcher();
        feed.watch(watcher);
        feed.poll(); // follows from this block
        assertThat(watcher.told).containsExactly("following");
        watcher.told.clear();
        chain.mine();
        BlockHeader second = chain.mine();
        BlockHeader third = chain.mine();
        feed.poll();
        chain.reorg(2, false);
        chain.mine();
        chain.mine();
        feed.poll();
        assertThat(watcher.told).containsExactly("left " + third.number() + " " + third.hash(),
                "left " + second.number() + " " + second.hash());

        // a reorg below everything the feed remembers: it cannot tell how deep it went
        chain.reorg(6, false);
        for (int i = 0; i < 6; i++) {
            chain.mine();
        }
        watcher.told.clear();
        feed.poll();
        assertThat(watcher.told).endsWith("left " + first.number() + " " + first.hash(), "lost track");

        // a watcher that holds nothing lets the feed rest: no node calls, and it is told
        watcher.watching = false;
        watcher.told.clear();
        int before = chain.headerCalls.get();
        feed.poll();
        feed.poll();
        assertThat(chain.headerCalls).hasValue(before);
        assertThat(watcher.told).containsExactly("stopped");
    }
}
