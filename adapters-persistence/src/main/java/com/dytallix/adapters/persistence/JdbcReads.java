package com.dytallix.adapters.persistence;

import io.helidon.dbclient.DbClientException;
import io.helidon.dbclient.DbExecute;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The faucet's hot reads with JDBC directly, columns read by position, on the connection the adapter
 * already holds: a pooled one ({@link Database#readJdbc}) or the write transaction's own ({@link
 * #in}). Helidon's DbClient builds every row's column metadata anew (per column and per row: its
 * label, its type's name and a {@code Class.forName} of its Java class), about 5 % of a saturated
 * faucet's CPU, most of it in the tracker's read of every payment in flight and the reservation's
 * quota reads; docs/architecture.md lists the reads made here. Every other statement stays on DbClient,
 * but for the hot writes' updates of one grant each ({@link #batch}): one JDBC batch, so one round trip to
 * PostgreSQL for all of them while the write's locks are held, not one per grant.
 * Values are what DbClient read ({@code ResultSet.getObject}), so {@link Rows} converts them alike.
 */
final class JdbcReads {
    private JdbcReads() {
    }

    /** Work on a JDBC connection. */
    @FunctionalInterface
    interface Work<T> {
        T apply(Connection connection) throws SQLException;
    }

    /** One row read into a value. */
    @FunctionalInterface
    interface RowReader<T> {
        T read(ResultSet row) throws SQLException;
    }

    /** One row taken in. */
    @FunctionalInterface
    interface RowConsumer {
        void accept(ResultSet row) throws SQLException;
    }

    /** The JDBC connection of the write transaction {@code tx} ({@link Database#write}'s), in that transaction. */
    static Connection in(DbExecute tx) {
        return ((TextNamedStatements.Transaction) tx).connection();
    }

    /** Every row {@code sql} reads, in order. */
    static <T> List<T> list(Connection connection, String sql, RowReader<T> reader, Object... params) {
        List<T> read = new ArrayList<>();
        each(connection, sql, row -> read.add(reader.read(row)), params);
        return read;
    }

    /** Hands every row {@code sql} reads to {@code consumer}, in order. */
    static void each(Connection connection, String sql, RowConsumer consumer, Object... params) {
        try (PreparedStatement statement = prepared(connection, sql, params); ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                consumer.accept(rows);
            }
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** The first row {@code sql} reads, if any. */
    static <T> Optional<T> first(Connection connection, String sql, RowReader<T> reader, Object... params) {
        try (PreparedStatement statement = prepared(connection, sql, params); ResultSet rows = statement.executeQuery()) {
            return rows.next() ? Optional.ofNullable(reader.read(rows)) : Optional.empty();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /**
     * Runs {@code sql} once per row of {@code rows} (its parameters) as one JDBC batch on the write
     * transaction's connection ({@link #in}); answers each run's count of changed rows, in order.
     */
    static int[] batch(Connection connection, String sql, List<Object[]> rows) {
        if (rows.isEmpty()) {
            return new int[0];
        }
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (Object[] params : rows) {
                bind(statement, params);
                statement.addBatch();
            }
            return statement.executeBatch();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    private static PreparedStatement prepared(Connection connection, String sql, Object[] params) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        try {
            bind(statement, params);
            return statement;
        } catch (SQLException | RuntimeException e) {
            statement.close();
            throw e;
        }
    }

    private static void bind(PreparedStatement statement, Object[] params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            switch (params[i]) {
                case null -> statement.setObject(i + 1, null);
                case String text -> statement.setString(i + 1, text);
                case Long number -> statement.setLong(i + 1, number);
                case Integer number -> statement.setInt(i + 1, number);
                default -> statement.setObject(i + 1, params[i]);
            }
        }
    }

    /** A driver's failure as DbClient's own statements report one (its SQLException the cause, for the busy checks). */
    static DbClientException failed(SQLException e) {
        return new DbClientException(e.getMessage(), e);
    }

    static Optional<String> optionalText(ResultSet row, int column) throws SQLException {
        return Optional.ofNullable(row.getObject(column)).map(Object::toString);
    }

    static String text(ResultSet row, int column) throws SQLException {
        return optionalText(row, column).orElseThrow(() -> notNull(row, column));
    }

    static Optional<Long> optionalInteger(ResultSet row, int column) throws SQLException {
        return Optional.ofNullable(row.getObject(column)).map(value -> ((Number) value).longValue());
    }

    static long integer(ResultSet row, int column) throws SQLException {
        return optionalInteger(row, column).orElseThrow(() -> notNull(row, column));
    }

    static Optional<Instant> optionalTime(ResultSet row, int column) throws SQLException {
        return Optional.ofNullable(row.getObject(column)).map(Rows::instant);
    }

    static Instant time(ResultSet row, int column) throws SQLException {
        return optionalTime(row, column).orElseThrow(() -> notNull(row, column));
    }

    private static IllegalStateException notNull(ResultSet row, int column) {
        String name;
        try {
            name = row.getMetaData().getColumnLabel(column);
        } catch (SQLException e) {
            name = "column " + column;
        }
        return new IllegalStateException(name + " is NULL");
    }
}
