package com.dytallix.adapters.persistence;

/** Small SQL reads for assertions. */
final class TestSql {
    private TestSql() {
    }

    /** The value of column {@code n} of the first row. */
    static long number(SqliteDatabase db, String sql, Object... params) {
        return db.<Long>read(exec -> exec.get(sql, params).map(row -> Rows.integer(row, "n")).orElseThrow());
    }

    /** The value of column {@code t} of the first row. */
    static String text(SqliteDatabase db, String sql, Object... params) {
        return db.<String>read(exec -> exec.get(sql, params).map(row -> Rows.text(row, "t")).orElseThrow());
    }
}
