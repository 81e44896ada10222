package com.dytallix.domain.key;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.Address;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link KeyRotationLog} must do; subclass it once per implementation. */
public abstract class KeyRotationLogContract {
    protected static final Instant T0 = Instant.parse("2026-03-01T12:00:00.500Z");
    private static final Address A = new Address("0x000000000000000000000000000000000000000a");
    private static final Address B = new Address("0x000000000000000000000000000000000000000b");
    private static final Address C = new Address("0x000000000000000000000000000000000000000c");

    protected KeyRotationLog log;

    /** An empty log, new for each test. */
    protected abstract KeyRotationLog newLog();

    @BeforeEach
    void createLog() {
        log = newLog();
    }

    @Test
    void anEmptyLogHasNoLastRotation() {
        assertThat(log.last()).isEmpty();
    }

    @Test
    void theLastRotationIsTheLatest() {
        KeyRotation first = new KeyRotation(A, B, T0);
        KeyRotation second = new KeyRotation(B, C, T0.plusSeconds(60));

        log.record(first);
        log.record(second);

        assertThat(log.last()).contains(second);
    }

    @Test
    void theLatestIsChosenByTimeNotByRecordingOrder() {
        KeyRotation later = new KeyRotation(B, C, T0.plusSeconds(60));
        log.record(later);
        log.record(new KeyRotation(A, B, T0));

        assertThat(log.last()).contains(later);
    }
}
