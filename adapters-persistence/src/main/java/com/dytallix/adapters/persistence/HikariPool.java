package com.dytallix.adapters.persistence;

import com.zaxxer.hikari.HikariDataSource;
import io.helidon.dbclient.DbClientException;
import io.helidon.dbclient.jdbc.CloseableJdbcConnectionPool;
import java.sql.Connection;
import java.sql.SQLException;

/** Helidon's JDBC client over plain HikariCP (Helidon's own Hikari module is not published for 4.5.0). */
record HikariPool(HikariDataSource dataSource, String dbType) implements CloseableJdbcConnectionPool {
    @Override
    public Connection connection() {
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
