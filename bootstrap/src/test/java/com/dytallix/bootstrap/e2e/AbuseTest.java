package com.dytallix.bootstrap.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.adapters.node.ScryptProofOfWork;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.ApiClient.Response;
import com.dytallix.bootstrap.testing.Chain;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.Recipients;
import com.dytallix.domain.Address;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.Wei;
import com.dytallix.domain.admission.Challenge;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The faucet against the way abusers work, end to end: a real server behind a trusted proxy
 * (loopback), a real node, real SQLite. Every client is an X-Forwarded-For address.
 */
class AbuseTest {
    private static final BigInteger DRIP = Wei.ofDyt("10").value();
    // a node of its own per test: a server stopping with a grant in flight must not share the faucet's nonces with the next
    private AnvilProcess anvil;
    private Chain chain;

    @TempDir
    Path dir;

    @BeforeEach
    void node() throws Exception {
        anvil = AnvilProcess.start(List.of());
        chain = new Chain(anvil);
    }

    @AfterEach
    void stopNode() {
        if (anvil != null) {
            anvil.close();
        }
    }

    /** Behind the proxy with the default quotas (10 per client, 50 per subnet, 5 addresses an hour). */
    private LiveServer server(Map<String, String> overrides) {
        Map<String, String> s = LiveServer.settingsFor(anvil);
        s.put("TRUSTED_PROXIES", "127.0.0.1");
        s.put("FAUCET_DAILY_CAP", "1000000");
        s.putAll(overrides);
        return LiveServer.start(s, dir);
    }

    private static Response drip(LiveServer server, String address, String client) {
        return server.http.post("/api/faucet", "{\"address\": \"" + address + "\"}", "X-Forwarded-For", client);
    }

    private static String scope(Response r) {
        return r.json().path("details").path("scope").asText();
    }

    @Test
    void fiveHundredClientsOfTwoSlash24sGetNoMoreThanTheSubnetLimitEach() throws Exception {
        try (LiveServer server = server(Map.of())) {
            List<String> recipients = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                recipients.add(Recipients.fresh());
            }
            // in waves of 50 at once, as a botnet behind a proxy arrives (500 connections at once would
            // only measure the listen backlog)
            List<Response> answers = new ArrayList<>();
            for (int wave = 0; wave < 10; wave++) {
                int first = wave * 50;
                answers.addAll(ConcurrentGrantsTest.all(50, i ->
                        drip(server, recipients.get(first + i), (i % 2 == 0 ? "198.51.100." : "203.0.113.") + (first + i) / 2)));
            }

            List<Response> granted = answers.stream().filter(a -> a.status() == 200 || a.status() == 202).toList();
            assertThat(granted).hasSize(100);
            assertThat(answers.stream().filter(a -> a.status() == 429)).hasSize(400)
                    .allSatisfy(a -> assertThat(scope(a)).isEqualTo("subnet"));
            for (Response g : granted) {
                server.http.awaitGrant(g.field("grantId"), ApiClient.status("confirmed"), Duration.ofSeconds(30));
            }
            long paid = recipients.stream().filter(r -> chain.balance(r).signum() > 0).count();
            assertThat(paid).isEqualTo(100);
        }
    }

    @Test
    void aBurstFarAboveTheBudgetPaysOutNoMoreThanTheBudgetAndItsDebtOnChain() throws Exception {
        // 240 DYT a day, 50 DYT of buffer (and of debt): 200 requests at once ask for 2000 DYT
        Map<String, String> governed = Map.of("FAUCET_OUTFLOW_PER_DAY", "240", "FAUCET_OUTFLOW_BUFFER", "50",
                "RATE_LIMIT_PER_SUBNET_PER_DAY", "100000", "RATE_LIMIT_PER_IP_PER_DAY", "100000");
        try (LiveServer server = server(governed)) {
            Instant start = Instant.now();
            List<String> recipients = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                recipients.add(Recipients.fresh());
            }
            List<Response> answers = ConcurrentGrantsTest.all(200, i ->
                    drip(server, recipients.get(i), "10." + (i / 250) + "." + (i % 250) + ".1"));
            List<Response> granted = answers.stream().filter(a -> a.status() == 200 || a.status() == 202).toList();
            assertThat(answers.stream().filter(a -> a.status() == 429))
                    .isNotEmpty().allSatisfy(a -> assertThat(scope(a)).isEqualTo("daily_cap"));
            for (Response g : granted) {
                server.http.awaitGrant(g.field("grantId"), ApiClient.status("confirmed"), Duration.ofSeconds(30));
            }
            BigInteger onChain = recipients.stream().map(chain::balance).reduce(BigInteger.ZERO, BigInteger::add);
            long seconds = Duration.between(start, Instant.now()).toSeconds() + 1;
            BigInteger refill = Wei.ofDyt("240").value().multiply(BigInteger.valueOf(seconds)).divide(BigInteger.valueOf(86_400));
            // the budget (50) and its debt limit (50), what refilled meanwhile, and the one grant that crossed the limit
            assertThat(onChain).isLessThanOrEqualTo(Wei.ofDyt("100").value().add(refill).add(DRIP));
            assertThat(onChain).isGreaterThanOrEqualTo(Wei.ofDyt("100").value());
            // payouts shrank smoothly toward a tenth of the drip, and each scaled grant says why
            List<JsonNode> grants = granted.stream().map(g -> server.http.grant(g.field("grantId")).json()).toList();
            List<JsonNode> scaled = grants.stream()
                    .filter(g -> new BigInteger(g.get("amountWei").asText()).compareTo(DRIP) < 0).toList();
            assertThat(scaled).isNotEmpty().allSatisfy(g -> {
                assertThat(new BigInteger(g.get("amountWei").asText())).isGreaterThanOrEqualTo(DRIP.divide(BigInteger.TEN));
                assertThat(g.at("/factors/0/name").asText()).isEqualTo("governor");
                assertThat(g.at("/factors/0/factor").asDouble()).isBetween(0.1, 1.0);
            });
            JsonNode info = server.http.get("/api/faucet/info").json();
            assertThat(info.at("/budget/available").asText()).startsWith("-");
        }
    }

    @Test
    void aProofOfWorkMustBeSolvedByItsClientForItsAddressOnce() throws Exception {
        Map<String, String> pow = Map.of("FAUCET_POW_DIFFICULTY", "6", "FAUCET_POW_SCRYPT_N", "1024", "FAUCET_POW_SCRYPT_R", "8");
        try (LiveServer server = server(pow)) {
            String me = "198.51.100.10";
            String address = Recipients.fresh();
            Response none = drip(server, address, me);
            assertThat(none.status()).isEqualTo(400);
            assertThat(none.field("code")).isEqualTo("POW_REQUIRED");

            // stolen: solved for this address by one client, sent by another
            String[] stolen = solved(server, address, me);
            Response thief = withProof(server, address, "203.0.113.66", stolen);
            assertThat(thief.status()).isEqualTo(400);
            assertThat(thief.field("code")).isEqualTo("POW_INVALID");

            // for another address
            String[] forOther = solved(server, Recipients.fresh(), me);
            assertThat(withProof(server, address, me, forOther).field("code")).isEqualTo("POW_INVALID");

            String[] mine = solved(server, address, me);
            Response paid = withProof(server, address, me, mine);
            assertThat(paid.status()).as(paid.body()).isIn(200, 202);
            // replayed: used up, even for a new address of the same client
            Response replay = withProof(server, Recipients.fresh(), me, mine);
            assertThat(replay.field("code")).isEqualTo("POW_INVALID");
            server.http.awaitGrant(paid.field("grantId"), ApiClient.status("confirmed"), Duration.ofSeconds(30));
            assertThat(chain.balance(address)).isEqualTo(DRIP);
        }
    }

    /** Asks for a challenge as {@code client} and solves it as a browser would: {challenge, nonce}. */
    private static String[] solved(LiveServer server, String address, String client) {
        JsonNode c = server.http.send(java.net.http.HttpRequest.newBuilder(server.http.uri("/api/faucet/challenge?address=" + address))
                .header("X-Forwarded-For", client).GET()).json();
        Challenge challenge = new Challenge(c.get("challenge").asText(), new Address(address.toLowerCase()),
                IpRange.parse(client), c.get("difficulty").asInt(), c.get("n").asInt(), c.get("r").asInt(), c.get("p").asInt(),
                Instant.parse(c.get("expiresAt").asText()));
        for (long nonce = 0; ; nonce++) {
            if (ScryptProofOfWork.leadingZeroBits(ScryptProofOfWork.hash(challenge, Long.toString(nonce))) >= challenge.difficulty()) {
                return new String[] {challenge.id(), Long.toString(nonce)};
            }
        }
    }

    private static Response withProof(LiveServer server, String address, String client, String[] proof) {
        return server.http.post("/api/faucet", "{\"address\": \"" + address + "\", \"pow\": {\"challenge\": \"" + proof[0]
                + "\", \"nonce\": \"" + proof[1] + "\"}}", "X-Forwarded-For", client);
    }

    @Test
    void aBlockedCidrIsRefusedAtOnceAndServedAgainOnceUnblocked() {
        try (LiveServer server = server(Map.of())) {
            Response block = server.http.post("/api/admin/blocks", "{\"target\": \"198.51.100.0/24\", \"reason\": \"drain\"}",
                    "Authorization", "Bearer " + LiveServer.ADMIN_TOKEN);
            assertThat(block.status()).isEqualTo(200);
            Response refused = drip(server, Recipients.fresh(), "198.51.100.23");
            assertThat(refused.status()).isEqualTo(403);
            assertThat(refused.field("code")).isEqualTo("BLOCKED");
            assertThat(scope(refused)).isEqualTo("ip");
            assertThat(drip(server, Recipients.fresh(), "198.51.101.23").status()).isIn(200, 202);

            Response unblock = server.http.send(java.net.http.HttpRequest.newBuilder(
                            server.http.uri("/api/admin/blocks/" + block.json().get("id").asLong()))
                    .header("Authorization", "Bearer " + LiveServer.ADMIN_TOKEN).DELETE());
            assertThat(unblock.status()).isEqualTo(200);
            assertThat(drip(server, Recipients.fresh(), "198.51.100.23").status()).isIn(200, 202);
        }
    }

    @Test
    void fifteenAddressesOfOneSlash64GetTheQuotaOfOneClient() throws Exception {
        try (LiveServer server = server(Map.of("SUSPICIOUS_ADDRESSES_PER_IP_PER_HOUR", "1000"))) {
            Map<String, Integer> byCode = new HashMap<>();
            for (int i = 1; i <= 15; i++) {
                Response r = drip(server, Recipients.fresh(), "2001:db8:77:1:" + Integer.toHexString(i * 4099) + "::" + i);
                byCode.merge(r.status() == 429 ? scope(r) : Integer.toString(r.status() == 202 ? 200 : r.status()), 1, Integer::sum);
            }
            assertThat(byCode).isEqualTo(Map.of("200", 10, "ip", 5));
        }
    }

    @Test
    void tenParallelRequestsFromOneIpForDifferentAddressesArePaidNoMoreThanTheSuspiciousLimit() throws Exception {
        try (LiveServer server = server(Map.of())) {
            List<Response> answers = ConcurrentGrantsTest.all(10, i -> drip(server, Recipients.fresh(), "192.0.2.44"));
            assertThat(answers.stream().filter(a -> a.status() == 200 || a.status() == 202)).hasSize(5);
            assertThat(answers.stream().filter(a -> a.status() == 429))
                    .hasSize(5).allSatisfy(a -> assertThat(scope(a)).isEqualTo("suspicious"));
        }
    }
}
