package com.dytallix.adapters.persistence;

import com.dytallix.domain.Address;
import com.dytallix.domain.key.KeyRotation;
import com.dytallix.domain.key.KeyRotationLog;
import java.util.Optional;

/** Key rotations in {@code key_rotations}: addresses and times only. */
final class SqlKeyRotationLog implements KeyRotationLog {
    private final Database database;

    public SqlKeyRotationLog(Database database) {
        this.database = database;
    }

    @Override
    public void record(KeyRotation rotation) {
        database.write(tx -> tx.insert(
                "INSERT INTO key_rotations (previous_address, new_address, rotated_at) VALUES (?, ?, ?)",
                rotation.previousAddress().value(), rotation.newAddress().value(),
                Timestamps.format(rotation.rotatedAt())));
    }

    @Override
    public Optional<KeyRotation> last() {
        return database.read(db -> db.get(
                        "SELECT * FROM key_rotations ORDER BY rotated_at DESC, id DESC LIMIT 1")
                .map(row -> new KeyRotation(new Address(Rows.text(row, "previous_address")),
                        new Address(Rows.text(row, "new_address")), Rows.time(row, "rotated_at"))));
    }
}
