package com.dytallix.bootstrap;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryNotificationInfo;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryUsage;
import java.util.Optional;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;

/**
 * A full collection once the serial collector's old generation ("Tenured Gen") holds {@code headroom} bytes more
 * than the last full collection left in it, so that garbage there is collected instead of growing the heap to
 * its cap.
 *
 * <p>Why: a consumed node of Helidon's connection reader (its {@code DataReader}) keeps its {@code next}. Once one
 * such node of a keep-alive connection reaches the old generation (it waited there 15 young collections, or a
 * young collection whose survivors overflowed promoted it early), every node and byte array that connection reads
 * afterwards is reachable from it in each young collection, lives through all of them, and is promoted: garbage
 * in the old generation at the rate requests arrive (0.15–0.2 MB/s at 300 grants/s and 500 reads/s over a dozen
 * connections, {@code bench/soak.sh}). The serial collector grows the old generation for what it promotes rather
 * than collect it, so the heap went to its cap and the process from 165 to over 230 MB of resident memory
 * within minutes; the live set stayed at 12 MB. A full collection frees it all (it sees the dead nodes as dead).
 *
 * <p>How: the old generation's usage threshold (checked by the JVM at the end of each collection), re-armed after
 * each full collection at what it left plus the headroom. A full collection of this heap takes tens of
 * milliseconds; under that load one comes about every minute, and none when nothing is promoted. With
 * {@code -XX:+DisableExplicitGC} it does nothing. Not started under another collector (no "Tenured Gen" pool).
 */
final class OldGenerationCollector implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(OldGenerationCollector.class.getName());
    /** The serial collector's old generation, the only one that grows rather than collect. */
    static final String POOL = "Tenured Gen";

    private final MemoryPoolMXBean pool;
    private final long headroom;
    private final Runnable collect;
    private final NotificationEmitter emitter;
    private final NotificationListener listener = this::notified;

    OldGenerationCollector(MemoryPoolMXBean pool, long headroom, Runnable collect, NotificationEmitter emitter) {
        if (headroom <= 0) {
            throw new IllegalArgumentException("headroom must be positive");
        }
        this.pool = pool;
        this.headroom = headroom;
        this.collect = collect;
        this.emitter = emitter;
        arm();
        if (emitter != null) {
            emitter.addNotificationListener(listener, n -> MemoryNotificationInfo.MEMORY_THRESHOLD_EXCEEDED.equals(n.getType()), null);
        }
    }

    /**
     * Started on the serial collector's old generation, with {@link #headroomFor the headroom} for its maximum;
     * empty under any other collector.
     */
    static Optional<OldGenerationCollector> start() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (POOL.equals(p.getName()) && p.isUsageThresholdSupported() && p.getUsage().getMax() > 0) {
                return Optional.of(new OldGenerationCollector(p, headroomFor(p.getUsage().getMax()), System::gc,
                        (NotificationEmitter) ManagementFactory.getMemoryMXBean()));
            }
        }
        return Optional.empty();
    }

    /**
     * The headroom for an old generation of at most {@code max} bytes: a sixteenth of it, 6 MB with the shipped
     * {@code -Xmx128m -Xmn32m}. What the old generation grows to between two collections is resident memory, and
     * the process's peak is a JIT compilation's arenas on top of it: with an eighth (12 MB) the old generation grew
     * to 24–26 MB and the 10-minute soak peaked at 198–202 MB, with a quarter at 209 (docs/performance.md, Memory,
     * round 19). Twice the full collections of an eighth, each of tens of milliseconds.
     */
    static long headroomFor(long max) {
        return Math.max(max / 16, 1);
    }

    /** The threshold now (0: none). */
    long threshold() {
        return pool.getUsageThreshold();
    }

    private void notified(Notification n, Object handback) {
        MemoryNotificationInfo info = MemoryNotificationInfo.from((javax.management.openmbean.CompositeData) n.getUserData());
        if (POOL.equals(info.getPoolName())) {
            collected(info.getUsage().getUsed());
        }
    }

    /** The old generation passed the threshold, holding {@code used} bytes: a full collection, then the next threshold. */
    void collected(long used) {
        collect.run();
        arm();
        LOG.log(System.Logger.Level.DEBUG, () -> "the old generation held " + used / (1 << 20) + " MB; a full collection left "
                + Math.max(0, liveAfterFull()) / (1 << 20) + " MB; next at " + threshold() / (1 << 20) + " MB");
    }

    /** What the last full collection left in the old generation (what it holds now before the first). */
    private long liveAfterFull() {
        MemoryUsage after = pool.getCollectionUsage();
        return after != null && after.getUsed() > 0 ? after.getUsed() : pool.getUsage().getUsed();
    }

    /** The next threshold: what the last full collection left plus the headroom, below the pool's maximum. */
    private void arm() {
        long max = pool.getUsage().getMax();
        long next = liveAfterFull() + headroom;
        if (max > 0) {
            next = Math.min(next, max - 1);
        }
        pool.setUsageThreshold(Math.max(next, 1));
    }

    @Override
    public void close() {
        if (emitter != null) {
            try {
                emitter.removeNotificationListener(listener);
            } catch (ListenerNotFoundException e) {
                // not listening: nothing to undo
            }
        }
        pool.setUsageThreshold(0);
    }
}
