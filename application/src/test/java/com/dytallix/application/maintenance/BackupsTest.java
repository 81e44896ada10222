package com.dytallix.application.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.maintenance.DatabaseBackups;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackupsTest {
    private static final Instant NOW = Instant.parse("2026-11-29T03:15:00Z");

    /** Backups kept in memory, named as a store names them. */
    private static final class KeptBackups implements DatabaseBackups {
        final List<Instant> taken = new ArrayList<>();
        final List<String> restored = new ArrayList<>();

        @Override
        public String backup(Instant at) {
            taken.add(at);
            return "backup of " + at;
        }

        @Override
        public void restore(String backup) {
            restored.add(backup);
        }
    }

    @Test
    void aBackupIsNamedForTheMomentItIsTakenAndRestoredByThatName() {
        KeptBackups store = new KeptBackups();
        Backups backups = new Backups(store, Clock.fixed(NOW, ZoneOffset.UTC));

        String taken = backups.take();
        backups.restore(taken);

        assertThat(store.taken).containsExactly(NOW);
        assertThat(taken).isEqualTo("backup of 2026-11-29T03:15:00Z");
        assertThat(store.restored).containsExactly(taken);
    }
}
