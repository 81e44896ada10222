package com.dytallix.application.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.ClientIp;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RelayFiltersTest {
    private final TestClock clock = new TestClock(Instant.parse("2026-12-01T00:00:00Z"));

    private static IpRange client(String ip) {
        return ClientIp.parse(ip).client(64);
    }

    private static String id(int n) {
        return "0x" + String.format("%032x", n);
    }

    /** A filter made on the node: reserved, then created; the ids over the client's bound come back. */
    private static List<String> make(RelayFilters filters, IpRange client, String id) {
        filters.reserve(client);
        return filters.created(client, id);
    }

    @Test
    void aClientOverItsBoundLosesItsLeastRecentlyUsedFilterNotTheOnesItPolls() {
        var filters = new RelayFilters(3, 100, clock);
        IpRange a = client("198.51.100.7");
        assertThat(make(filters, a, id(1))).isEmpty();
        assertThat(make(filters, a, id(2))).isEmpty();
        assertThat(make(filters, a, id(3))).isEmpty();
        filters.used(id(1)); // polled: 2 is now the least recently used

        assertThat(make(filters, a, id(4))).containsExactly(id(2));
        assertThat(make(filters, a, id(5))).containsExactly(id(3));
        assertThat(filters.heldBy(a)).isEqualTo(3);
        assertThat(filters.held()).isEqualTo(3);
    }

    @Test
    void anotherClientsFiltersAreUntouchedByOnesFlood() {
        var filters = new RelayFilters(3, 100, clock);
        IpRange honest = client("198.51.100.7");
        IpRange flood = client("203.0.113.9");
        make(filters, honest, id(1));
        List<String> uninstalled = new ArrayList<>();
        for (int i = 100; i < 200; i++) {
            uninstalled.addAll(make(filters, flood, id(i)));
        }
        assertThat(uninstalled).hasSize(97).doesNotContain(id(1));
        assertThat(filters.heldBy(honest)).isEqualTo(1);
        assertThat(filters.heldBy(flood)).isEqualTo(3);
    }

    @Test
    void pastTheBoundInAllANewFilterIsRefusedUnlessItsClientReplacesItsOwn() {
        var filters = new RelayFilters(2, 4, clock);
        make(filters, client("10.0.0.1"), id(1));
        make(filters, client("10.0.0.1"), id(2));
        make(filters, client("10.0.0.2"), id(3));
        clock.advance(Duration.ofMinutes(1));
        make(filters, client("10.0.0.2"), id(4));

        assertThatThrownBy(() -> filters.reserve(client("10.0.0.3")))
                .isInstanceOf(RelayFilters.LimitReached.class)
                .hasMessageContaining("RPC_MAX_FILTERS")
                // the oldest filter is forgotten 5 minutes after its last use, at the latest
                .satisfies(e -> assertThat(((RelayFilters.LimitReached) e).retryAt()).isEqualTo(Instant.parse("2026-12-01T00:05:00Z")));
        // a client at its own bound only swaps one of its own for the new one: the total does not grow
        assertThat(make(filters, client("10.0.0.1"), id(5))).containsExactly(id(1));
        assertThat(filters.held()).isEqualTo(4);

        filters.removed(id(3)); // uninstalled by its client: room again
        assertThat(make(filters, client("10.0.0.3"), id(6))).isEmpty();
    }

    @Test
    void aCreationThatFailsGivesItsPlaceBack() {
        var filters = new RelayFilters(1, 1, clock);
        filters.reserve(client("10.0.0.1"));
        assertThatThrownBy(() -> filters.reserve(client("10.0.0.2"))).isInstanceOf(RelayFilters.LimitReached.class);
        filters.failed();
        filters.reserve(client("10.0.0.2"));
        assertThat(filters.created(client("10.0.0.2"), id(1))).isEmpty();
        assertThat(filters.held()).isEqualTo(1);
    }

    @Test
    void aFilterNotUsedForFiveMinutesIsForgottenAsTheNodeForgetsIt() {
        var filters = new RelayFilters(2, 2, clock);
        make(filters, client("10.0.0.1"), id(1));
        make(filters, client("10.0.0.2"), id(2));
        clock.advance(Duration.ofMinutes(4));
        filters.used(id(2));
        clock.advance(Duration.ofMinutes(1));

        assertThat(filters.held()).isEqualTo(1);
        assertThat(filters.heldBy(client("10.0.0.1"))).isZero();
        assertThat(filters.clients()).isEqualTo(1);
        // its place is free for anyone
        assertThat(make(filters, client("10.0.0.3"), id(3))).isEmpty();
        clock.advance(Duration.ofMinutes(5));
        assertThat(filters.held()).isZero();
        assertThat(filters.clients()).isZero();
    }

    @Test
    void idsAreTrackedExactlyAsTheNodeGaveThemAndOnlyWhenTheyAreHex() {
        var filters = new RelayFilters(1, 10, clock);
        make(filters, client("10.0.0.1"), "0xAbC1");
        // another spelling is another id to the node: the node's filter stays counted
        filters.removed("0xabc1");
        filters.removed("0xABC1");
        assertThat(filters.held()).isOne();
        filters.removed("0xAbC1");
        assertThat(filters.held()).isZero();

        // not an id this relay can name again: not tracked, not counted
        assertThat(make(filters, client("10.0.0.1"), "0x" + "a".repeat(67))).isEmpty();
        assertThat(make(filters, client("10.0.0.1"), "1234")).isEmpty();
        assertThat(make(filters, client("10.0.0.1"), null)).isEmpty();
        assertThat(filters.held()).isZero();
        assertThat(RelayService.filterId("[ \"0x01Ab\" ]")).isEqualTo("0x01Ab");
        assertThat(RelayService.filterId("[\"0x01\",1]")).isNull();
        assertThat(RelayService.filterId("[\"\\u0030x01\"]")).isNull();
        assertThat(RelayService.filterId("[]")).isNull();
    }

    @Test
    void memoryStaysBoundedWhateverManyClientsDo() {
        var filters = new RelayFilters(64, 4096, clock);
        int refused = 0;
        for (int i = 0; i < 200_000; i++) {
            IpRange c = client("10." + (i % 50_000 >> 16 & 255) + "." + (i % 50_000 >> 8 & 255) + "." + (i % 50_000 & 255));
            try {
                make(filters, c, id(i));
            } catch (RelayFilters.LimitReached e) {
                refused++;
            }
        }
        assertThat(filters.held()).isEqualTo(4096);
        assertThat(filters.clients()).isLessThanOrEqualTo(4096);
        assertThat(refused).isEqualTo(200_000 - 4096);
    }
}
