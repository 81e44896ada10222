package com.dytallix.adapters.persistence;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteDataSource;
import org.sqlite.core.DB;
import org.sqlite.jdbc4.JDBC4Connection;
import org.sqlite.jdbc4.JDBC4PreparedStatement;

/**
 * SQLite connections that keep their prepared statements, for the pool to hand out. Helidon's
 * DbClient prepares each statement anew and closes it after one use; neither sqlite-jdbc nor HikariCP
 * keeps statements, and compiling one (with the indexes and triggers an insert or update maintains)
 * cost about a sixth of the server's CPU per grant (bench/faucet.sh). Here closing a statement
 * resets it (no open result, so it holds no read snapshot, and no bound values) and keeps it for
 * the next {@code prepareStatement} of the same text on the same connection; the least recently used
 * beyond {@link #KEPT} are finalized, and so are all when the connection closes. Texts longer than
 * {@link #LONGEST_KEPT} are compiled each time, as before. A statement is in use by at most one
 * caller: one still open when its text is prepared again yields a second one. SQLite recompiles a
 * kept statement by itself when the schema changes.
 */
final class SqliteConnections extends SQLiteDataSource {
    /** Statements kept per connection: every statement of the grant path fits, with room for the IN lists' sizes. */
    static final int KEPT = 64;
    /**
     * Longer texts are the multi-row statements of a batch, one text per batch size: compiled once per
     * batch, they cost little per grant, and kept they would hold the most memory.
     */
    static final int LONGEST_KEPT = 1_500;

    SqliteConnections(SQLiteConfig config, String url) {
        super(config);
        setUrl(url);
    }

    @Override
    public SQLiteConnection getConnection(String username, String password) throws SQLException {
        Properties properties = getConfig().toProperties();
        return new Kept(getUrl(), getUrl().substring("jdbc:sqlite:".length()), properties);
    }

    private static final class Kept extends JDBC4Connection {
        /** Idle statements by their text, least recently used first. */
        private final Map<String, KeptStatement> idle = new LinkedHashMap<>(KEPT, 0.75f, true);

        Kept(String url, String fileName, Properties properties) throws SQLException {
            super(url, fileName, properties);
        }

        @Override
        public PreparedStatement prepareStatement(String sql, int type, int concurrency, int holdability) throws SQLException {
            if (type != ResultSet.TYPE_FORWARD_ONLY || concurrency != ResultSet.CONCUR_READ_ONLY || sql.length() > LONGEST_KEPT) {
                return super.prepareStatement(sql, type, concurrency, holdability);
            }
            checkOpen();
            checkCursor(type, concurrency, holdability);
            KeptStatement kept;
            synchronized (idle) {
                kept = idle.remove(sql);
            }
            return kept != null ? kept : new KeptStatement(this, sql);
        }

        @Override
        public void close() throws SQLException {
            List<KeptStatement> kept;
            synchronized (idle) {
                kept = List.copyOf(idle.values());
                idle.clear();
                super.close(); // inside the lock: a statement closed meanwhile sees the connection closed and is not kept
            }
            for (KeptStatement statement : kept) {
                statement.finish();
            }
        }

        /** @return whether the statement was kept (otherwise its caller finalizes it) */
        private boolean keep(KeptStatement statement) throws SQLException {
            KeptStatement evicted = null;
            synchronized (idle) {
                if (isClosed() || idle.containsKey(statement.text())) {
                    return false;
                }
                idle.put(statement.text(), statement);
                if (idle.size() > KEPT) {
                    var eldest = idle.entrySet().iterator();
                    evicted = eldest.next().getValue();
                    eldest.remove();
                }
            }
            if (evicted != null) {
                evicted.finish();
            }
            return true;
        }

        private static final class KeptStatement extends JDBC4PreparedStatement {
            private final Kept connection;

            KeptStatement(Kept connection, String sql) throws SQLException {
                super(connection, sql);
                this.connection = connection;
            }

            String text() {
                return sql;
            }

            @Override
            public void close() throws SQLException {
                if (pointer.isClosed()) {
                    return;
                }
                try {
                    rs.close();
                    pointer.safeRunInt(DB::reset);
                    clearParameters();
                    if (connection.keep(this)) {
                        return;
                    }
                } catch (SQLException | RuntimeException e) {
                    finish();
                    throw e;
                }
                finish();
            }

            void finish() throws SQLException {
                super.close();
            }
        }
    }
}
