package com.dytallix.adapters.persistence;

import com.dytallix.domain.ClientIp;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.admission.ReputationList;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * REPUTATION_FILE: IPs and CIDR blocks, one a line, {@code #} starts a comment. The file is checked
 * for a change (modification time, size) at most once a second and re-read when it changed, so an
 * operator edits it in place without a restart. A line that is not an IP or CIDR block is skipped
 * with a warning; a missing file is an empty list (with a warning), never a failure.
 */
public final class FileReputationList implements ReputationList {
    private static final System.Logger LOG = System.getLogger(FileReputationList.class.getName());
    private static final long CHECK_EVERY_NANOS = Duration.ofSeconds(1).toNanos();

    private final Path file;
    private final LongSupplier nanoTime;
    private volatile Loaded loaded = new Loaded(null, List.of());
    private volatile long checkedAt;
    private volatile boolean checkedOnce;

    public FileReputationList(Path file) {
        this(file, System::nanoTime);
    }

    FileReputationList(Path file, LongSupplier nanoTime) {
        this.file = file;
        this.nanoTime = nanoTime;
    }

    private record Loaded(Object version, List<IpRange> ranges) {
    }

    @Override
    public boolean listed(ClientIp ip) {
        return current().stream().anyMatch(r -> r.contains(ip));
    }

    /** The ranges now listed. */
    public List<IpRange> current() {
        long now = nanoTime.getAsLong();
        if (!checkedOnce || now - checkedAt >= CHECK_EVERY_NANOS) {
            synchronized (this) {
                if (!checkedOnce || now - checkedAt >= CHECK_EVERY_NANOS) {
                    reloadIfChanged();
                    checkedAt = now;
                    checkedOnce = true;
                }
            }
        }
        return loaded.ranges();
    }

    private void reloadIfChanged() {
        Object version;
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            version = List.of(attributes.lastModifiedTime(), attributes.size(), Optional.ofNullable(attributes.fileKey()));
        } catch (NoSuchFileException e) {
            version = "missing";
        } catch (IOException e) {
            version = "unreadable";
        }
        if (Objects.equals(version, loaded.version())) {
            return;
        }
        loaded = new Loaded(version, read(version));
    }

    private List<IpRange> read(Object version) {
        if (version instanceof String problem) {
            LOG.log(System.Logger.Level.WARNING, "REPUTATION_FILE {0} is {1}; no range is listed", file, problem);
            return List.of();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "REPUTATION_FILE {0} cannot be read; no range is listed", file);
            return List.of();
        }
        List<IpRange> ranges = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String entry = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (entry.isEmpty()) {
                continue;
            }
            try {
                ranges.add(IpRange.parse(entry));
            } catch (IllegalArgumentException e) {
                LOG.log(System.Logger.Level.WARNING, "REPUTATION_FILE {0} line {1}: not an IP or CIDR block, skipped",
                        file, i + 1);
            }
        }
        LOG.log(System.Logger.Level.INFO, "REPUTATION_FILE {0}: {1} ranges listed", file, ranges.size());
        return List.copyOf(ranges);
    }
}
