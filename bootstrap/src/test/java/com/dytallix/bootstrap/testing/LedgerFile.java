package com.dytallix.bootstrap.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.sqlite.SQLiteConfig;

/**
 * Reads the server's ledger directly, read-only, as an operator with sqlite3 (or psql, for a
 * PostgreSQL ledger) would.
 */
public final class LedgerFile {
    /** Where the server keeps its database, relative to its working directory (the default DB_PATH). */
    public static final String DB_PATH = "data/dytallix.db";

    private final String url;
    private final Properties connection;

    /** The ledger of a server whose files are under {@code dir}. */
    public LedgerFile(Path dir) {
        this.url = "jdbc:sqlite:" + dir.resolve(DB_PATH);
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        config.setBusyTimeout(10_000);
        this.connection = config.toProperties();
    }

    private LedgerFile(String url, Properties connection) {
        this.url = url;
        this.connection = connection;
    }

    /** The ledger in the PostgreSQL database at {@code host:port/database}. */
    public static LedgerFile postgres(String host, int port, String database, String user) {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("readOnly", "true");
        return new LedgerFile("jdbc:postgresql://" + host + ":" + port + "/" + database, p);
    }

    public record Row(String id, String address, String status, Long nonce, String txHash, String landedHash,
                      String failureReason, String idempotencyKey) {
    }

    public List<Row> grants() {
        return rows("SELECT * FROM faucet_grants ORDER BY created_at");
    }

    public List<Row> grantsTo(String address) {
        return rows("SELECT * FROM faucet_grants WHERE lower(address) = lower(?) ORDER BY created_at", address);
    }

    /** Rows of {@code request_fingerprints} with this outcome ({@code blocked}, {@code pow_required}, ...). */
    public long fingerprints(String outcome) {
        long[] n = new long[1];
        query("SELECT COUNT(*) AS n FROM request_fingerprints WHERE outcome = ?", rs -> n[0] = rs.getLong("n"), outcome);
        return n[0];
    }

    private List<Row> rows(String sql, String... args) {
        List<Row> rows = new ArrayList<>();
        query(sql, rs -> rows.add(new Row(rs.getString("id"), rs.getString("address"), rs.getString("status"),
                rs.getObject("nonce") == null ? null : rs.getLong("nonce"), rs.getString("tx_hash"), rs.getString("landed_hash"),
                rs.getString("failure_reason"), rs.getString("idempotency_key"))), args);
        return rows;
    }

    @FunctionalInterface
    private interface RowReader {
        void read(ResultSet rs) throws SQLException;
    }

    private void query(String sql, RowReader reader, String... args) {
        try (Connection c = DriverManager.getConnection(url, connection);
             PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setString(i + 1, args[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    reader.read(rs);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the ledger failed: " + e.getMessage(), e);
        }
    }
}
