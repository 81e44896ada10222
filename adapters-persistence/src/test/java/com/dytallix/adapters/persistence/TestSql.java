package com.dytallix.adapters.persistence;

/** Small SQL reads for assertions. */
final class TestSql {
    private TestSql() {
    }

    /** The value of column {@code n} of the first row. */
    static long number(Database db, String sql, Object... params) {
        return db.<Long>read(exec -> exec.get(sql, params).map(row -> Rows.integer(row, "n")).orElseThrow());
    }

    /** The value of column {@code t} of the first row. */
    static String text(Database db, String sql, Object... params) {
        return db.<String>read(exec -> exec.get(sql, params).map(row -> Rows.text(row, "t")).orElseThrow());
    }

    /**
     * Inside the write transaction {@code tx}, which has run no statement yet: a read ({@link Database#read}),
     * then a row written on the connection {@link JdbcReads} uses and one through Helidon's transaction. The
     * read must not take the connection {@link Database#begin} took for {@code tx} (it would end with the read,
     * given back to the pool under the transaction); it runs on one of its own, so a read after the row does
     * not see it, while Helidon's transaction, on JdbcReads' connection, does. The table {@code handoff (x)}
     * must exist and be empty; committed, it holds two rows.
     */
    static void readBeforeTheFirstStatement(Database db, io.helidon.dbclient.DbTransaction tx) {
        org.assertj.core.api.Assertions.assertThat(number(db, "SELECT COUNT(*) AS n FROM handoff")).isZero();
        try (java.sql.Statement statement = JdbcReads.in(tx).createStatement()) {
            statement.executeUpdate("INSERT INTO handoff (x) VALUES (1)");
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
        org.assertj.core.api.Assertions.assertThat(number(db, "SELECT COUNT(*) AS n FROM handoff"))
                .as("a read outside the transaction, on a connection of its own").isZero();
        org.assertj.core.api.Assertions.assertThat(tx.get("SELECT COUNT(*) AS n FROM handoff").map(row -> Rows.integer(row, "n")).orElseThrow())
                .as("Helidon's transaction, on the connection JdbcReads used").isEqualTo(1);
        tx.insert("INSERT INTO handoff (x) VALUES (2)");
    }

    /** A payer lease held for the whole test (and far beyond), for tests that sign grants but are not about the lease. */
    static com.dytallix.domain.payer.Lease lease(Database db) {
        return new SqlPayerLeases(db).acquire("test", "test-session", java.time.Duration.ofDays(365L * 100)).orElseThrow();
    }
}
