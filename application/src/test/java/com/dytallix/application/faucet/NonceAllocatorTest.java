package com.dytallix.application.faucet;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.Address;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.GrantStatus;
import com.dytallix.domain.key.Fees;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.key.UnsignedTransaction;
import com.dytallix.domain.payer.InternalTransfer;
import com.dytallix.domain.sync.ChainNode;
import com.dytallix.domain.sync.ChainReads;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Where a payer that learns its nonces afresh (start, restart after kill -9, lease taken over) starts. */
class NonceAllocatorTest {
    private final FaucetHarness h = new FaucetHarness();

    private Grant grant(GrantId id) {
        return h.ledger.find(id).orElseThrow();
    }

    private void mineAndTrack(int blocks) {
        for (int i = 0; i < blocks; i++) {
            h.chain.mine();
            h.tracker.tick();
        }
    }

    /**
     * A transfer stored above nonces nothing holds (what an adoption puts at an old chain's nonce, the new chain's key
     * at 0) is held ahead: the nonces below it are handed out to grants, not taken for gaps (before, every one of them
     * was filled with a transfer at once), and no grant is given its nonce.
     */
    @Test
    void aTransferStoredAboveNoncesNothingHoldsIsHeldAheadAndTheNoncesBelowAreNoGaps() {
        h.election.campaign();
        SignedTransaction ahead = h.keys.active().sign(new UnsignedTransaction(com.dytallix.application.FakeChain.CHAIN_ID,
                3, FaucetHarness.FAUCET, Wei.ZERO, 21_000, new Fees.Legacy(Wei.of(2_000_000_000L))));
        assertThat(h.transfers.record(InternalTransfer.Kind.GAP_FILLER, ahead, java.time.Instant.now(),
                h.election.held().orElseThrow())).isTrue();
        h.restart();

        GrantId first = h.request(FaucetHarness.address(1), "10.0.0.1").grant().id();
        mineAndTrack(3);

        assertThat(grant(first).nonce()).hasValue(0L);
        assertThat(h.transfers.unsettled()).as("no filler at 1 or 2").extracting(InternalTransfer::nonce).containsExactly(3L);
        assertThat(h.chain.minedNonce(FaucetHarness.FAUCET)).isEqualTo(1);
        List<GrantId> more = List.of(h.request(FaucetHarness.address(2), "10.0.0.2").grant().id(),
                h.request(FaucetHarness.address(3), "10.0.0.3").grant().id(),
                h.request(FaucetHarness.address(4), "10.0.0.4").grant().id());
        mineAndTrack(3);
        assertThat(more).extracting(id -> grant(id).nonce().orElseThrow()).containsExactly(1L, 2L, 4L);
        assertThat(more).allSatisfy(id -> assertThat(grant(id).status()).isEqualTo(GrantStatus.CONFIRMED));
        assertThat(h.chain.minedNonce(FaucetHarness.FAUCET)).isEqualTo(5);
    }

    @Test
    void aPayerSeededAfterARollbackBelowAConfirmedGrantDoesNotHandOutItsNonce() {
        GrantId landed = h.request(FaucetHarness.address(1), "10.0.0.1").grant().id();
        mineAndTrack(1);
        assertThat(grant(landed).status()).isEqualTo(GrantStatus.CONFIRMED);
        long landedNonce = grant(landed).nonce().orElseThrow();

        // the block with the payment is rolled back and the node forgets its transaction (anvil_rollback);
        // the payer restarts before the chain grows past the block again, and seeds its nonces
        h.chain.reorg(1, false);
        h.restart();
        GrantId fresh = h.request(FaucetHarness.address(2), "10.0.0.2").grant().id();

        assertThat(grant(fresh).nonce()).as("the landed grant's nonce is still its own").isPresent()
                .hasValueSatisfying(n -> assertThat(n).isNotEqualTo(landedNonce));
        assertThat(h.transfers.unsettled()).as("no filler takes it either").isEmpty();
        mineAndTrack(4);
        assertThat(grant(landed).status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(grant(fresh).status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(1))).as("the landed grant is paid again, once").hasSize(1);
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(2))).hasSize(1);
    }

    @Test
    void aNonceOfAGrantInABlockDeeperThanTheReorgWatchIsNotHeldForeverWhenTheChainDoesNotShowItUsed() {
        h.withFinality(new Finality(1, 2));
        GrantId lost = h.request(FaucetHarness.address(1), "10.0.0.1").grant().id();
        mineAndTrack(1);
        long lostNonce = grant(lost).nonce().orElseThrow();

        // a rollback the watch never saw (the payer was down while the chain grew two blocks past the
        // grant's block, so the watch of 2 blocks now starts above it): the watch will never re-open the
        // grant, and the chain does not show its nonce used. Holding the nonce would stall every later
        // transaction for good.
        h.chain.reorg(1, false);
        for (int i = 0; i < 3; i++) {
            h.chain.mine();
        }
        h.restart();
        GrantId next = h.request(FaucetHarness.address(2), "10.0.0.2").grant().id();

        assertThat(grant(next).nonce()).hasValue(lostNonce);
        mineAndTrack(2);
        assertThat(grant(next).status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(2))).hasSize(1);
    }

    @Test
    void aPayerSeededOverTwoNodesThatDisagreeDoesNotHandOutANonceTheChainUsed() {
        h.withFinality(new Finality(1, 2));
        GrantId landed = h.request(FaucetHarness.address(1), "10.0.0.1").grant().id();
        mineAndTrack(3);
        long landedNonce = grant(landed).nonce().orElseThrow();
        assertThat(grant(landed).status()).isEqualTo(GrantStatus.CONFIRMED);

        // two nodes: the head read from the one ahead (its block now below the watch of 2 blocks, so the ledger holds
        // its nonce no more), the mined and pending nonces from one 4 blocks behind (the send node, lagging), which
        // has not seen the payment: together they say the nonce is unused and nothing holds it. Either node alone says
        // it is used or held.
        ChainNode twoNodes = mixed(h.chain, h.chain.behind(4));
        NonceAllocator allocator = new NonceAllocator(twoNodes, h.ledger, h.transfers, h.finality);

        List<Long> handedOut = allocator.withNonces(FaucetHarness.FAUCET, taking -> taking.take(1));

        assertThat(handedOut).as("a nonce the chain used would make a grant that can never be mined")
                .doesNotContain(landedNonce).containsExactly(landedNonce + 1);
        assertThat(allocator.gaps(FaucetHarness.FAUCET)).isEmpty();
        assertThat(allocator.adoptHoles(FaucetHarness.FAUCET, landedNonce + 1, twoNodes.consistent())).isEmpty();
    }

    /**
     * A node set whose plain reads of nonces are answered by {@code behind} (its pool never got our payment, so its
     * pending nonce is its mined one) and every other read by {@code ahead}, as a failover or a send node that lags
     * can make them; its {@link ChainNode#consistent()} view is {@code ahead} alone.
     */
    private static ChainNode mixed(ChainNode ahead, ChainReads behind) {
        Set<String> fromBehind = Set.of("minedNonce", "pendingNonce");
        return (ChainNode) Proxy.newProxyInstance(ChainNode.class.getClassLoader(), new Class<?>[] {ChainNode.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("consistent")) {
                        return ahead;
                    }
                    if (fromBehind.contains(method.getName())) {
                        return behind.minedNonce((Address) args[0]);
                    }
                    try {
                        return method.invoke(ahead, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
