package com.dytallix.adapters.persistence;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.admission.Block;
import com.dytallix.domain.admission.BlockList;
import io.helidon.dbclient.DbRow;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The block list in {@code blocks}. Every lookup asks the database whether the list changed (its
 * row count and highest id, which together change with every insert and delete, since ids are
 * never reused), and re-reads it only then: a block added or removed by any instance applies to
 * the next request everywhere, and a lookup costs one tiny query.
 */
final class SqlBlockList implements BlockList {
    private final Database database;
    private volatile Snapshot cached = new Snapshot(-1, -1, List.of());

    public SqlBlockList(Database database) {
        this.database = database;
    }

    private record Snapshot(long count, long top, List<Block> blocks) {
    }

    @Override
    public Block add(Block.Target target, String reason, Instant createdAt, Optional<Instant> expiresAt) {
        Instant at = createdAt.truncatedTo(ChronoUnit.MILLIS);
        Optional<Instant> until = expiresAt.map(e -> e.truncatedTo(ChronoUnit.MILLIS));
        return database.write(tx -> {
            tx.insert("INSERT INTO blocks (target, kind, reason, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                    target.toString(), target.scope(), reason, Timestamps.format(at), until.map(Timestamps::format).orElse(null));
            long id = tx.get(database.dialect().lastInsertId()).map(row -> Rows.integer(row, "id")).orElseThrow();
            return new Block(id, target, reason, at, until);
        });
    }

    @Override
    public boolean remove(long id) {
        return database.write(tx -> tx.delete("DELETE FROM blocks WHERE id = ?", id) > 0);
    }

    @Override
    public List<Block> all() {
        return current().blocks();
    }

    @Override
    public Optional<Block> matching(ClientIp ip, Address address, Instant now) {
        return current().blocks().stream()
                .filter(b -> b.activeAt(now) && b.target().matches(ip, address))
                .findFirst();
    }

    private Snapshot current() {
        Snapshot seen = cached;
        long[] version = database.read(db -> db.get("SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS top FROM blocks")
                .map(row -> new long[] {Rows.integer(row, "n"), Rows.integer(row, "top")}).orElseThrow());
        if (version[0] == seen.count() && version[1] == seen.top()) {
            return seen;
        }
        Snapshot fresh = database.read(db -> {
            try (Stream<DbRow> rows = db.query("SELECT * FROM blocks ORDER BY id DESC")) {
                List<Block> blocks = rows.map(SqlBlockList::block).toList();
                return new Snapshot(blocks.size(), blocks.stream().mapToLong(Block::id).max().orElse(0), blocks);
            }
        });
        cached = fresh;
        return fresh;
    }

    private static Block block(DbRow row) {
        String target = Rows.text(row, "target");
        Block.Target parsed = Rows.text(row, "kind").equals("address")
                ? new Block.Target.Recipient(new Address(target))
                : new Block.Target.Range(IpRange.parse(target));
        return new Block(Rows.integer(row, "id"), parsed, Rows.text(row, "reason"), Rows.time(row, "created_at"),
                Rows.optionalTime(row, "expires_at"));
    }
}
