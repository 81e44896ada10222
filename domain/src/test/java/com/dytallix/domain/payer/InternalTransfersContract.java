package com.dytallix.domain.payer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.Address;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.key.Fees;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.key.UnsignedTransaction;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link InternalTransfers} must do; subclass it once per store. */
public abstract class InternalTransfersContract {
    protected static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    private static final Address FAUCET = new Address("0x" + "fa".repeat(20));
    private static final Address NEXT_KEY = new Address("0x" + "0b".repeat(20));
    private static final Fees LEGACY = new Fees.Legacy(Wei.of(3_000_000_000L));
    private static final Fees EIP1559 = new Fees.Eip1559(Wei.of(4_000_000_000L), Wei.of(1_500_000_000L));

    protected InternalTransfers transfers;
    protected PayerLeases leases;
    protected Lease lease;

    /** An empty store, new for each test. */
    protected abstract InternalTransfers newTransfers();

    /** The payer leases of the store {@link #newTransfers()} just made, which fence its writes. */
    protected abstract PayerLeases leasesOfTransfers();

    @BeforeEach
    void create() {
        transfers = newTransfers();
        leases = leasesOfTransfers();
        lease = leases.acquire("payer", "payer-session", Duration.ofDays(3650)).orElseThrow();
    }

    @Test
    void aStoredFillerIsUnsettledAndUnsentUntilTheNodeTakesIt() {
        SignedTransaction filler = filler(3, 1);

        assertThat(transfers.record(InternalTransfer.Kind.GAP_FILLER, filler, T0, lease)).isTrue();

        InternalTransfer stored = transfers.unsettled().getFirst();
        assertThat(stored).isEqualTo(new InternalTransfer(InternalTransfer.Kind.GAP_FILLER, FAUCET, 3, FAUCET, Wei.ZERO,
                Optional.of(filler.fees()), filler.hash(), List.of(), filler.rawHex(), T0, Optional.empty(), Optional.empty()));
        assertThat(transfers.highestNonce(FAUCET)).hasValue(3);
        transfers.markSent(FAUCET, 3, T0.plusSeconds(1));
        assertThat(transfers.unsettled().getFirst().lastSentAt()).contains(T0.plusSeconds(1));
    }

    @Test
    void aSecondTransferForTheSameSenderAndNonceIsNotStored() {
        transfers.record(InternalTransfer.Kind.GAP_FILLER, filler(4, 1), T0, lease);

        assertThat(transfers.record(InternalTransfer.Kind.DRAIN, drain(4, 2), T0.plusSeconds(1), lease)).isFalse();

        assertThat(transfers.unsettled()).singleElement()
                .satisfies(t -> assertThat(t.hash()).isEqualTo(hash(1)));
    }

    @Test
    void underALeaseTakenOverByAnotherInstanceNothingIsStored() {
        leases.release(lease);
        Lease next = leases.acquire("other", "other-session", Duration.ofDays(3650)).orElseThrow();

        assertThatThrownBy(() -> transfers.record(InternalTransfer.Kind.DRAIN, drain(0, 1), T0, lease))
                .isInstanceOf(LeaseLostException.class);

        assertThat(transfers.unsettled()).isEmpty();
        assertThat(transfers.highestNonce(FAUCET)).isEmpty();
        assertThat(transfers.record(InternalTransfer.Kind.DRAIN, drain(0, 1), T0, next)).isTrue();
    }

    @Test
    void underAnExpiredLeaseNothingIsStoredWhateverTimeTheSignerSays() throws Exception {
        leases.release(lease);
        Lease shortLease = leases.acquire("payer", "payer-session", Duration.ofMillis(200)).orElseThrow();
        Thread.sleep(400);

        assertThatThrownBy(() -> transfers.record(InternalTransfer.Kind.GAP_FILLER, filler(0, 1),
                Instant.now().minus(Duration.ofHours(3)), shortLease)).isInstanceOf(LeaseLostException.class);
        assertThat(transfers.unsettled()).isEmpty();
    }

    @Test
    void aRepricedTransferTakesTheStoredOnesPlaceUnsentAndKeepsEveryHashItReplaced() {
        transfers.record(InternalTransfer.Kind.DRAIN, drain(5, 1), T0, lease);
        transfers.markSent(FAUCET, 5, T0.plusSeconds(1));
        SignedTransaction second = signed(5, NEXT_KEY, Wei.ofDyt("122"), LEGACY, 2);
        SignedTransaction third = signed(5, NEXT_KEY, Wei.ofDyt("121"), EIP1559, 3);

        assertThat(transfers.replace(hash(1), second, T0.plusSeconds(30), lease)).isTrue();
        assertThat(transfers.replace(hash(1), third, T0.plusSeconds(31), lease)).as("hash 1 was replaced already").isFalse();
        assertThat(transfers.replace(hash(2), third, T0.plusSeconds(60), lease)).isTrue();

        InternalTransfer stored = transfers.unsettled().getFirst();
        assertThat(stored.hash()).isEqualTo(hash(3));
        assertThat(stored.rawTx()).isEqualTo(third.rawHex());
        assertThat(stored.value()).isEqualTo(Wei.ofDyt("121"));
        assertThat(stored.fees()).contains(EIP1559);
        assertThat(stored.replaced()).containsExactly(hash(1), hash(2));
        assertThat(stored.hashesNewestFirst()).containsExactly(hash(3), hash(2), hash(1));
        assertThat(stored.lastSentAt()).as("the new bytes are not sent yet").isEmpty();
        assertThat(stored.createdAt()).isEqualTo(T0);
        assertThat(stored.kind()).isEqualTo(InternalTransfer.Kind.DRAIN);

        transfers.record(InternalTransfer.Kind.DRAIN, drain(6, 4), T0, lease);
        transfers.markSettled(FAUCET, 6, T0.plusSeconds(61));
        assertThat(transfers.replace(hash(4), signed(6, NEXT_KEY, Wei.of(1), LEGACY, 5), T0.plusSeconds(62), lease))
                .as("settled: nothing left to re-price").isFalse();
        assertThat(transfers.replace(hash(9), signed(7, NEXT_KEY, Wei.of(1), LEGACY, 6), T0.plusSeconds(62), lease))
                .as("no transfer at that nonce").isFalse();
    }

    @Test
    void underALeaseTakenOverByAnotherInstanceNoReplacementIsStored() {
        transfers.record(InternalTransfer.Kind.GAP_FILLER, filler(2, 1), T0, lease);
        leases.release(lease);
        leases.acquire("other", "other-session", Duration.ofDays(3650)).orElseThrow();

        assertThatThrownBy(() -> transfers.replace(hash(1), signed(2, FAUCET, Wei.ZERO, LEGACY, 2), T0.plusSeconds(30), lease))
                .isInstanceOf(LeaseLostException.class);

        assertThat(transfers.unsettled()).singleElement().satisfies(t -> {
            assertThat(t.hash()).isEqualTo(hash(1));
            assertThat(t.replaced()).isEmpty();
        });
    }

    @Test
    void aTransferIsFollowedIntoABlockOutOfItByAReorgAndSettledOldestFirst() {
        transfers.record(InternalTransfer.Kind.GAP_FILLER, filler(1, 1), T0, lease);
        transfers.record(InternalTransfer.Kind.DRAIN, drain(2, 2), T0.plusSeconds(1), lease);

        transfers.markIncluded(FAUCET, 1, Optional.of(70L), T0.plusSeconds(2));
        assertThat(transfers.unsettled()).extracting(InternalTransfer::nonce).containsExactly(1L, 2L);
        assertThat(transfers.unsettled().getFirst().blockNumber()).contains(70L);
        transfers.markIncluded(FAUCET, 1, Optional.empty(), T0.plusSeconds(3));
        assertThat(transfers.unsettled().getFirst().blockNumber()).isEmpty();

        transfers.markSettled(FAUCET, 1, T0.plusSeconds(4));
        assertThat(transfers.unsettled()).extracting(InternalTransfer::kind).containsExactly(InternalTransfer.Kind.DRAIN);
        assertThat(transfers.highestNonce(FAUCET)).as("a settled transfer still used its nonce").hasValue(2);
        InternalTransfer drain = transfers.unsettled().getFirst();
        assertThat(drain.to()).isEqualTo(NEXT_KEY);
        assertThat(drain.value()).isEqualTo(Wei.ofDyt("123.000000000000000001"));
    }

    @Test
    void retentionDeletesTransfersSettledBeforeATimeAndNeverAnUnsettledOne() {
        transfers.record(InternalTransfer.Kind.GAP_FILLER, filler(1, 1), T0, lease);
        transfers.record(InternalTransfer.Kind.GAP_FILLER, filler(2, 2), T0, lease);
        transfers.record(InternalTransfer.Kind.DRAIN, drain(3, 3), T0, lease);
        transfers.markSettled(FAUCET, 1, T0.plusSeconds(10));
        transfers.markSettled(FAUCET, 2, T0.plusSeconds(20));

        assertThat(transfers.prune(T0.plusSeconds(10))).as("settled at that very time: kept").isZero();
        assertThat(transfers.prune(T0.plus(Duration.ofDays(400)))).isEqualTo(2);
        assertThat(transfers.prune(T0.plus(Duration.ofDays(400)))).isZero();
        assertThat(transfers.unsettled()).extracting(InternalTransfer::nonce).containsExactly(3L);
        assertThat(transfers.highestNonce(FAUCET)).hasValue(3);
    }

    private static SignedTransaction filler(long nonce, int n) {
        return signed(nonce, FAUCET, Wei.ZERO, n);
    }

    private static SignedTransaction drain(long nonce, int n) {
        return signed(nonce, NEXT_KEY, Wei.ofDyt("123.000000000000000001"), n);
    }

    private static SignedTransaction signed(long nonce, Address to, Wei value, int n) {
        return signed(nonce, to, value, new Fees.Eip1559(Wei.of(2_000_000_000L), Wei.of(1_000_000_000L)), n);
    }

    private static SignedTransaction signed(long nonce, Address to, Wei value, Fees fees, int n) {
        return new SignedTransaction(FAUCET, new UnsignedTransaction(31337, nonce, to, value, UnsignedTransaction.TRANSFER_GAS,
                fees), "0x02f8%04x".formatted(n), hash(n));
    }

    private static TxHash hash(int n) {
        return new TxHash("0x%064x".formatted(n));
    }
}
