package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.Wei;
import com.dytallix.domain.admission.Block;
import com.dytallix.domain.grant.Decision;
import com.dytallix.domain.grant.GrantQuery;
import com.dytallix.domain.grant.LedgerAdmission;
import com.dytallix.domain.grant.LedgerWindow;
import com.dytallix.domain.grant.OutflowPolicy;
import com.dytallix.domain.grant.ReservationRequest;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every refusal of POST /api/faucet, byte for byte: its status, its whole envelope (the request id
 * the one of X-Request-Id), Retry-After where a limit applies, and that it changed nothing — no
 * grant, nothing sent, and no reservation step for the refusals at the door. The envelopes of the
 * fixed refusals are written from prepared bytes: the same refusal twice gives the same text but
 * for the request id.
 */
class RefusalAnswersTest {
    private static final String PAID = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

    @RegisterExtension
    static final TestApi api = TestApi.start(o -> {
        o.trustedProxies = List.of(IpRange.parse("127.0.0.1"));
        o.requestsPerMinute = 3;
    });

    @RegisterExtension
    static final TestApi withProofOfWork = TestApi.start(o -> {
        o.trustedProxies = List.of(IpRange.parse("127.0.0.1"));
        o.powDifficulty = 4;
    });

    @AfterEach
    void realClock() {
        ErrorMapper.clock = Clock.systemUTC();
    }

    @Test
    void aBlockedClientAndABlockedAddressGetTheirFixedEnvelope() {
        // straight into the block list the server reads: admin calls would use up the loopback client's 3 requests a minute
        long ip = api.blockList.add(new Block.Target.Range(IpRange.parse("198.51.100.0/24")), "t", api.clock.instant(),
                Optional.empty()).id();
        long address = api.blockList.add(new Block.Target.Recipient(new Address(blockedAddress())), "t", api.clock.instant(),
                Optional.empty()).id();
        try {
            Unchanged before = Unchanged.now();
            for (int i = 0; i < 2; i++) {
                var refused = faucet("198.51.100." + (10 + i), "{\"address\": \"" + PAID + "\"}", "X-Request-Id", "blocked-" + i);
                assertThat(refused.status()).isEqualTo(403);
                assertThat(refused.body()).isEqualTo("{\"code\":\"BLOCKED\",\"message\":\"this client is blocked from the faucet\","
                        + "\"details\":{\"scope\":\"ip\"},\"requestId\":\"blocked-" + i + "\"}");
                assertThat(refused.header("X-Request-Id")).contains("blocked-" + i);
                assertThat(refused.header("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
                assertThat(refused.header("Retry-After")).isEmpty();
            }
            var byAddress = faucet("203.0.113.40", "{\"address\": \"" + blockedAddress().toLowerCase() + "\"}");
            assertThat(byAddress.status()).isEqualTo(403);
            assertThat(byAddress.body()).isEqualTo("{\"code\":\"BLOCKED\",\"message\":\"this address is blocked from the faucet\","
                    + "\"details\":{\"scope\":\"address\"},\"requestId\":\"" + byAddress.header("X-Request-Id").orElseThrow() + "\"}");
            before.assertNothingChanged(true);
        } finally {
            api.blockList.remove(ip);
            api.blockList.remove(address);
        }
    }

    @Test
    void aBadAddressIsRefusedBeforeAnythingElse() {
        Unchanged before = Unchanged.now();
        var shape = faucet("203.0.113.41", "{\"address\": \"0x1234\"}", "X-Request-Id", "shape");
        assertThat(shape.status()).isEqualTo(400);
        assertThat(shape.body()).isEqualTo("{\"code\":\"INVALID_ADDRESS\",\"message\":\"address must be 0x followed by 40 hex digits\","
                + "\"requestId\":\"shape\"}");
        var checksum = faucet("203.0.113.41", "{\"address\": \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD\"}", "X-Request-Id", "sum");
        assertThat(checksum.status()).isEqualTo(400);
        assertThat(checksum.body()).isEqualTo("{\"code\":\"INVALID_ADDRESS\",\"message\":\"address has an invalid EIP-55 checksum\","
                + "\"requestId\":\"sum\"}");
        before.assertNothingChanged(true);
        assertThat(api.ledger.fingerprints()).as("no fingerprint before the address is valid").hasSize(before.fingerprints);
    }

    @Test
    void aPausedFaucetSaysWhy() {
        api.controls.pause(Optional.of("maintenance"), api.clock.instant());
        try {
            Unchanged before = Unchanged.now();
            var refused = faucet("203.0.113.42", "{\"address\": \"" + PAID + "\"}", "X-Request-Id", "paused");
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.body()).isEqualTo("{\"code\":\"FAUCET_PAUSED\",\"message\":\"the faucet is paused\","
                    + "\"details\":{\"reason\":\"maintenance\"},\"requestId\":\"paused\"}");
            before.assertNothingChanged(true);
        } finally {
            api.controls.resume(api.clock.instant());
        }
    }

    @Test
    void aRecipientAlreadyPaidIsRefusedWithRetryAfterTheSameFromTheLedgerAndFromMemory() {
        // the ledger's quota clock is the server's (test) clock, and so is Retry-After's
        ErrorMapper.clock = api.clock;
        Address paid = TestApi.address("refusal answers");
        String recipient = paid.value();
        ClientIp earlier = ClientIp.parse("203.0.113.43");
        api.ledger.reserve(new ReservationRequest(GrantId.random(), paid, earlier, earlier.client(64), earlier.subnet(),
                Optional.empty(), "earlier", api.clock.instant()), new LedgerAdmission() {
                    @Override
                    public OutflowPolicy outflow() {
                        return new OutflowPolicy(Wei.ofDyt("10000"), Wei.ofDyt("416"), new BigDecimal("0.1"));
                    }

                    @Override
                    public Decision decide(LedgerWindow window) {
                        return Decision.start(Wei.ofDyt("10"));
                    }
                });
        Unchanged before = Unchanged.now();
        String expectedReset = api.clock.instant().plus(Duration.ofDays(1)).toString();
        long expectedRetry = Duration.ofDays(1).toSeconds();
        for (int i = 0; i < 3; i++) {
            // the first is refused by the ledger's reservation step, the others from memory
            var refused = faucet("203.0.113." + (50 + i), "{\"address\": \"" + recipient + "\"}", "X-Request-Id", "paid-" + i);
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.body()).isEqualTo("{\"code\":\"RATE_LIMIT\",\"message\":\"rate limit reached (address)\","
                    + "\"details\":{\"scope\":\"address\",\"resetAt\":\"" + expectedReset + "\"},\"requestId\":\"paid-" + i + "\"}");
            assertThat(refused.header("Retry-After")).contains(Long.toString(expectedRetry));
        }
        before.assertNothingChanged(false);
        assertThat(api.ledger.reserveCalls()).as("asked the ledger once, then memory").isEqualTo(before.reserveCalls + 1);
    }

    @Test
    void tooManyRequestsFromOneClientIsA429WithRetryAfter() {
        Unchanged before = Unchanged.now();
        String client = "203.0.113.60";
        for (int i = 0; i < 3; i++) {
            faucet(client, "{\"address\": \"0x12\"}");
        }
        var refused = faucet(client, "{\"address\": \"" + PAID + "\"}", "X-Request-Id", "busy");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.json().get("code").asText()).isEqualTo("RATE_LIMIT");
        assertThat(refused.json().get("message").asText()).isEqualTo("too many requests from this client; retry after the time in Retry-After");
        assertThat(refused.json().at("/details/scope").asText()).isEqualTo("requests");
        assertThat(refused.json().get("requestId").asText()).isEqualTo("busy");
        assertThat(Long.parseLong(refused.header("Retry-After").orElseThrow())).isBetween(1L, 60L);
        before.assertNothingChanged(true);
    }

    @Test
    void aMadeUpOrAlteredProofOfWorkGetsItsFixedEnvelopeWithoutALookupOfTheChallenge() {
        TestApi pow = withProofOfWork;
        var issued = pow.get("/api/faucet/challenge?address=" + PAID, "X-Forwarded-For", "203.0.113.70");
        assertThat(issued.status()).isEqualTo(200);
        String genuine = issued.json().get("challenge").asText();
        String altered = genuine.substring(0, 31) + (genuine.endsWith("0") ? "1" : "0");
        int grants = pow.ledger.search(new GrantQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 10)).size();
        int sent = pow.chain.sendCount();
        int reserveCalls = pow.ledger.reserveCalls();
        int lookups = pow.challenges.lookups();
        List<String> forged = List.of("0123456789abcdef0123456789abcdef", altered);
        for (int i = 0; i < forged.size(); i++) {
            var refused = pow.postJson("/api/faucet", "{\"address\": \"" + PAID + "\", \"pow\": {\"challenge\": \"" + forged.get(i)
                    + "\", \"nonce\": \"1\"}}", "X-Forwarded-For", "203.0.113.70", "X-Request-Id", "pow-" + i);
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.body()).isEqualTo("{\"code\":\"POW_INVALID\",\"message\":\"invalid proof of work: unknown or already"
                    + " used challenge\",\"requestId\":\"pow-" + i + "\"}");
            assertThat(refused.header("Retry-After")).isEmpty();
        }
        assertThat(pow.challenges.lookups()).as("challenge lookups").isEqualTo(lookups);
        assertThat(pow.challenges.size()).as("the genuine challenge is still there to be answered").isEqualTo(1);
        assertThat(pow.ledger.search(new GrantQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 10)))
                .as("grants").hasSize(grants);
        assertThat(pow.chain.sendCount()).as("transactions sent").isEqualTo(sent);
        assertThat(pow.ledger.reserveCalls()).as("reservation steps").isEqualTo(reserveCalls);
    }

    private static String blockedAddress() {
        return TestApi.address("blocked recipient").value();
    }

    private static TestApi.Reply faucet(String client, String body, String... headers) {
        String[] all = new String[headers.length + 2];
        all[0] = "X-Forwarded-For";
        all[1] = client;
        System.arraycopy(headers, 0, all, 2, headers.length);
        return api.postJson("/api/faucet", body, all);
    }

    /** What a refusal must leave as it was: the grants, what the node was sent, and (at the door) the reservation step. */
    private record Unchanged(int grants, int sent, int reserveCalls, int fingerprints) {
        static Unchanged now() {
            return new Unchanged(grantCount(), api.chain.sendCount(), api.ledger.reserveCalls(), api.ledger.fingerprints().size());
        }

        static int grantCount() {
            return api.ledger.search(new GrantQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 1000)).size();
        }

        void assertNothingChanged(boolean atTheDoor) {
            assertThat(grantCount()).as("grants").isEqualTo(grants);
            assertThat(api.chain.sendCount()).as("transactions sent").isEqualTo(sent);
            if (atTheDoor) {
                assertThat(api.ledger.reserveCalls()).as("reservation steps").isEqualTo(reserveCalls);
            }
        }
    }
}
