package com.dytallix.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.Reservation;
import com.dytallix.domain.grant.ReservationRequest;
import com.dytallix.domain.grant.TestAdmission;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What one instance sees of quotas another released: a grant failed there, or one deleted by an
 * operator's SQL, moves this instance's count of quota releases within the refresh interval, so a
 * quota refusal it remembers is forgotten. Run against each store.
 */
final class QuotaReleasesAcrossInstances {
    private static final TestAdmission LIMITS = new TestAdmission(10, 1, Wei.ofDyt("10000"), Wei.ofDyt("10"));
    /** The refresh interval with generous room for a loaded machine. */
    private static final Duration SEEN_WITHIN = Persistence.SHARED_STATE_REFRESH.plusSeconds(10);

    private QuotaReleasesAcrossInstances() {
    }

    static void check(Database hereDb, Database thereDb) {
        SqlGrantLedger here = new SqlGrantLedger(hereDb);
        SqlGrantLedger there = new SqlGrantLedger(thereDb);
        Instant now = Instant.now();
        long before = here.quotaReleases();
        Grant failing = reserve(there, 1, now);
        Grant deleted = reserve(there, 2, now);
        assertThat(here.quotaReleases()).isEqualTo(before);

        there.markFailed(failing.id(), "reverted", now);
        long afterFailure = changedFrom(here, before);

        // an operator's clean-up by hand, not through the server
        thereDb.write(tx -> tx.delete("DELETE FROM faucet_grants WHERE id = ?", deleted.id().value()));
        changedFrom(here, afterFailure);
    }

    private static Grant reserve(SqlGrantLedger ledger, int n, Instant now) {
        ReservationRequest request = TestAdmission.request(new Address("0x%040x".formatted(n)), ClientIp.parse("10.0.0." + n),
                Optional.empty(), "h" + n, now);
        return ((Reservation.Reserved) ledger.reserve(request, LIMITS.of(request))).grant();
    }

    private static long changedFrom(SqlGrantLedger ledger, long before) {
        long deadline = System.nanoTime() + SEEN_WITHIN.toNanos();
        long now = ledger.quotaReleases();
        while (now == before && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            now = ledger.quotaReleases();
        }
        assertThat(now).as("quota releases seen by the other instance").isNotEqualTo(before);
        return now;
    }
}
