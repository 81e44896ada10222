package com.dytallix.application.subscription;

import com.dytallix.domain.sync.ChainLog;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The filter of a {@code logs} subscription, matched as Ethereum nodes match it: an empty address
 * set matches any contract; topic position i matches any topic when its set is empty, else one of
 * the set; a log with fewer topics than the filter has positions does not match.
 *
 * @param addresses lower-case 0x addresses
 * @param topics    per position, lower-case 0x 32-byte topics
 */
public record LogFilter(Set<String> addresses, List<Set<String>> topics) {
    public static final LogFilter ANY = new LogFilter(Set.of(), List.of());

    public LogFilter {
        addresses = lowerCase(addresses);
        topics = topics.stream().map(LogFilter::lowerCase).toList();
    }

    public boolean matches(ChainLog log) {
        if (!addresses.isEmpty() && !addresses.contains(log.address().toLowerCase(Locale.ROOT))) {
            return false;
        }
        if (topics.size() > log.topics().size()) {
            return false;
        }
        for (int i = 0; i < topics.size(); i++) {
            Set<String> wanted = topics.get(i);
            if (!wanted.isEmpty() && !wanted.contains(log.topics().get(i).toLowerCase(Locale.ROOT))) {
                return false;
            }
        }
        return true;
    }

    private static Set<String> lowerCase(Set<String> values) {
        return values.stream().map(v -> v.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    }
}
