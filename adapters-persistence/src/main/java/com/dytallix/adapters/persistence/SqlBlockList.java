package com.dytallix.adapters.persistence;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.admission.Block;
import com.dytallix.domain.admission.BlockList;
import io.helidon.dbclient.DbRow;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * The block list in {@code blocks}, held in memory: a lookup costs no database work. At most once per
 * refresh interval a lookup asks the database whether the list changed (its row count and highest id,
 * which together change with every insert and delete, since ids are never reused) and re-reads it
 * only then. A block added or removed here applies at once; one added or removed by another instance
 * applies here within the refresh interval.
 */
final class SqlBlockList implements BlockList {
    private final Database database;
    private final long refreshNanos;
    private final ReentrantLock refreshing = new ReentrantLock();
    private volatile Snapshot cached;

    SqlBlockList(Database database, Duration refresh) {
        this.database = database;
        this.refreshNanos = refresh.toNanos();
    }

    private record Snapshot(long count, long top, List<Block> blocks, long checkedAt) {
    }

    @Override
    public Block add(Block.Target target, String reason, Instant createdAt, Optional<Instant> expiresAt) {
        Instant at = createdAt.truncatedTo(ChronoUnit.MILLIS);
        Optional<Instant> until = expiresAt.map(e -> e.truncatedTo(ChronoUnit.MILLIS));
        Block added = database.write(tx -> {
            tx.insert("INSERT INTO blocks (target, kind, reason, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                    target.toString(), target.scope(), reason, Timestamps.format(at), until.map(Timestamps::format).orElse(null));
            long id = tx.get(database.dialect().lastInsertId()).map(row -> Rows.integer(row, "id")).orElseThrow();
            return new Block(id, target, reason, at, until);
        });
        refresh(true);
        return added;
    }

    @Override
    public boolean remove(long id) {
        boolean removed = database.write(tx -> tx.delete("DELETE FROM blocks WHERE id = ?", id) > 0);
        refresh(true);
        return removed;
    }

    /** For the operator: read from the database, so it also shows what another instance changed a moment ago. */
    @Override
    public List<Block> all() {
        return refresh(true).blocks();
    }

    @Override
    public Optional<Block> matching(ClientIp ip, Address address, Instant now) {
        for (Block b : current().blocks()) {
            if (b.activeAt(now) && b.target().matches(ip, address)) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    /** The list in memory; one caller at a time checks it against the database once it is older than the interval. */
    private Snapshot current() {
        Snapshot seen = cached;
        if (seen != null && System.nanoTime() - seen.checkedAt() < refreshNanos) {
            return seen;
        }
        return refresh(false);
    }

    private Snapshot refresh(boolean force) {
        Snapshot seen = cached;
        if (seen != null && !force) {
            if (!refreshing.tryLock()) {
                return seen; // another caller is checking right now
            }
        } else {
            refreshing.lock();
        }
        try {
            Snapshot now = cached;
            if (!force && now != seen && now != null) {
                return now;
            }
            long[] version = database.read(db -> db.get("SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS top FROM blocks")
                    .map(row -> new long[] {Rows.integer(row, "n"), Rows.integer(row, "top")}).orElseThrow());
            long checkedAt = System.nanoTime();
            Snapshot fresh;
            if (now != null && version[0] == now.count() && version[1] == now.top()) {
                fresh = new Snapshot(now.count(), now.top(), now.blocks(), checkedAt);
            } else {
                fresh = database.read(db -> {
                    try (Stream<DbRow> rows = db.query("SELECT * FROM blocks ORDER BY id DESC")) {
                        List<Block> blocks = rows.map(SqlBlockList::block).toList();
                        return new Snapshot(blocks.size(), blocks.stream().mapToLong(Block::id).max().orElse(0), blocks, checkedAt);
                    }
                });
            }
            cached = fresh;
            return fresh;
        } finally {
            refreshing.unlock();
        }
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
