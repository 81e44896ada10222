package com.dytallix.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DateTimeException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TimestampsTest {
    @Test
    void whatTheServerWritesReadsBackToTheMillisecond() {
        for (String at : new String[] {"2026-11-29T01:02:03.004Z", "1999-12-31T23:59:59.999Z", "2028-02-29T00:00:00Z"}) {
            Instant instant = Instant.parse(at);
            assertThat(Timestamps.format(instant)).hasSize(23);
            assertThat(Timestamps.parse(Timestamps.format(instant))).isEqualTo(instant);
        }
    }

    @Test
    void rowsWrittenInTheSqliteShellAreReadToo() {
        assertThat(Timestamps.parse("2026-11-29 01:02:03")).isEqualTo(Instant.parse("2026-11-29T01:02:03Z"));
        assertThat(Timestamps.parse("2026-11-29 01:02:03.5")).isEqualTo(Instant.parse("2026-11-29T01:02:03.500Z"));
    }

    @Test
    void aTimeThatIsNoDateIsRefused() {
        assertThatThrownBy(() -> Timestamps.parse("2026-13-29 01:02:03.004")).isInstanceOf(DateTimeException.class);
        assertThatThrownBy(() -> Timestamps.parse("2026-1a-29 01:02:03.004")).isInstanceOf(DateTimeException.class);
    }
}
