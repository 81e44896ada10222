package com.dytallix.application.faucet;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.application.payer.PayerElection;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.TestClock;
import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.Reservation;
import com.dytallix.domain.grant.TestAdmission;
import com.dytallix.domain.payer.InMemoryPayerLeases;
import com.dytallix.domain.payer.Lease;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What an operator reads when a write under the payer lease is refused: a WARN when another instance took the lease
 * (a stalled payer, worth a look), not for the faucet's own doing, an adoption of a relaunched chain revoking it.
 */
class LeaseLogTest {
    private LogLines log;
    private List<LogRecord> lines;

    @BeforeEach
    void listen() {
        log = new LogLines(PayerElection.class, Level.ALL);
        lines = log.records;
    }

    @AfterEach
    void stopListening() {
        log.close();
    }

    private List<String> warnings() {
        return log.messages(Level.WARNING);
    }

    @Test
    void theAdoptionsOwnRevocationOfTheLeaseIsNoWarning() {
        FaucetHarness h = new FaucetHarness();
        h.request(FaucetHarness.parsed(1).value(), "10.0.0.1"); // sent, not mined: the tracker follows it
        h.chain.relaunch();
        h.chain.fund(FaucetHarness.FAUCET, Wei.ofDyt("1000000"));
        h.chainGuard.check();
        lines.clear();

        h.chainGuard.adopt(h.chain.genesis());
        // a payment comes before the lease job takes the lease anew: its signing under the revoked lease is refused
        var request = TestAdmission.request(FaucetHarness.parsed(2), ClientIp.parse("10.0.0.2"), Optional.empty(), "hash-2",
                Instant.now());
        h.pay(((Reservation.Reserved) h.ledger.reserve(request, TestAdmission.GENEROUS.of(request))).grant());
        assertThat(lines).as("the refusal was noticed").isNotEmpty();
        h.election.campaign();

        assertThat(warnings()).as("nothing went wrong: the faucet revoked its own lease").isEmpty();
        assertThat(h.election.isPayer()).isTrue();
    }

    @Test
    void aLeaseTakenOverByAnotherInstanceIsStillAWarningNamingIt() {
        TestClock clock = new TestClock(Instant.now());
        InMemoryPayerLeases leases = new InMemoryPayerLeases(clock);
        PayerElection stalled = new PayerElection(leases, "a", Duration.ofMillis(50), () -> { });
        PayerElection other = new PayerElection(leases, "b", Duration.ofSeconds(10), () -> { });
        assertThat(stalled.campaign()).isTrue();
        Lease before = leases.current().orElseThrow();
        clock.advance(Duration.ofSeconds(1)); // a's lease ran out while it stalled
        assertThat(other.campaign()).isTrue();
        lines.clear();

        stalled.lost(before);

        assertThat(warnings()).singleElement().asString().contains("taken over by b");
    }

    @Test
    void aRevokedLeaseNobodyElseHoldsIsSaidAtInfo() {
        InMemoryPayerLeases leases = new InMemoryPayerLeases();
        PayerElection election = new PayerElection(leases, "a", Duration.ofSeconds(10), () -> { });
        assertThat(election.campaign()).isTrue();
        Lease before = leases.current().orElseThrow();
        leases.chainAdopted();
        lines.clear();

        election.lost(before);

        assertThat(warnings()).isEmpty();
        assertThat(lines).singleElement().satisfies(r -> assertThat(r.getLevel()).isEqualTo(Level.INFO));
    }
}
