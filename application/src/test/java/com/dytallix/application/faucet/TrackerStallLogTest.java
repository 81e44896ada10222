package com.dytallix.application.faucet;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What an operator reads when the tracker's passes stop: one warning for a run of them, one line when they run again. */
class TrackerStallLogTest {
    private final TestClock clock = new TestClock(Instant.now());
    private final FaucetHarness h = new FaucetHarness(clock);
    private LogLines log;
    private List<LogRecord> lines;

    @BeforeEach
    void listen() {
        log = new LogLines(GrantTracker.class, Level.INFO);
        lines = log.records;
    }

    @AfterEach
    void stopListening() {
        log.close();
    }

    @Test
    void aRunOfStoppedPassesGetsOneWarningAndItsEndOneInfoLine() {
        h.chain.down(true);
        for (int second = 0; second < 4; second++) {
            h.tracker.tick();
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(lines).as("a few seconds of a node not answering are not worth a warning").isEmpty();

        for (int second = 0; second < 60; second++) {
            h.tracker.tick();
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(lines).singleElement().satisfies(r -> {
            assertThat(r.getLevel()).isEqualTo(Level.WARNING);
            assertThat(r.getMessage()).contains("tracker passes have stopped");
            assertThat(r.getParameters()).contains(5L);
        });

        h.chain.down(false);
        h.tracker.tick();
        h.tracker.tick();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1).getLevel()).isEqualTo(Level.INFO);
        assertThat(lines.get(1).getMessage()).contains("complete again");

        h.chain.down(true);
        h.tracker.tick();
        clock.advance(Duration.ofSeconds(2));
        h.tracker.tick();
        h.chain.down(false);
        h.tracker.tick();
        assertThat(lines).as("a short stop after the recovery says nothing").hasSize(2);
    }
}
