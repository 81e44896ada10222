package com.dytallix.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.Wei;
import com.dytallix.domain.admission.OutflowGovernorRule;
import com.dytallix.domain.grant.OutflowPolicy;
import com.dytallix.domain.grant.ReservationRequest;
import com.dytallix.domain.grant.TestAdmission;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import com.dytallix.domain.admission.Block;
import com.dytallix.domain.admission.BlockList;
import com.dytallix.domain.admission.BlockListContract;
import com.dytallix.domain.admission.ChallengeStore;
import com.dytallix.domain.admission.ChallengeStoreContract;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The block list and the challenge store in SQLite keep their ports' contracts, shared by every handle on the file. */
class SqliteAdmissionStoresTest {
    @TempDir
    Path dir;
    private SqliteDatabase database;

    private SqliteDatabase open() {
        database = SqliteDatabase.open(dir.resolve("data/dytallix.db"));
        new Migrations(database).migrate();
        return database;
    }

    @AfterEach
    void close() {
        if (database != null) {
            database.close();
        }
    }

    @Nested
    class Blocks extends BlockListContract {
        @Override
        protected BlockList newBlockList() {
            return new SqlBlockList(open(), Persistence.SHARED_STATE_REFRESH);
        }
    }

    @Nested
    class Challenges extends ChallengeStoreContract {
        @Override
        protected ChallengeStore newStore() {
            return new SqlChallengeStore(open(), Duration.ZERO);
        }

        @Test
        void aChallengeOfThePreviousVersionKeepsIdsLookedUpUntilItIsUsedOrExpires() {
            SqliteDatabase db = open();
            PreviousVersionChallenges.check(db, new SqlChallengeStore(db, Duration.ZERO));
        }

        @Test
        void theChallengeKeyIsMadeOnceAndReadAlikeByEveryInstance() {
            open().close();
            try (Persistence one = Persistence.open(Optional.empty(), dir.resolve("data/dytallix.db"));
                 Persistence two = Persistence.open(Optional.empty(), dir.resolve("data/dytallix.db"))) {
                assertThat(one.challengeKey()).hasSize(32).isEqualTo(two.challengeKey());
            }
        }
    }

    @Test
    void aBlockAddedOrRemovedThroughOneInstanceAppliesThereAtOnceOnAnotherWithinTheRefreshAndSurvivesARestart() {
        SqlBlockList here = new SqlBlockList(open(), Persistence.SHARED_STATE_REFRESH);
        Address anyone = new Address("0x00000000000000000000000000000000000000cc");
        ClientIp attacker = ClientIp.parse("198.51.100.7");
        try (SqliteDatabase otherHandle = SqliteDatabase.open(dir.resolve("data/dytallix.db"))) {
            SqlBlockList there = new SqlBlockList(otherHandle, Persistence.SHARED_STATE_REFRESH);
            Instant now = Instant.now();
            assertThat(there.matching(attacker, anyone, now)).isEmpty();

            Block block = here.add(new Block.Target.Range(IpRange.parse("198.51.100.0/24")), "drain", now, Optional.empty());
            assertThat(here.matching(attacker, anyone, now)).contains(block);
            within(Persistence.SHARED_STATE_REFRESH, () -> there.matching(attacker, anyone, now).isPresent());

            here.add(new Block.Target.Recipient(anyone), "mule", now, Optional.empty());
            here.remove(block.id());
            Address other = new Address("0x00000000000000000000000000000000000000dd");
            assertThat(here.matching(attacker, other, now)).isEmpty();
            within(Persistence.SHARED_STATE_REFRESH, () -> there.matching(attacker, other, now).isEmpty());
            assertThat(there.matching(attacker, anyone, now)).isPresent();
            // the operator's listing reads the database: another instance's change shows there at once
            assertThat(there.all()).extracting(b -> b.target().toString()).containsExactly(anyone.value());
        }
        database.close();
        SqlBlockList restarted = new SqlBlockList(open(), Persistence.SHARED_STATE_REFRESH);
        assertThat(restarted.all()).extracting(b -> b.target().toString()).containsExactly(anyone.value());
    }

    /** Holds true once the refresh interval has passed (allowing generously for a loaded machine). */
    private static void within(java.time.Duration refresh, java.util.function.BooleanSupplier check) {
        long deadline = System.nanoTime() + refresh.multipliedBy(20).toNanos();
        while (!check.getAsBoolean()) {
            assertThat(System.nanoTime()).as("still not seen after 20 refresh intervals").isLessThan(deadline);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void theOutflowBudgetIsSharedByEveryHandleOnTheFileAndSurvivesARestart() {
        OutflowPolicy outflow = new OutflowPolicy(Wei.ofDyt("240"), Wei.ofDyt("50"), new BigDecimal("0.1"));
        Instant t0 = Instant.parse("2026-03-01T12:00:00Z");
        SqlGrantLedger here = new SqlGrantLedger(open());
        for (int i = 0; i < 6; i++) {
            ReservationRequest request = TestAdmission.request(new Address("0x%040x".formatted(i + 1)),
                    ClientIp.parse("10.0.0." + i), Optional.empty(), "h" + i, t0);
            here.reserve(request, TestAdmission.of(List.of(new OutflowGovernorRule(outflow)), Wei.ofDyt("10"), outflow, request));
        }
        // 50 full, then 10 at the start of the debt: 10 DYT in debt
        BigInteger inDebt = Wei.ofDyt("10").value().negate();
        try (SqliteDatabase otherHandle = SqliteDatabase.open(dir.resolve("data/dytallix.db"))) {
            assertThat(new SqlGrantLedger(otherHandle).budget(outflow, t0)).isEqualTo(inDebt);
        }
        database.close();
        SqlGrantLedger restarted = new SqlGrantLedger(open());
        assertThat(restarted.budget(outflow, t0)).isEqualTo(inDebt);
        // and it refills with time: an hour is 10 DYT
        assertThat(restarted.budget(outflow, t0.plusSeconds(3600))).isEqualTo(BigInteger.ZERO);
    }

    @Test
    void aQuotaReleasedThroughAnotherHandleOnTheFileShowsHereWithinTheRefreshInterval() {
        SqliteDatabase here = open();
        try (SqliteDatabase otherHandle = SqliteDatabase.open(dir.resolve("data/dytallix.db"))) {
            QuotaReleasesAcrossInstances.check(here, otherHandle);
        }
    }
}
