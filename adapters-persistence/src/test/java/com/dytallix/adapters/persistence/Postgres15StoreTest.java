package com.dytallix.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Every port's contract, and the several-instance checks, against PostgreSQL 15 as well: the oldest
 * major the tests run, and the one whose {@code pg_dump} Debian bookworm ships (a query that only 15
 * refused has happened before).
 */
class Postgres15StoreTest extends PostgresStoreTest {
    @Override
    EmbeddedPostgres server() {
        return EmbeddedPostgres.shared15();
    }

    @Test
    void theServerIsPostgres15() {
        assertThat(TestSql.text(migratedDatabase(), "SELECT current_setting('server_version_num') AS t")).startsWith("15");
    }
}
