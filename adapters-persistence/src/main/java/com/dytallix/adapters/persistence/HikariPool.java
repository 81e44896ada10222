package com.dytallix.adapters.persistence;

import com.zaxxer.hikari.HikariDataSource;
import io.helidon.dbclient.DbClientException;
import io.helidon.dbclient.jdbc.CloseableJdbcConnectionPool;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Helidon's JDBC client over plain HikariCP (Helidon's own Hikari module is not published for 4.5.0).
 * A write transaction's connection is taken by {@link Database#begin} before Helidon's transaction
 * asks for one, so that the reads {@link JdbcReads} makes run on it too: the first connection asked
 * of this pool on that thread is that one.
 */
record HikariPool(HikariDataSource dataSource, String dbType) implements CloseableJdbcConnectionPool {
    @Override
    public Connection connection() {
        Connection handed = Database.handedFrom(dataSource);
        if (handed != null) {
            return handed;
        }
        try {
            return dataSource.getConnection();
        } catch (SQLException e) {
            throw new DbClientException("cannot get a database connection", e);
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
