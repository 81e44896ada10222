package com.dytallix.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.admission.Block;
import com.dytallix.domain.admission.BlockList;
import com.dytallix.domain.admission.BlockListContract;
import com.dytallix.domain.admission.ChallengeStore;
import com.dytallix.domain.admission.ChallengeStoreContract;
import java.nio.file.Path;
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
            return new SqliteBlockList(open());
        }
    }

    @Nested
    class Challenges extends ChallengeStoreContract {
        @Override
        protected ChallengeStore newStore() {
            return new SqliteChallengeStore(open());
        }
    }

    @Test
    void aBlockAddedOrRemovedThroughOneInstanceAppliesAtOnceOnAnotherAndSurvivesARestart() {
        SqliteBlockList here = new SqliteBlockList(open());
        Address anyone = new Address("0x00000000000000000000000000000000000000cc");
        ClientIp attacker = ClientIp.parse("198.51.100.7");
        try (SqliteDatabase otherHandle = SqliteDatabase.open(dir.resolve("data/dytallix.db"))) {
            SqliteBlockList there = new SqliteBlockList(otherHandle);
            Instant now = Instant.now();
            assertThat(there.matching(attacker, anyone, now)).isEmpty();

            Block block = here.add(new Block.Target.Range(IpRange.parse("198.51.100.0/24")), "drain", now, Optional.empty());
            assertThat(there.matching(attacker, anyone, now)).contains(block);

            here.add(new Block.Target.Recipient(anyone), "mule", now, Optional.empty());
            here.remove(block.id());
            assertThat(there.matching(attacker, new Address("0x00000000000000000000000000000000000000dd"), now)).isEmpty();
            assertThat(there.matching(attacker, anyone, now)).isPresent();
        }
        database.close();
        SqliteBlockList restarted = new SqliteBlockList(open());
        assertThat(restarted.all()).extracting(b -> b.target().toString()).containsExactly(anyone.value());
    }
}
