package com.dytallix.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.faucet.FaucetControls;
import com.dytallix.domain.faucet.FaucetControlsContract;
import com.dytallix.domain.faucet.PauseState;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteFaucetControlsTest extends FaucetControlsContract {
    @TempDir
    Path dir;
    private SqliteDatabase database;

    @Override
    protected FaucetControls newControls() {
        database = SqliteDatabase.open(dir.resolve("dytallix.db"));
        new Migrations(database).migrate();
        return new SqlFaucetControls(database, Persistence.SHARED_STATE_REFRESH);
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void thePauseSurvivesARestart() {
        controls.pause(Optional.of("drained"), T0);
        controls.recordTopUp(topUp("5", "before restart", T0));
        database.close();

        database = SqliteDatabase.open(dir.resolve("dytallix.db"));
        FaucetControls reopened = new SqlFaucetControls(database, Persistence.SHARED_STATE_REFRESH);

        assertThat(reopened.pauseState()).isEqualTo(new PauseState(true, Optional.of("drained"), Optional.of(T0)));
        assertThat(reopened.recentTopUps(5)).extracting(t -> t.note()).containsExactly("before restart");
    }

    @Test
    void aPauseOrResumeAppliesAtOnceHereAndOnAnotherInstanceWithinTheRefresh() throws Exception {
        assertThat(controls.pauseState().paused()).isFalse();
        try (SqliteDatabase otherHandle = SqliteDatabase.open(dir.resolve("dytallix.db"))) {
            FaucetControls there = new SqlFaucetControls(otherHandle, Persistence.SHARED_STATE_REFRESH);
            assertThat(there.pauseState().paused()).isFalse();

            controls.pause(Optional.of("drained"), T0);
            assertThat(controls.pauseState().paused()).isTrue();
            awaitPaused(there, true);

            there.resume(T0.plusSeconds(1));
            assertThat(there.pauseState().paused()).isFalse();
            awaitPaused(controls, false);
        }
    }

    /** Polls for up to 20 refresh intervals (generous for a loaded machine). */
    private static void awaitPaused(FaucetControls controls, boolean paused) throws InterruptedException {
        long deadline = System.nanoTime() + Persistence.SHARED_STATE_REFRESH.multipliedBy(20).toNanos();
        while (controls.pauseState().paused() != paused) {
            assertThat(System.nanoTime()).as("pause state %s not seen in time", paused).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
