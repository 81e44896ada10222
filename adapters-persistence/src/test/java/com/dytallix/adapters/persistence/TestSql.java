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

    /** A payer lease held for the whole test (and far beyond), for tests that sign grants but are not about the lease. */
    static com.dytallix.domain.payer.Lease lease(Database db) {
        return new SqlPayerLeases(db).acquire("test", "test-session", java.time.Duration.ofDays(365L * 100)).orElseThrow();
    }
}
