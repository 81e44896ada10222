package com.dytallix.bootstrap.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The repository explains itself: no file points a reader at documents outside it (a sibling
 * {@code shared} directory) or cites section numbers of a specification the reader cannot open.
 */
class SelfContainedRepositoryTest {
    /** Build output, tools, local data and version control: not the project's files. */
    private static final Set<String> SKIPPED = Set.of(".git", "target", ".tools", "node_modules", "data", "backups", ".idea");
    // written so that this file does not contain what it looks for
    private static final List<String> FORBIDDEN = List.of(".." + "/shared", "\u00a7");

    @Test
    void noFileReachesOutsideTheRepository() throws IOException {
        Path root = root();
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> Files.isRegularFile(p) && !skipped(root, p)).toList()) {
                String text = text(f);
                for (String bad : FORBIDDEN) {
                    if (text.contains(bad)) {
                        found.add(root.relativize(f) + " contains '" + bad + "'");
                    }
                }
            }
        }
        assertThat(found).isEmpty();
    }

    private static boolean skipped(Path root, Path file) {
        for (Path part : root.relativize(file)) {
            if (SKIPPED.contains(part.toString())) {
                return true;
            }
        }
        return false;
    }

    /** The file's text, or nothing for a binary file. */
    private static String text(Path file) throws IOException {
        if (Files.size(file) > 2_000_000) {
            return "";
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            return "";
        }
    }

    /** Maven runs tests in the module directory; the repository is the directory above with docs/ and pom.xml. */
    private static Path root() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("docs")) && Files.isRegularFile(d.resolve("pom.xml")) && Files.isDirectory(d.resolve("bootstrap"))) {
                return d;
            }
        }
        throw new IllegalStateException("repository root not found above " + Path.of("").toAbsolutePath());
    }
}
