package com.dytallix.application.faucet;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.ClientIp;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.GrantStatus;
import com.dytallix.domain.grant.Reservation;
import com.dytallix.domain.grant.TestAdmission;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A request paying its grant and the tracker's pass work on the same grants at once. Each race is
 * played out step by step: the ledger runs the tracker's work exactly between two steps of the request.
 */
class PayerRacesTest {
    private final FaucetHarness h = new FaucetHarness();

    private Grant reserve(int i, Instant at) {
        var request = TestAdmission.request(FaucetHarness.parsed(i), ClientIp.parse("10.0.0." + i), Optional.empty(),
                "hash-" + i, at);
        return ((Reservation.Reserved) h.ledger.reserve(request, TestAdmission.GENEROUS.of(request))).grant();
    }

    @Test
    void aGrantTheTrackerPaysWhileItsRequestHearsNothingFromTheNodeIsPaidNotFailed() {
        // admitted a moment ago: old enough for the tracker's pass to pay it if its request has not yet
        Grant grant = reserve(1, Instant.now().minusSeconds(1));
        try {
            Thread.sleep(300);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        h.chain.down(true); // the request's first question to the node goes unanswered: it signs nothing
        // ...and as the request gives up, the node is back and the tracker's pass signs, stores and sends the grant
        h.ledger.interleave(() -> {
            h.chain.down(false);
            h.tracker.payOwed();
        });

        Grant answered = h.pay(grant);

        assertThat(answered.status()).as("the request answers what the tracker did").isEqualTo(GrantStatus.SUBMITTED);
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.find(grant.id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(1))).hasSize(1);
        // its nonce was used, not left a hole: the next payment is mined behind it
        Grant next = reserve(2, Instant.now());
        h.pay(next);
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.find(next.id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.chain.totalPayments()).isEqualTo(2);
    }

    @Test
    void theTrackersPassLeavesAGrantToTheRequestThatIsSigningIt() {
        // under load a request waits its turn for the signer longer than the tracker's grace period
        Grant grant = reserve(4, Instant.now().minusSeconds(1));
        h.ledger.interleaveSigning(() -> h.tracker.payOwed());

        Grant answered = h.pay(grant);

        assertThat(answered.status()).isEqualTo(GrantStatus.SUBMITTED);
        assertThat(h.ledger.signingWrites()).as("signed and stored once, by the request").isEqualTo(1);
        assertThat(h.ledger.find(grant.id()).orElseThrow().txHashes()).hasSize(1);
        h.chain.mine();
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(4))).hasSize(1);
    }

    @Test
    void theTrackersPassDoesNotSendAGrantItsRequestIsSending() {
        Grant grant = reserve(5, Instant.now().minusSeconds(1));
        // the pass runs while the request's send is on its way, and the node mines at once (anvil's automine)
        h.chain.beforeNextSend(() -> {
            h.tracker.tick();
            h.chain.mine();
        });

        Grant answered = h.pay(grant);

        assertThat(answered.status()).as("sent by its request, not \"nonce too low\" behind the tracker's send")
                .isEqualTo(GrantStatus.SUBMITTED);
        assertThat(h.chain.sendCount()).isEqualTo(1);
        h.chain.mine();
        h.tracker.tick();
        assertThat(h.ledger.find(grant.id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(5))).hasSize(1);
    }

    @Test
    void aPaymentTheTrackerConfirmsBeforeItsRequestRecordsTheSendIsAnsweredAsSent() {
        Grant grant = reserve(3, Instant.now());
        // the node mines the transaction at once, and the tracker's pass confirms it from its receipt
        // before the request, back from the node, records that the node took it
        h.ledger.interleave(() -> {
            h.chain.mine();
            h.tracker.tick();
        });

        Grant answered = h.pay(grant);

        assertThat(answered.status()).isEqualTo(GrantStatus.SUBMITTED);
        assertThat(h.ledger.find(grant.id()).orElseThrow().status()).isEqualTo(GrantStatus.CONFIRMED);
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(3))).hasSize(1);
    }
}
