package com.dytallix.adapters.persistence;

import com.dytallix.domain.key.KeyRotationLog;
import com.dytallix.domain.key.KeyRotationLogContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

class SqliteKeyRotationLogTest extends KeyRotationLogContract {
    @TempDir
    Path dir;
    private SqliteDatabase database;

    @Override
    protected KeyRotationLog newLog() {
        database = SqliteDatabase.open(dir.resolve("dytallix.db"));
        new Migrations(database).migrate();
        return new SqlKeyRotationLog(database);
    }

    @AfterEach
    void close() {
        database.close();
    }
}
