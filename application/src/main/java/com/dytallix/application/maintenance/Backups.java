package com.dytallix.application.maintenance;

import com.dytallix.domain.maintenance.DatabaseBackups;
import java.time.Clock;

/** The {@code backup} and {@code restore} commands: a copy of the database now, and putting one back. */
public final class Backups {
    private final DatabaseBackups backups;
    private final Clock clock;

    public Backups(DatabaseBackups backups, Clock clock) {
        this.backups = backups;
        this.clock = clock;
    }

    /** A consistent copy of the live database, named for this moment; returns the backup as the operator finds it. */
    public String take() {
        return backups.backup(clock.instant());
    }

    /** Puts the database back as {@code backup} holds it; refused while any instance runs. */
    public void restore(String backup) {
        backups.restore(backup);
    }
}
