package com.dytallix.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {

    @Test
    void aTakeMustFitInItsOwnLimitAndInTheWhole() {
        MemoryBudget whole = new MemoryBudget(100);
        MemoryBudget a = new MemoryBudget(80, whole);
        MemoryBudget b = new MemoryBudget(80, whole);

        assertThat(a.take(60)).isTrue();
        assertThat(a.take(30)).as("over a's own limit").isFalse();
        assertThat(b.take(50)).as("b's own limit allows it, the whole does not").isFalse();
        assertThat(b.held()).as("a refused take holds nothing").isZero();
        assertThat(whole.held()).isEqualTo(60);
        assertThat(b.take(40)).isTrue();
        assertThat(whole.held()).isEqualTo(100);

        a.give(60);
        assertThat(whole.held()).isEqualTo(40);
        assertThat(b.take(40)).isTrue();
        assertThat(b.held()).isEqualTo(80);
    }

    @Test
    void partsOfTheProcessTogetherNeverHoldMoreThanHalfTheHeap() {
        long half = Runtime.getRuntime().maxMemory() / 2;
        MemoryBudget one = MemoryBudget.partOfProcess(half);
        MemoryBudget other = MemoryBudget.partOfProcess(half);
        assertThat(one.take(half / 2 + 1)).isTrue();
        try {
            assertThat(other.take(half / 2)).isFalse();
            assertThat(other.take(half / 2 - 1)).isTrue();
            other.give(half / 2 - 1);
        } finally {
            one.give(half / 2 + 1);
        }
        assertThat(other.take(half)).as("everything given back").isTrue();
        other.give(half);
    }

    @Test
    void racingTakesNeverHoldMoreThanTheWholeAndLeaveNothingBehind() throws Exception {
        MemoryBudget whole = new MemoryBudget(1_000);
        List<MemoryBudget> parts = List.of(new MemoryBudget(700, whole), new MemoryBudget(700, whole), new MemoryBudget(700, whole));
        AtomicLong inUse = new AtomicLong();
        AtomicLong highest = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            MemoryBudget part = parts.get(t % parts.size());
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 300; i++) {
                    if (part.take(300)) { // parts alone would allow 3 x 2 x 300 = 1,800 held at once
                        highest.accumulateAndGet(inUse.addAndGet(300), Math::max);
                        LockSupport.parkNanos(100_000); // held a while, as a buffer is, so takes overlap
                        inUse.addAndGet(-300);
                        part.give(300);
                    }
                }
            }));
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(highest.get()).isBetween(300L, 900L);
        assertThat(whole.held()).isZero();
        parts.forEach(part -> assertThat(part.held()).isZero());
    }
}
