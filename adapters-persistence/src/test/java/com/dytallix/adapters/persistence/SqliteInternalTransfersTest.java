package com.dytallix.adapters.persistence;

import com.dytallix.domain.payer.InternalTransfers;
import com.dytallix.domain.payer.InternalTransfersContract;
import com.dytallix.domain.payer.PayerLeases;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

class SqliteInternalTransfersTest extends InternalTransfersContract {
    @TempDir
    Path dir;
    private SqliteDatabase database;

    @Override
    protected InternalTransfers newTransfers() {
        database = SqliteDatabase.open(dir.resolve("data/dytallix.db"));
        new Migrations(database).migrate();
        return new SqlInternalTransfers(database);
    }

    @Override
    protected PayerLeases leasesOfTransfers() {
        return new SqlPayerLeases(database);
    }

    @AfterEach
    void close() {
        database.close();
    }
}
