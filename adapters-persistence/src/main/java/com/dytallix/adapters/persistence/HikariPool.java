package com.dytallix.adapters.persistence;

import com.zaxxer.hikari.HikariDataSource;
import io.helidon.dbclient.DbClientException;
import io.helidon.dbclient.jdbc.CloseableJdbcConnectionPool;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Helidon's JDBC client over plain HikariCP (Helidon's own Hikari module is not published for 4.5.0),
 * in one of two kinds that never share a client:
 * <ul>
 * <li>{@link #of}: every connection from the data source, for every statement outside a write
 * transaction (the reads, the migrations, maintenance); it never sees a write transaction's connection.
 * <li>{@link #transactions}: for write transactions only. A write transaction's connection is taken by
 * {@link Database#begin} before Helidon's transaction asks for one, so that the reads {@link JdbcReads}
 * makes run on it too; this pool gives Helidon's transaction that connection and nothing else. A
 * statement outside a transaction on its client is a bug, and fails at once rather than take a
 * connection some transaction was handed.
 * </ul>
 */
record HikariPool(HikariDataSource dataSource, String dbType, boolean handedOnly) implements CloseableJdbcConnectionPool {
    /** The pool of a client for every statement outside a write transaction. */
    static HikariPool of(HikariDataSource dataSource, String dbType) {
        return new HikariPool(dataSource, dbType, false);
    }

    /** The pool of a client for write transactions: only the connection {@link Database#begin} handed over on this thread. */
    static HikariPool transactions(HikariDataSource dataSource, String dbType) {
        return new HikariPool(dataSource, dbType, true);
    }

    @Override
    public Connection connection() {
        if (handedOnly) {
            Connection handed = Database.handedFrom(dataSource);
            if (handed == null) {
                throw new IllegalStateException("a write transaction's client got a statement outside a transaction Database.begin began");
            }
            return handed;
        }
        try {
            return dataSource.getConnection();
        } catch (SQLException e) {
            throw new DbClientException("cannot get a database connection", e);
        }
    }

    /** The data source is closed by its database (the client of the reads closes it too; a second close does nothing). */
    @Override
    public void close() {
        if (!handedOnly) {
            dataSource.close();
        }
    }
}
