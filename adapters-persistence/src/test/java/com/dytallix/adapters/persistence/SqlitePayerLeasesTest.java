package com.dytallix.adapters.persistence;

import com.dytallix.domain.payer.PayerLeases;
import com.dytallix.domain.payer.PayerLeasesContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

class SqlitePayerLeasesTest extends PayerLeasesContract {
    @TempDir
    Path dir;
    private SqliteDatabase database;

    @Override
    protected PayerLeases newLeases() {
        database = SqliteDatabase.open(dir.resolve("data/dytallix.db"));
        new Migrations(database).migrate();
        return new SqlPayerLeases(database);
    }

    @AfterEach
    void close() {
        database.close();
    }
}
