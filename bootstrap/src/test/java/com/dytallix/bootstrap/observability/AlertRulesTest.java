package com.dytallix.bootstrap.observability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
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
        // every rule the file ships, read from it (a list kept here missed the ones added later)
        List<String> alerts = Pattern.compile("(?m)^\\s*- alert: (\\S+)\\s*$").matcher(Files.readString(ALERTS.resolve("dytallix-alerts.yml")))
                .results().map(m -> m.group(1)).distinct().toList();
        assertThat(alerts).contains("FaucetBalanceLow", "HighErrorRate", "RPCTimeout", "ChainReset", "NoPayer").hasSizeGreaterThan(10);
        for (String alert : alerts) {
            assertThat(tests).as("unit tests for %s", alert).contains("alertname: " + alert);
        }
        Promtool.Result result = Promtool.run(ALERTS, null, "test", "rules", "dytallix-alerts.test.yml");
        assertThat(result.exitCode()).as("promtool test rules said:%n%s", result.output()).isZero();
    }
}
