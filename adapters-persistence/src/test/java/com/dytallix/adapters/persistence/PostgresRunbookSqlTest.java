package com.dytallix.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.helidon.dbclient.DbRow;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The runbook's queries in the psql form operations.md gives them, against a PostgreSQL ledger written by the repositories. */
class PostgresRunbookSqlTest {
    static final String RECENT_GRANTS_BY_IP = "SELECT ip, COUNT(*) AS count FROM faucet_grants WHERE created_at > now() - interval '1 hour' GROUP BY ip ORDER BY count DESC LIMIT 10;";
    static final String SUSPICIOUS_IPS = "SELECT ip, COUNT(DISTINCT address) AS addresses FROM request_fingerprints WHERE created_at > now() - interval '1 hour' GROUP BY ip HAVING COUNT(DISTINCT address) > 5;";
    static final String ALERT = "SELECT COUNT(*) FROM faucet_grants WHERE created_at > now() - interval '1 hour';";
    static final String SESSIONS = "SELECT pid, application_name, state, wait_event_type, now() - xact_start AS in_transaction FROM pg_stat_activity WHERE datname = current_database();";
    static final String ANALYZE = "ANALYZE;";

    private PostgresUrl url;
    private PostgresDatabase db;

    @BeforeEach
    void writeThroughTheRepositories() {
        url = EmbeddedPostgres.shared().newDatabase();
        db = PostgresDatabase.open(url);
        new Migrations(db).migrate();
        new RunbookData(new SqlGrantLedger(db), TestSql.lease(db)).write(Instant.now());
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void operationsMdGivesTheseQueriesVerbatim() throws IOException {
        String operations = Files.readString(Path.of("..", "docs", "operations.md"));
        for (String sql : List.of(RECENT_GRANTS_BY_IP, SUSPICIOUS_IPS, ALERT, SESSIONS, ANALYZE)) {
            assertThat(operations).contains("psql \"$DATABASE_URL\" -c \"" + sql + "\"");
        }
    }

    @Test
    void theQueriesWorkThroughJdbc() {
        assertThat(rows(RECENT_GRANTS_BY_IP)).containsExactly("198.51.100.1|3", "198.51.100.2|1");
        assertThat(rows(SUSPICIOUS_IPS)).containsExactly("203.0.113.9|7");
        assertThat(rows(ALERT)).containsExactly("4");
        assertThat(rows(SESSIONS)).isNotEmpty();
    }

    @Test
    void theQueriesWorkVerbatimInPsql() throws Exception {
        assumeTrue(psqlAvailable(), "psql is not on the PATH");

        assertThat(psql(RECENT_GRANTS_BY_IP)).containsExactly("198.51.100.1|3", "198.51.100.2|1");
        assertThat(psql(SUSPICIOUS_IPS)).containsExactly("203.0.113.9|7");
        assertThat(psql(ALERT)).containsExactly("4");
        assertThat(psql(SESSIONS)).isNotEmpty();
        assertThat(psql(ANALYZE)).containsExactly("ANALYZE");
    }

    /** Rows as psql -At prints them: columns joined by "|", NULL as nothing. */
    private List<String> rows(String sql) {
        return db.<List<String>>read(exec -> {
            try (Stream<DbRow> rows = exec.query(sql.substring(0, sql.length() - 1))) {
                return rows.map(row -> {
                    List<String> columns = new ArrayList<>();
                    row.forEach(column -> columns.add(column.name()));
                    return IntStream.rangeClosed(1, columns.size())
                            .mapToObj(i -> row.column(i).asOptional().map(String::valueOf).orElse(""))
                            .collect(Collectors.joining("|"));
                }).toList();
            }
        });
    }

    private List<String> psql(String sql) throws IOException, InterruptedException {
        String target = "postgresql://" + url.user() + "@" + url.host() + ":" + url.port() + "/" + url.database();
        Process process = new ProcessBuilder("psql", target, "-At", "-c", sql).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output.lines().filter(line -> !line.isBlank()).collect(Collectors.toList());
    }

    private static boolean psqlAvailable() {
        try {
            Process process = new ProcessBuilder("psql", "--version").redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
