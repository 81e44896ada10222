package com.dytallix.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.ClientIp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileReputationListTest {
    @TempDir
    Path dir;
    private final AtomicLong nanos = new AtomicLong();

    @Test
    void listsItsRangesSkipsBadLinesAndReReadsTheFileWhenItChanges() throws Exception {
        Path file = dir.resolve("reputation.txt");
        Files.writeString(file, """
                # hosting providers
                198.51.100.0/24   # a VPN exit range
                2001:db8:bad::/48
                not-an-ip
                203.0.113.9
                """);
        FileReputationList list = new FileReputationList(file, nanos::get);

        assertThat(list.listed(ClientIp.parse("198.51.100.200"))).isTrue();
        assertThat(list.listed(ClientIp.parse("2001:db8:bad:1::1"))).isTrue();
        assertThat(list.listed(ClientIp.parse("203.0.113.9"))).isTrue();
        assertThat(list.listed(ClientIp.parse("203.0.113.10"))).isFalse();
        assertThat(list.current()).hasSize(3);

        Files.writeString(file, "10.0.0.0/8\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        // checked at most once a second
        assertThat(list.listed(ClientIp.parse("10.1.2.3"))).isFalse();
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(list.listed(ClientIp.parse("10.1.2.3"))).isTrue();
        assertThat(list.listed(ClientIp.parse("198.51.100.200"))).isFalse();

        Files.delete(file);
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(list.current()).isEmpty();
    }

    @Test
    void aMissingFileListsNothing() {
        FileReputationList list = new FileReputationList(dir.resolve("absent.txt"), nanos::get);
        assertThat(list.listed(ClientIp.parse("10.0.0.1"))).isFalse();
    }
}
