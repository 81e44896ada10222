package com.dytallix.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.helidon.dbclient.DbRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;

class SqliteConnectionsTest {
    @TempDir
    Path dir;

    @Test
    void aClosedStatementIsHandedOutAgainForTheSameTextAndOnlyWhenNoOneHoldsIt() throws Exception {
        try (Connection connection = connections().getConnection()) {
            PreparedStatement first = connection.prepareStatement("SELECT ? AS x");
            first.setInt(1, 1);
            try (ResultSet rows = first.executeQuery()) {
                assertThat(rows.next()).isTrue();
            }
            PreparedStatement whileHeld = connection.prepareStatement("SELECT ? AS x");
            assertThat(whileHeld).isNotSameAs(first);
            first.close();
            whileHeld.close(); // the text already has a kept statement: this one is finalized

            PreparedStatement again = connection.prepareStatement("SELECT ? AS x");
            assertThat(again).isSameAs(first);
            again.setInt(1, 2);
            try (ResultSet rows = again.executeQuery()) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getInt("x")).isEqualTo(2);
            }
            again.close();
        }
    }

    @Test
    void aLongStatementIsNotKept() throws Exception {
        String longText = "SELECT 1 AS x" + " ".repeat(SqliteConnections.LONGEST_KEPT);
        try (Connection connection = connections().getConnection()) {
            PreparedStatement first = connection.prepareStatement(longText);
            first.close();
            assertThat(first.isClosed()).isTrue();
            assertThat(connection.prepareStatement(longText)).isNotSameAs(first);
        }
    }

    @Test
    void theLeastRecentlyUsedBeyondTheLimitAreFinalizedAndClosingTheConnectionFinalizesTheRest() throws Exception {
        List<PreparedStatement> statements = new ArrayList<>();
        try (Connection connection = connections().getConnection()) {
            for (int i = 0; i <= SqliteConnections.KEPT; i++) {
                PreparedStatement statement = connection.prepareStatement("SELECT " + i);
                statement.close();
                statements.add(statement);
            }
            assertThat(statements.getFirst().isClosed()).isTrue();
            assertThat(statements.subList(1, statements.size())).noneMatch(SqliteConnectionsTest::closed);
            assertThat(connection.prepareStatement("SELECT 0")).isNotSameAs(statements.getFirst());
        }
        assertThat(statements).allMatch(SqliteConnectionsTest::closed);
    }

    @Test
    void aKeptStatementLeftInTheMiddleOfItsRowsHoldsNoSnapshot() throws Exception {
        Path file = dir.resolve("dytallix.db");
        try (SqliteDatabase db = SqliteDatabase.open(file);
             Connection other = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            db.write(tx -> tx.dml("CREATE TABLE t (x)"));
            db.write(tx -> tx.dml("INSERT INTO t VALUES (1), (2), (3)"));
            assertThat(firstOf(db)).isEqualTo(3); // closed after one of three rows

            other.createStatement().executeUpdate("INSERT INTO t VALUES (4)");

            assertThat(firstOf(db)).isEqualTo(4);
            db.checkpoint(); // TRUNCATE waits for no reader: a snapshot left open would keep the log
            assertThat(Files.size(Path.of(file + "-wal"))).isZero();
        }
    }

    private static long firstOf(SqliteDatabase db) {
        return db.read(exec -> {
            try (Stream<DbRow> rows = exec.query("SELECT (SELECT COUNT(*) FROM t) AS n FROM t")) {
                return rows.map(row -> Rows.integer(row, "n")).findFirst().orElseThrow();
            }
        });
    }

    private SqliteConnections connections() {
        return new SqliteConnections(new SQLiteConfig(), "jdbc:sqlite:" + dir.resolve("cache.db"));
    }

    private static boolean closed(PreparedStatement statement) {
        try {
            return statement.isClosed();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
