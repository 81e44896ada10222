package com.dytallix.bootstrap.observability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The shipped alert rules are valid Prometheus rules and their unit tests pass. */
class AlertRulesTest {
    private static final Path ALERTS = Path.of(System.getProperty("repo.root", ".."), "docs", "alerts");

    @Test
    void rulesPassPromtoolCheck() throws Exception {
        assertThat(ALERTS.resolve("dytallix-alerts.yml")).exists();
        Promtool.Result result = Promtool.run(ALERTS, null, "check", "rules", "dytallix-alerts.yml");
        assertThat(result.exitCode()).as("promtool check rules said:%n%s", result.output()).isZero();
    }

    @Test
    void everyAlertFiresAndStaysQuietAsItsUnitTestsExpect() throws Exception {
        String tests = Files.readString(ALERTS.resolve("dytallix-alerts.test.yml"));
        for (String alert : new String[] {"FaucetBalanceLow", "HighErrorRate", "HttpVersionRefused", "RPCTimeout", "BlockLagHigh",
                "FaucetTransactionsStuck", "ReplacementsPilingUp", "NoPayer"}) {
            assertThat(tests).as("unit tests for %s", alert).contains("alertname: " + alert);
        }
        Promtool.Result result = Promtool.run(ALERTS, null, "test", "rules", "dytallix-alerts.test.yml");
        assertThat(result.exitCode()).as("promtool test rules said:%n%s", result.output()).isZero();
    }
}
