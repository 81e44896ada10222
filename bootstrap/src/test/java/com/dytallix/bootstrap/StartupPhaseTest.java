package com.dytallix.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The order of a stop signal and a failed boot step decides how the process ends (StartupSignalIT drives the first order
 * through the packaged server; a signal in the instant between a failure and the exit cannot be timed from outside).
 */
class StartupPhaseTest {
    @Test
    void aStopAskedForBeforeAFailureIsTheOutcome() {
        StartupPhase phase = new StartupPhase();
        assertThat(phase.signal("TERM")).isEqualTo(StartupPhase.AtSignal.BOOTING);
        assertThat(phase.fail()).as("the failure does not replace the stop").isFalse();
        assertThat(phase.stopSignal()).isEqualTo("TERM");
    }

    @Test
    void aSignalAfterAFailureLeavesTheFailureAsTheOutcome() {
        StartupPhase phase = new StartupPhase();
        assertThat(phase.fail()).isTrue();
        assertThat(phase.signal("TERM")).as("no exit 0 for a start that failed first").isEqualTo(StartupPhase.AtSignal.FAILED);
        assertThat(phase.signal("INT")).isEqualTo(StartupPhase.AtSignal.FAILED);
    }

    @Test
    void aSignalOnceListeningIsTheGracefulStopAndTheFirstSignalNamesIt() {
        StartupPhase phase = new StartupPhase();
        assertThat(phase.listen()).isTrue();
        assertThat(phase.signal("INT")).isEqualTo(StartupPhase.AtSignal.RUNNING);
        assertThat(phase.signal("TERM")).isEqualTo(StartupPhase.AtSignal.RUNNING);
        assertThat(phase.stopSignal()).isEqualTo("INT");
    }

    @Test
    void aStopAskedForWhileTheListenerStartedStopsTheBoot() {
        StartupPhase phase = new StartupPhase();
        phase.signal("TERM");
        assertThat(phase.listen()).isFalse();
    }
}
