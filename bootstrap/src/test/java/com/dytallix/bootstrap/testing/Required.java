package com.dytallix.bootstrap.testing;

import org.junit.jupiter.api.Assumptions;

/**
 * A program a test drives from the machine (nginx, pg_dump, promtool, jq, sqlite3). On a
 * developer's machine without it the test is skipped with {@code message}; under CI
 * ({@code CI=true}, which {@code .ci/run} sets after installing them) its absence fails the test,
 * so a check never passes by not running.
 */
public final class Required {
    private Required() {
    }

    public static void tool(boolean present, String message) {
        if (present) {
            return;
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(message + " (CI=true: .ci/run must install it before the tests)");
        }
        Assumptions.abort(message);
    }
}
