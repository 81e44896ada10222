package com.dytallix.bootstrap.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** docs/configuration.md's table is the declared settings: each with its default and meaning, nothing else. */
class SettingsDocumentedTest {

    @Test
    void theTableListsEveryDeclaredSettingAndNothingElse() throws IOException {
        List<String> documented = Files.readAllLines(document()).stream()
                .filter(l -> l.startsWith("| ") && !l.startsWith("| name |"))
                .toList();
        List<String> declared = Settings.declared().stream().map(Setting::documentationRow).toList();
        assertThat(documented)
                .as("rows of docs/configuration.md (a declared setting's row is Setting.documentationRow())")
                .containsExactlyInAnyOrderElementsOf(declared);
    }

    @Test
    void namesAreUniqueAndDefaultsAreValid() {
        assertThat(Settings.declared().stream().map(Setting::name)).doesNotHaveDuplicates();
        // every default reads without a problem (the cross-setting rules need RPC_URL, which is unset by default)
        assertThat(Settings.from(java.util.Map.of())).isNotNull();
    }

    /** Maven runs tests in the module directory; the document is in the repository's docs/. */
    private static Path document() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("docs/configuration.md");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("docs/configuration.md not found above " + Path.of("").toAbsolutePath());
    }
}
