package com.dytallix.application.faucet;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The one sweeper that ends every request's send wait at its deadline, never before it, and forgets a wait that ended first. */
class SendDeadlinesTest {
    private final SendDeadlines deadlines = SendDeadlines.SHARED;

    @Test
    void aWaitIsEndedWithItsAnswerAtItsDeadlineAndNotBefore() throws Exception {
        CompletableFuture<String> sent = new CompletableFuture<>();
        long start = System.nanoTime();
        deadlines.watchUntil(sent, "past", System.nanoTime() + Duration.ofMillis(150).toNanos());

        assertThat(sent.get(5, TimeUnit.SECONDS)).isEqualTo("past");
        long waited = System.nanoTime() - start;
        assertThat(waited).as("ended at its deadline, not before").isGreaterThanOrEqualTo(Duration.ofMillis(150).toNanos());
        assertThat(waited).as("and not much after (the machine's scheduling aside)").isLessThan(Duration.ofSeconds(2).toNanos());
    }

    @Test
    void anEarlierDeadlineWatchedWhileTheSweeperWaitsForALaterOneEndsOnTime() throws Exception {
        CompletableFuture<String> late = new CompletableFuture<>();
        CompletableFuture<String> early = new CompletableFuture<>();
        var lateOne = deadlines.watchUntil(late, "late", System.nanoTime() + Duration.ofSeconds(30).toNanos());
        Thread.sleep(50); // the sweeper parked until the late one
        long start = System.nanoTime();
        deadlines.watchUntil(early, "early", System.nanoTime() + Duration.ofMillis(100).toNanos());

        assertThat(early.get(5, TimeUnit.SECONDS)).isEqualTo("early");
        assertThat(System.nanoTime() - start).isLessThan(Duration.ofSeconds(2).toNanos());
        assertThat(late).as("its own deadline is far").isNotDone();
        deadlines.unwatch(lateOne);
    }

    @Test
    void aWaitThatEndedByItselfKeepsItsAnswerAndIsForgotten() throws Exception {
        CompletableFuture<String> sent = new CompletableFuture<>();
        var deadline = deadlines.watchUntil(sent, "past", System.nanoTime() + Duration.ofMillis(100).toNanos());
        sent.complete("accepted");
        deadlines.unwatch(deadline);
        Thread.sleep(200);

        assertThat(sent.get()).isEqualTo("accepted");
    }

    @Test
    void manyWaitsOfDifferentLengthsEachEndAtTheirOwnDeadline() throws Exception {
        List<CompletableFuture<Long>> waits = new ArrayList<>();
        List<Long> due = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            CompletableFuture<Long> f = new CompletableFuture<>();
            long wait = Duration.ofMillis(20 + (i * 37) % 200).toNanos();
            due.add(System.nanoTime() + wait);
            deadlines.watchUntil(f, 0L, due.get(i));
            waits.add(f.thenApply(ignored -> System.nanoTime()));
        }
        for (int i = 0; i < waits.size(); i++) {
            long ended = waits.get(i).get(5, TimeUnit.SECONDS);
            assertThat(ended - due.get(i)).as("wait %d ended at or after its deadline", i).isGreaterThanOrEqualTo(0);
        }
        assertThat(deadlines.watching()).as("none left watched").isZero();
    }
}
