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
        return new SqlFaucetControls(database);
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
        FaucetControls reopened = new SqlFaucetControls(database);

        assertThat(reopened.pauseState()).isEqualTo(new PauseState(true, Optional.of("drained"), Optional.of(T0)));
        assertThat(reopened.recentTopUps(5)).extracting(t -> t.note()).containsExactly("before restart");
    }
}
