package com.dytallix.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/**
 * The old generation is collected when it holds the headroom more than the last full collection left, and the
 * threshold follows what each full collection leaves (bench/soak.sh measures what it does to the heap).
 */
class OldGenerationCollectorTest {
    private static final long MB = 1 << 20;

    @Test
    void theFirstThresholdIsWhatTheOldGenerationHoldsPlusTheHeadroom() {
        var pool = new Pool(96 * MB);
        pool.used = 12 * MB;
        new OldGenerationCollector(pool, 24 * MB, () -> { }, null);
        assertThat(pool.threshold).isEqualTo(36 * MB);
    }

    @Test
    void passingItCollectsAndRearmsAtWhatTheCollectionLeftPlusTheHeadroom() {
        var pool = new Pool(96 * MB);
        pool.used = 12 * MB;
        int[] collections = {0};
        // the collection leaves 13 MB of live data out of the 37 MB of mostly promoted garbage
        var collector = new OldGenerationCollector(pool, 24 * MB, () -> {
            collections[0]++;
            pool.used = 13 * MB;
            pool.afterLastFull = 13 * MB;
        }, null);
        pool.used = 37 * MB;
        collector.collected(pool.used);
        assertThat(collections[0]).isEqualTo(1);
        assertThat(pool.threshold).as("re-armed above what is live now, not at the old threshold").isEqualTo(37 * MB);
    }

    @Test
    void aLiveSetThatGrowsMovesTheThresholdUpSoCollectionsDoNotRepeatAtEveryYoungCollection() {
        var pool = new Pool(96 * MB);
        pool.used = 12 * MB;
        var collector = new OldGenerationCollector(pool, 24 * MB, () -> pool.afterLastFull = pool.used, null);
        pool.used = 60 * MB; // all of it live: the collection frees nothing
        collector.collected(pool.used);
        assertThat(pool.threshold).isEqualTo(84 * MB);
        pool.used = 90 * MB;
        collector.collected(pool.used);
        assertThat(pool.threshold).as("never at or past the maximum (the collector's own full collection comes there)")
                .isEqualTo(96 * MB - 1);
    }

    @Test
    void theShippedHeapsOldGenerationIsCollectedEverySixMegabytes() {
        // -Xmx128m -Xmn32m: an old generation of at most 96 MB; an eighth (12 MB) took the soak's peak RSS over 195 MB
        assertThat(OldGenerationCollector.headroomFor(96 * MB)).isEqualTo(6 * MB);
        assertThat(OldGenerationCollector.headroomFor(224 * MB)).as("a larger heap, proportionally more").isEqualTo(14 * MB);
        assertThat(OldGenerationCollector.headroomFor(8)).isEqualTo(1);
    }

    @Test
    void closingRemovesTheThreshold() {
        var pool = new Pool(96 * MB);
        new OldGenerationCollector(pool, 24 * MB, () -> { }, null).close();
        assertThat(pool.threshold).isZero();
    }

    @Test
    void aHeadroomOfNothingIsRefused() {
        assertThatThrownBy(() -> new OldGenerationCollector(new Pool(96 * MB), 0, () -> { }, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** The old generation as the JVM reports it: its use now, its maximum, what the last full collection left. */
    private static final class Pool implements MemoryPoolMXBean {
        final long max;
        long used;
        long afterLastFull;
        long threshold;

        Pool(long max) {
            this.max = max;
        }

        @Override
        public MemoryUsage getUsage() {
            return new MemoryUsage(0, used, Math.max(used, 16 * MB), max);
        }

        @Override
        public MemoryUsage getCollectionUsage() {
            return new MemoryUsage(0, afterLastFull, Math.max(afterLastFull, 16 * MB), max);
        }

        @Override
        public void setUsageThreshold(long t) {
            threshold = t;
        }

        @Override
        public long getUsageThreshold() {
            return threshold;
        }

        @Override
        public String getName() {
            return OldGenerationCollector.POOL;
        }

        @Override
        public MemoryType getType() {
            return MemoryType.HEAP;
        }

        @Override
        public MemoryUsage getPeakUsage() {
            return getUsage();
        }

        @Override
        public void resetPeakUsage() {
        }

        @Override
        public boolean isValid() {
            return true;
        }

        @Override
        public String[] getMemoryManagerNames() {
            return new String[] {"MarkSweepCompact"};
        }

        @Override
        public boolean isUsageThresholdExceeded() {
            return threshold > 0 && used >= threshold;
        }

        @Override
        public boolean isUsageThresholdSupported() {
            return true;
        }

        @Override
        public long getUsageThresholdCount() {
            return 0;
        }

        @Override
        public long getCollectionUsageThreshold() {
            return 0;
        }

        @Override
        public void setCollectionUsageThreshold(long t) {
        }

        @Override
        public boolean isCollectionUsageThresholdExceeded() {
            return false;
        }

        @Override
        public long getCollectionUsageThresholdCount() {
            return 0;
        }

        @Override
        public boolean isCollectionUsageThresholdSupported() {
            return true;
        }

        @Override
        public ObjectName getObjectName() {
            return null;
        }
    }
}
