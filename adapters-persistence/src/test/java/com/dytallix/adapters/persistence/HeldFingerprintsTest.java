package com.dytallix.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.grant.Fingerprint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeldFingerprintsTest {
    private static final Instant AT = Instant.parse("2026-11-29T13:00:00.123456789Z");

    @Test
    void aTakenFingerprintReadsBackAsTheColumnsItWasGivenNonAsciiUserAgentAndIpv6Included() {
        HeldFingerprints held = new HeldFingerprints(10, 1 << 20);
        ClientIp v6 = ClientIp.parse("2001:db8::1");
        held.add(new Fingerprint(v6, v6.client(64), new Address("0x00000000000000000000000000000000000000aA"),
                "Mozilla/5.0 (Ünïcødé; 日本)", "ab".repeat(32), "rate_limit:address", AT));
        ClientIp v4 = ClientIp.parse("198.51.100.7");
        held.add(new Fingerprint(v4, v4.client(64), new Address("0x00000000000000000000000000000000000000bb"), "", "h", "blocked", AT));

        List<List<String>> rows = rows(held.take().orElseThrow());

        assertThat(rows).containsExactly(
                List.of("2001:db8::1", "2001:db8::/64", "0x00000000000000000000000000000000000000aA", "Mozilla/5.0 (Ünïcødé; 日本)",
                        "ab".repeat(32), "rate_limit:address", AT.toString()),
                List.of("198.51.100.7", "198.51.100.7", "0x00000000000000000000000000000000000000bb", "", "h", "blocked", AT.toString()));
        assertThat(held.count()).isZero();
        assertThat(held.take()).isEmpty();
    }

    @Test
    void aWriteThatFailedGivesItsFingerprintsBackAfterThoseThatCameMeanwhile() {
        HeldFingerprints held = new HeldFingerprints(10, 1 << 20);
        held.add(fingerprint(1));
        held.add(fingerprint(2));
        HeldFingerprints.Taken failed = held.take().orElseThrow();
        held.add(fingerprint(3));

        failed.notWritten();

        assertThat(held.count()).isEqualTo(3);
        assertThat(rows(held.take().orElseThrow())).extracting(row -> row.get(0)).containsExactly("10.0.0.3", "10.0.0.1", "10.0.0.2");
    }

    @Test
    void pastTheMostHeldOrTheMostBytesAFingerprintIsDroppedAndCounted() {
        HeldFingerprints byCount = new HeldFingerprints(2, 1 << 20);
        assertThat(byCount.add(fingerprint(1))).isEqualTo(1);
        assertThat(byCount.add(fingerprint(2))).isEqualTo(2);
        assertThat(byCount.add(fingerprint(3))).isZero();
        assertThat(byCount.dropped()).isEqualTo(1);
        byCount.take().orElseThrow();
        assertThat(byCount.add(fingerprint(4))).as("room again once taken").isEqualTo(1);

        HeldFingerprints byBytes = new HeldFingerprints(1000, 2000);
        int added = 0;
        while (byBytes.add(fingerprint(added + 1)) > 0) {
            added++;
        }
        assertThat(added).isBetween(2, 20);
        assertThat(byBytes.dropped()).isEqualTo(1);
        assertThat(rows(byBytes.take().orElseThrow())).hasSize(added);
    }

    @Test
    void manyFingerprintsGrowTheArrayAndAllReadBack() {
        HeldFingerprints held = new HeldFingerprints(20_000, 8 << 20);
        for (int i = 1; i <= 20_000; i++) {
            held.add(fingerprint(i));
        }
        List<List<String>> rows = rows(held.take().orElseThrow());
        assertThat(rows).hasSize(20_000);
        assertThat(rows.get(19_999).get(2)).isEqualTo(new Address("0x%040x".formatted(20_000)).value());
    }

    private static Fingerprint fingerprint(int n) {
        ClientIp ip = ClientIp.parse("10.0.%d.%d".formatted(n / 250, n % 250));
        return new Fingerprint(ip, ip.client(64), new Address("0x%040x".formatted(n)), "curl/8", "fp" + n, "blocked", AT);
    }

    private static List<List<String>> rows(HeldFingerprints.Taken taken) {
        List<List<String>> rows = new ArrayList<>();
        String[] texts = new String[HeldFingerprints.TEXT_COLUMNS];
        for (int i = 0; i < taken.rows(); i++) {
            Instant at = taken.next(texts);
            List<String> row = new ArrayList<>(List.of(texts));
            row.add(at.toString());
            rows.add(row);
        }
        return rows;
    }
}
