package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.faucet.AuditEntry;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The block list's admin API, the faucet's terms and challenge, and the admission refusals in the envelope. */
class AdmissionHttpTest {
    @RegisterExtension
    static final TestApi api = TestApi.start();

    @Test
    void aBlockIsAddedListedAuditedAndRemoved() {
        var added = api.admin("POST", "/api/admin/blocks",
                "{\"target\": \"198.51.100.0/24\", \"reason\": \"drain\", \"expiresAt\": \"2999-01-01T00:00:00Z\"}");
        assertThat(added.status()).isEqualTo(200);
        JsonNode block = added.json();
        assertThat(block.get("target").asText()).isEqualTo("198.51.100.0/24");
        assertThat(block.get("scope").asText()).isEqualTo("ip");
        assertThat(block.get("reason").asText()).isEqualTo("drain");
        assertThat(block.get("expiresAt").asText()).isEqualTo("2999-01-01T00:00:00Z");
        assertThat(block.get("active").asBoolean()).isTrue();
        long id = block.get("id").asLong();

        var address = api.admin("POST", "/api/admin/blocks",
                "{\"target\": \"0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED\", \"reason\": \"mule\"}");
        assertThat(address.json().get("target").asText()).isEqualTo("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
        assertThat(address.json().get("scope").asText()).isEqualTo("address");

        JsonNode listed = api.admin("GET", "/api/admin/blocks", null).json().get("blocks");
        assertThat(listed).extracting(b -> b.get("id").asLong()).contains(id, address.json().get("id").asLong());

        assertThat(api.admin("DELETE", "/api/admin/blocks/" + id, null).json().get("deleted").asBoolean()).isTrue();
        var again = api.admin("DELETE", "/api/admin/blocks/" + id, null);
        assertThat(again.status()).isEqualTo(404);
        assertThat(again.json().get("code").asText()).isEqualTo("NOT_FOUND");
        assertThat(api.admin("DELETE", "/api/admin/blocks/not-a-number", null).status()).isEqualTo(404);
        api.admin("DELETE", "/api/admin/blocks/" + address.json().get("id").asLong(), null);

        assertThat(api.audit("block")).extracting(AuditEntry::detail)
                .anySatisfy(d -> assertThat(d).contains("target=198.51.100.0/24").contains("reason=drain"));
        assertThat(api.audit("unblock")).extracting(AuditEntry::outcome).contains("ok");
    }

    @Test
    void badBlocksAreRefusedAsInvalidAndAudited() {
        assertThat(api.admin("POST", "/api/admin/blocks", "{\"target\": \"example.org\", \"reason\": \"x\"}").json()
                .get("details").get("field").asText()).isEqualTo("target");
        assertThat(api.admin("POST", "/api/admin/blocks", "{\"target\": \"10.0.0.0/33\", \"reason\": \"x\"}").status())
                .isEqualTo(400);
        assertThat(api.admin("POST", "/api/admin/blocks", "{\"target\": \"0x1234\", \"reason\": \"x\"}").json()
                .get("code").asText()).isEqualTo("INVALID_ADDRESS");
        assertThat(api.admin("POST", "/api/admin/blocks", "{\"target\": \"10.0.0.1\"}").json()
                .get("details").get("field").asText()).isEqualTo("reason");
        assertThat(api.admin("POST", "/api/admin/blocks", "{\"target\": \"10.0.0.1\", \"reason\": \"x\", \"expiresAt\": \"soon\"}")
                .json().get("details").get("field").asText()).isEqualTo("expiresAt");
        assertThat(api.admin("POST", "/api/admin/blocks",
                "{\"target\": \"10.0.0.1\", \"reason\": \"x\", \"expiresAt\": \"2000-01-01T00:00:00Z\"}")
                .json().get("details").get("field").asText()).isEqualTo("expiresAt");
        assertThat(api.blockList.all()).isEmpty();
        assertThat(api.audit("block")).extracting(AuditEntry::outcome).contains("invalid");
    }

    @Test
    void blockedClientsAndAddressesGet403WithTheScope() {
        var block = api.admin("POST", "/api/admin/blocks", "{\"target\": \"127.0.0.1\", \"reason\": \"test\"}").json();
        var refused = api.postJson("/api/faucet", "{\"address\": \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"}");
        api.admin("DELETE", "/api/admin/blocks/" + block.get("id").asLong(), null);

        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().get("code").asText()).isEqualTo("BLOCKED");
        assertThat(refused.json().get("details").get("scope").asText()).isEqualTo("ip");
        assertThat(api.ledger.fingerprints()).extracting(f -> f.outcome()).contains("blocked");
    }

    @Test
    void aMalformedProofOfWorkIsAnInvalidRequest() {
        String address = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
        assertThat(api.postJson("/api/faucet", "{\"address\": \"" + address + "\", \"pow\": \"x\"}").json()
                .get("details").get("field").asText()).isEqualTo("pow");
        assertThat(api.postJson("/api/faucet", "{\"address\": \"" + address + "\", \"pow\": {\"challenge\": \"abc\", \"nonce\": -1}}")
                .json().get("details").get("field").asText()).isEqualTo("pow.nonce");
        assertThat(api.postJson("/api/faucet", "{\"address\": \"" + address + "\", \"pow\": {\"nonce\": \"1\"}}")
                .json().get("details").get("field").asText()).isEqualTo("pow.challenge");
        // the nonce as a string: 1 to 20 ASCII digits, nothing else
        for (String nonce : new String[] {"", "123456789012345678901", "12a", "-1", "+1", " 1", "\\u0661"}) {
            assertThat(api.postJson("/api/faucet", "{\"address\": \"" + address + "\", \"pow\": {\"challenge\": \"abc\", \"nonce\": \""
                    + nonce + "\"}}").json().get("details").get("field").asText()).as(nonce).isEqualTo("pow.nonce");
        }
    }

    @Test
    void theInfoShowsThePayoutBudgetLimitsProofOfWorkAndFinality() {
        JsonNode info = api.get("/api/faucet/info").json();
        assertThat(info.get("payout").asText()).isEqualTo("10");
        assertThat(info.get("drip").asText()).isEqualTo("10");
        assertThat(info.get("factors")).isEmpty();
        assertThat(info.get("paused").asBoolean()).isFalse();
        assertThat(info.at("/budget/perDay").asText()).isEqualTo("10000");
        assertThat(info.at("/budget/available").asText()).isEqualTo("416");
        assertThat(info.at("/limits/perSubnetPerDay").asInt()).isEqualTo(50);
        assertThat(info.at("/limits/ipv6ClientPrefix").asInt()).isEqualTo(64);
        assertThat(info.at("/proofOfWork/enabled").asBoolean()).isFalse();
        assertThat(info.at("/proofOfWork/difficulty").asInt()).isZero();
        // what a client following a grant counts towards (FAUCET_CONFIRMATIONS, REORG_WATCH_BLOCKS), not a number it guesses
        assertThat(info.at("/finality/confirmations").asInt()).isEqualTo(2);
        assertThat(info.at("/finality/reorgWatchBlocks").asInt()).isEqualTo(64);
    }

    @Test
    void aChallengeNeedsAValidAddressAndIsBoundToIt() {
        assertThat(api.get("/api/faucet/challenge").status()).isEqualTo(400);
        assertThat(api.get("/api/faucet/challenge?address=0x12").json().get("code").asText()).isEqualTo("INVALID_ADDRESS");
        assertThat(api.get("/api/faucet/challenge?address=0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed&x=1").status())
                .isEqualTo(400);
        JsonNode c = api.get("/api/faucet/challenge?address=0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").json();
        assertThat(c.get("challenge").asText()).matches("[0-9a-f]{32}");
        assertThat(c.get("algorithm").asText()).isEqualTo("scrypt");
        assertThat(c.get("difficulty").asInt()).isZero();
        assertThat(c.get("n").asInt()).isEqualTo(16384);
    }
}
