package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.Wei;
import com.dytallix.domain.faucet.AuditEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A chain reset as the faucet's clients and the operator see it over HTTP, and its one way forward. */
class ChainAdoptionHttpTest {
    @RegisterExtension
    static final TestApi api = TestApi.start();

    @Test
    void afterAResetTheFaucetIsPausedWithTheReasonUntilTheOperatorAdoptsTheNewChain() {
        String old = api.app.chain().ledgerGenesis().orElseThrow();
        api.chain.relaunch();
        api.chain.fund(TestApi.FAUCET, Wei.ofDyt("1000"));
        api.app.chain().check();
        String genesis = api.chain.genesis();

        var refused = api.postJson("/api/faucet", "{\"address\": \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"}");
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.json().get("code").asText()).isEqualTo("FAUCET_PAUSED");
        assertThat(refused.json().get("details").get("reason").asText())
                .isEqualTo("the chain was reset (genesis " + genesis + " ≠ " + old + ", the ledger's): an operator must adopt the new chain");
        assertThat(api.get("/api/faucet/info").json().get("pausedReason").asText()).startsWith("the chain was reset");
        for (String path : new String[] {"/api/status", "/api/faucet/info"}) {
            var answer = api.get(path).json();
            assertThat(answer.has("operatorPauseReason")).as(path).isTrue();
            assertThat(answer.get("operatorPauseReason").isNull()).as(path + ": a reset alone, no operator's words").isTrue();
        }

        // the operator's resume lifts the operator's pause only, and says the faucet is still paused, and why
        var resumed = api.admin("POST", "/api/admin/resume", null);
        assertThat(resumed.status()).isEqualTo(200);
        assertThat(resumed.json().get("paused").asBoolean()).isTrue();
        assertThat(resumed.json().get("reason").asText()).startsWith("the chain was reset (genesis " + genesis);
        assertThat(api.postJson("/api/faucet", "{\"address\": \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"}").status())
                .isEqualTo(503);

        // hostile or mistaken input: a clear error, nothing changed
        assertThat(api.send("POST", "/api/admin/chain/adopt", "{\"genesis\": \"" + genesis + "\"}", "Content-Type",
                "application/json").status()).isEqualTo(401);
        var missing = api.admin("POST", "/api/admin/chain/adopt", "{}");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.json().get("details").get("field").asText()).isEqualTo("genesis");
        assertThat(api.admin("POST", "/api/admin/chain/adopt", "{\"genesis\": \"0x12\"}").status()).isEqualTo(400);
        assertThat(api.admin("POST", "/api/admin/chain/adopt", "{\"genesis\": 5}").status()).isEqualTo(400);
        var another = api.admin("POST", "/api/admin/chain/adopt", "{\"genesis\": \"0x" + "ab".repeat(32) + "\"}");
        assertThat(another.status()).isEqualTo(409);
        assertThat(another.json().get("code").asText()).isEqualTo("CHAIN_MISMATCH");
        assertThat(another.json().get("message").asText()).contains(genesis);
        assertThat(api.ledger.genesis()).contains(old);

        var adopted = api.admin("POST", "/api/admin/chain/adopt", "{\"genesis\": \"" + genesis + "\"}");
        assertThat(adopted.status()).isEqualTo(200);
        assertThat(adopted.json().get("adopted").asBoolean()).isTrue();
        assertThat(adopted.json().get("genesis").asText()).isEqualTo(genesis);
        assertThat(adopted.json().get("previousGenesis").asText()).isEqualTo(old);
        assertThat(adopted.json().get("paused").asBoolean()).isFalse();
        assertThat(api.ledger.genesis()).contains(genesis);
        assertThat(api.audit("adopt-chain")).extracting(AuditEntry::outcome).contains("ok");

        var again = api.admin("POST", "/api/admin/chain/adopt", "{\"genesis\": \"" + genesis.toUpperCase().replace("0X", "0x") + "\"}");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("adopted").asBoolean()).as("idempotent").isFalse();

        var info = api.get("/api/faucet/info").json();
        assertThat(info.get("paused").asBoolean()).as("the faucet takes requests again").isFalse();
        assertThat(api.get("/api/status").json().get("paused").asBoolean()).isFalse();
    }

    /** An operator who pauses while a reset is pending sees their own reason kept, and so does everyone: both are said. */
    @Test
    void anOperatorsPauseDuringAResetSaysItsReasonAndTheResetAndStandsAloneAfterTheAdoption() {
        String old = api.app.chain().ledgerGenesis().orElseThrow();
        api.chain.relaunch();
        api.app.chain().check();
        String genesis = api.chain.genesis();
        String reset = "the chain was reset (genesis " + genesis + " ≠ " + old + ", the ledger's): an operator must adopt the new chain";
        String both = "Moving to a new node; and " + reset;
        try {
            var paused = api.admin("POST", "/api/admin/pause", "{\"reason\": \"Moving to a new node\"}");
            assertThat(paused.status()).isEqualTo(200);
            assertThat(paused.json().get("reason").asText()).as("the operator's own reason, not only the reset's").isEqualTo(both);
            assertThat(api.get("/api/status").json().get("pausedReason").asText()).isEqualTo(both);
            assertThat(api.get("/api/faucet/info").json().get("pausedReason").asText()).isEqualTo(both);
            assertThat(api.admin("GET", "/api/admin/state", null).json().get("pausedReason").asText()).isEqualTo(both);
            var refused = api.postJson("/api/faucet", "{\"address\": \"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"}");
            assertThat(refused.json().get("details").get("reason").asText()).isEqualTo(both);
            for (String path : new String[] {"/api/status", "/api/faucet/info"}) {
                assertThat(api.get(path).json().get("operatorPauseReason").asText()).as(path + ": the operator's words alone")
                        .isEqualTo("Moving to a new node");
            }

            // the reset adopted, the operator's pause stands, with its reason alone
            assertThat(api.admin("POST", "/api/admin/chain/adopt", "{\"genesis\": \"" + genesis + "\"}").status()).isEqualTo(200);
            var status = api.get("/api/status").json();
            assertThat(status.get("paused").asBoolean()).isTrue();
            assertThat(status.get("pausedReason").asText()).isEqualTo("Moving to a new node");
            assertThat(status.get("operatorPauseReason").asText()).isEqualTo("Moving to a new node");
        } finally {
            api.admin("POST", "/api/admin/resume", null);
        }
    }

    /**
     * A reset is told by the structured {@code chainReset} field of /api/status and /api/faucet/info, not by the reason's
     * words: an operator's pause whose reason says "the chain was reset" has none, a real reset has it with both genesis
     * hashes, and with an operator's pause as well it is still there while the reason says both.
     */
    @Test
    void aChainResetIsAFieldOfTheStatusAndTheInfoAndAnOperatorsPauseSayingTheSameWordsIsNotOne() {
        try {
            api.admin("POST", "/api/admin/pause", "{\"reason\": \"the chain was reset (genesis 0x12 ≠ 0x34): we say so ourselves\"}");
            for (String path : new String[] {"/api/status", "/api/faucet/info"}) {
                var answer = api.get(path).json();
                assertThat(answer.get("pausedReason").asText()).startsWith("the chain was reset");
                assertThat(answer.has("chainReset")).as(path).isTrue();
                assertThat(answer.get("chainReset").isNull()).as(path + ": an operator's words are no reset").isTrue();
            }
            String old = api.app.chain().ledgerGenesis().orElseThrow();
            api.chain.relaunch();
            api.app.chain().check();
            String genesis = api.chain.genesis();
            for (String path : new String[] {"/api/status", "/api/faucet/info"}) {
                var reset = api.get(path).json().get("chainReset");
                assertThat(reset.get("genesis").asText()).as(path).isEqualTo(genesis);
                assertThat(reset.get("ledgerGenesis").asText()).as(path).isEqualTo(old);
                assertThat(reset.get("reason").asText()).as(path).isEqualTo("the chain was reset (genesis " + genesis + " ≠ " + old
                        + ", the ledger's): an operator must adopt the new chain");
                assertThat(api.get(path).json().get("pausedReason").asText()).as(path).endsWith("; and " + reset.get("reason").asText());
                assertThat(api.get(path).json().get("operatorPauseReason").asText()).as(path)
                        .isEqualTo("the chain was reset (genesis 0x12 ≠ 0x34): we say so ourselves");
            }
            assertThat(api.admin("POST", "/api/admin/chain/adopt", "{\"genesis\": \"" + genesis + "\"}").status()).isEqualTo(200);
            assertThat(api.get("/api/status").json().get("chainReset").isNull()).as("adopted: no reset").isTrue();
            assertThat(api.get("/api/faucet/info").json().get("chainReset").isNull()).isTrue();
        } finally {
            api.admin("POST", "/api/admin/resume", null);
        }
    }
}
