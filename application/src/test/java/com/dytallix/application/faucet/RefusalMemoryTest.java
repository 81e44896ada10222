package com.dytallix.application.faucet;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.admission.Applicant;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.InMemoryGrantLedger;
import com.dytallix.domain.grant.LimitScope;
import com.dytallix.domain.grant.Refusal;
import com.dytallix.domain.grant.TestAdmission;
import com.dytallix.domain.Wei;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the memory of quota refusals answers, for how long, and what makes it forget. */
class RefusalMemoryTest {
    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    private final InMemoryGrantLedger ledger = new InMemoryGrantLedger();
    private final RefusalMemory memory = new RefusalMemory(ledger);

    @Test
    void aRefusalHoldsUntilItsResetTimeAndNotAMillisecondLonger() {
        Instant reset = T0.plus(Duration.ofHours(3));
        memory.remember(applicant("10.0.0.1", 1, T0), new Refusal.RateLimited(LimitScope.IP, reset), memory.releases());

        assertThat(memory.refusal(applicant("10.0.0.1", 2, reset.minusMillis(1)))).contains(new Refusal.RateLimited(LimitScope.IP, reset));
        assertThat(memory.refusal(applicant("10.0.0.1", 2, reset))).isEmpty();
        // another client of the same subnet, another recipient: not refused by what the first client did
        assertThat(memory.refusal(applicant("10.0.0.2", 3, T0))).isEmpty();
    }

    @Test
    void eachScopeRefusesWhomItNamesAndTheDailyCapEveryone() {
        Instant reset = T0.plusSeconds(60);
        memory.remember(applicant("10.0.1.1", 1, T0), new Refusal.RateLimited(LimitScope.SUBNET, reset), memory.releases());
        memory.remember(applicant("10.0.2.1", 7, T0), new Refusal.RateLimited(LimitScope.ADDRESS, reset), memory.releases());

        assertThat(memory.refusal(applicant("10.0.1.99", 2, T0))).map(Refusal.RateLimited::scope).contains(LimitScope.SUBNET);
        assertThat(memory.refusal(applicant("10.9.9.9", 7, T0))).map(Refusal.RateLimited::scope).contains(LimitScope.ADDRESS);
        assertThat(memory.refusal(applicant("10.9.9.9", 8, T0))).isEmpty();

        memory.remember(applicant("10.3.0.1", 9, T0), new Refusal.RateLimited(LimitScope.DAILY_CAP, reset), memory.releases());
        assertThat(memory.refusal(applicant("192.0.2.1", 10, T0))).map(Refusal.RateLimited::scope).contains(LimitScope.DAILY_CAP);
    }

    @Test
    void aQuotaReleasedMeanwhileMakesItForgetAndARefusalJudgedBeforeTheReleaseIsNotRemembered() {
        Grant grant = ((com.dytallix.domain.grant.Reservation.Reserved) TestAdmission.reserve(ledger, address(1),
                ClientIp.parse("10.0.0.1"), Wei.ofDyt("10"), T0)).grant();
        Refusal.RateLimited refusal = new Refusal.RateLimited(LimitScope.IP, T0.plus(Duration.ofDays(1)));
        long before = memory.releases();
        memory.remember(applicant("10.0.0.1", 2, T0), refusal, before);
        assertThat(memory.refusal(applicant("10.0.0.1", 3, T0))).isPresent();

        ledger.markFailed(grant.id(), "reverted", T0);

        assertThat(memory.refusal(applicant("10.0.0.1", 3, T0))).isEmpty();
        // judged by the ledger before the failure, told to the memory after it: out of date, not kept
        memory.remember(applicant("10.0.0.1", 4, T0), refusal, before);
        assertThat(memory.refusal(applicant("10.0.0.1", 5, T0))).isEmpty();
    }

    @Test
    void itHoldsABoundedNumberOfRefusals() {
        Refusal.RateLimited refusal = new Refusal.RateLimited(LimitScope.IP, T0.plusSeconds(60));
        int remembered = RefusalMemory.CAPACITY + 1000;
        for (int i = 0; i < remembered; i++) {
            String ip = "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
            memory.remember(applicant(ip, 1, T0), refusal, memory.releases());
        }
        int stillRefused = 0;
        for (int i = 0; i < remembered; i++) {
            String ip = "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
            stillRefused += memory.refusal(applicant(ip, 1, T0)).isPresent() ? 1 : 0;
        }
        assertThat(stillRefused).isPositive().isLessThanOrEqualTo(RefusalMemory.CAPACITY);
    }

    private static Applicant applicant(String ip, int address, Instant now) {
        ClientIp client = ClientIp.parse(ip);
        return new Applicant(address(address), client, client.client(64), client.subnet(), Optional.empty(), now);
    }

    private static Address address(int n) {
        return new Address("0x%040x".formatted(n));
    }
}
