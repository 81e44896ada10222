package com.dytallix.adapters.persistence;

import com.dytallix.domain.grant.GrantLedger;
import com.dytallix.domain.grant.GrantLedgerContract;
import com.dytallix.domain.payer.PayerLeases;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

class SqliteGrantLedgerTest extends GrantLedgerContract {
    @TempDir
    Path dir;
    private SqliteDatabase database;

    @Override
    protected GrantLedger newLedger() {
        database = SqliteDatabase.open(dir.resolve("data/dytallix.db"));
        new Migrations(database).migrate();
        return new SqlGrantLedger(database);
    }

    @Override
    protected PayerLeases leasesOfLedger() {
        return new SqlPayerLeases(database);
    }

    @AfterEach
    void close() {
        database.close();
    }
}
