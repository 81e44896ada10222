package com.dytallix.bootstrap.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.testing.Browser;
import com.dytallix.bootstrap.testing.Chain;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.domain.Wei;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The faucet page in headless Chromium against the server in front of a real node (anvil, a block a
 * second): a confirmed grant checked on the node, the same taken away by a reorg and paid again, an empty faucet, a node that stopped making blocks, a node that went
 * away and the chain relaunched under the server (paused until adopted), each said in plain words. The node is stopped
 * by the fifth test, the server by the sixth.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaucetPageOnAnvilTest {
    @TempDir
    static Path dir;
    private static AnvilProcess anvil;
    private static LiveServer server;
    private static Browser browser;

    @BeforeAll
    static void start() {
        anvil = AnvilProcess.withBlockTime(1);
        server = LiveServer.start(LiveServer.settingsFor(anvil), dir.resolve("server"));
        browser = Browser.shared();
    }

    @AfterAll
    static void stop() {
        try (AnvilProcess a = anvil; LiveServer s = server; Browser b = browser) {
            // closed in reverse order: browser, server, node
        }
    }

    @Test
    @Order(1)
    void aPersonGetsAConfirmedGrantWhoseTransactionIsOnTheNode() {
        String address = "0x27b1fdb04752bbc536007a920d24acb045561c26";
        Chain chain = new Chain(anvil);
        BigInteger before = chain.balance(address);
        FaucetPage page = new FaucetPage(browser, server.http.base());
        page.open();
        assertThat(page.text("balance")).endsWith(" DYT").isNotEqualTo("– DYT");

        page.type(address);
        assertThat(page.addressState()).isEqualTo("valid");
        page.request();
        FaucetPage.ShownGrant grant = page.awaitGrant("confirmed");
        browser.screenshot("grant-confirmed-anvil");

        JsonNode receipt = chain.receipt(grant.txHash());
        assertThat(receipt.path("status").asText()).isEqualTo("0x1");
        assertThat(Chain.quantity(receipt.get("blockNumber")).longValueExact()).isEqualTo(grant.block());
        assertThat(receipt.path("from").asText()).isEqualToIgnoringCase(AnvilProcess.ACCOUNT_0_ADDRESS);
        assertThat(receipt.path("to").asText()).isEqualToIgnoringCase(address);
        assertThat(chain.balance(address).subtract(before)).isEqualTo(Wei.ofDyt("10").value());
        page.assertCleanConsole();
    }

    /** A reorg takes the confirmed grant's block away: the page, still watching, says so, and the grant lands again, once. */
    @Test
    @Order(2)
    void aReorgThatTakesTheGrantsBlockIsSaidAndTheGrantIsFollowedToItsNewBlock() {
        String address = "0x9e3ce1a1e6d9b71ed1fb7ab4b1a5b51d3c6fd93e";
        Chain chain = new Chain(anvil);
        BigInteger before = chain.balance(address);
        FaucetPage page = new FaucetPage(browser, server.http.base());
        page.open();
        page.type(address);
        page.request();
        FaucetPage.ShownGrant first = page.awaitGrant("confirmed");
        assertThat(page.text("grant-next")).isEmpty();

        // every block from the grant's up is replaced by an empty one: the payment is gone from the chain
        chain.replaceBlocksFrom(first.block(), 1);
        browser.await("the page says a reorg took the block (now: " + page.text("grant-status") + " / " + page.text("grant-next") + ")",
                d -> page.text("grant-next").startsWith("A reorganisation took its first block away")
                        || page.text("grant-status").startsWith("The block that held your transaction left the chain"));
        browser.screenshot("grant-reorg");
        browser.await("confirmed again in another block", d -> "confirmed".equals(page.attribute("grant-status", "data-status"))
                && !page.text("block-number").replace(",", "").startsWith(first.block() + " "));
        FaucetPage.ShownGrant again = page.awaitGrant("confirmed");
        assertThat(page.text("grant-next")).isEqualTo("A reorganisation took its first block away; the faucet sent it again, and it was paid once.");
        assertThat(again.txHash()).as("the same signed transaction, sent again").isEqualTo(first.txHash());
        assertThat(Chain.quantity(chain.receipt(again.txHash()).get("blockNumber")).longValueExact()).isEqualTo(again.block());
        assertThat(chain.balance(address).subtract(before)).as("paid once").isEqualTo(Wei.ofDyt("10").value());
        page.assertCleanConsole();
    }

    @Test
    @Order(3)
    void anEmptyFaucetIsSaidInPlainWords() {
        Chain chain = new Chain(anvil);
        BigInteger funds = chain.balance(AnvilProcess.ACCOUNT_0_ADDRESS);
        chain.setBalance(AnvilProcess.ACCOUNT_0_ADDRESS, Wei.ofDyt("50").value());
        try {
            FaucetPage page = new FaucetPage(browser, server.http.base());
            page.open();
            browser.await("the page shows the faucet's low balance", d -> page.text("balance").equals("50 DYT"));
            page.type("0xde709f2102306220921060314715629080e2fb77");
            page.request();
            FaucetPage.ShownError refusal = page.awaitError();
            browser.screenshot("faucet-empty");
            assertThat(refusal.code()).isEqualTo("INSUFFICIENT_BALANCE");
            assertThat(refusal.words()).isEqualTo("The faucet is empty right now: its operator has to top it up. Please come back later.");
        } finally {
            chain.setBalance(AnvilProcess.ACCOUNT_0_ADDRESS, funds);
        }
    }

    /**
     * The node stops making blocks with a grant sent: the page says the node is behind, and after half a minute that
     * the grant is slow and what to do (nothing; it may close the page) instead of waiting silently; blocks again, and
     * the grant is confirmed.
     */
    @Test
    @Order(4)
    void aNodeThatStoppedMakingBlocksIsSaidToBeBehindAndASlowGrantIsSaidToBeSlow() {
        Chain chain = new Chain(anvil);
        FaucetPage page = new FaucetPage(browser, server.http.base());
        page.open();
        assertThat(page.shown("node-down")).isFalse();
        chain.call("evm_setIntervalMining", 0);
        try {
            page.type("0x4d7f2e1c3b5a69788766554433221100ffeeddcc");
            page.request();
            page.awaitGrant("submitted");
            assertThat(page.text("grant-next")).isEqualTo("Nothing to do: this page follows it to its block.");
            // the head stops: after twice the block time the server counts the blocks that should have come
            browser.await("the page says the node is behind", d -> page.shown("node-down"));
            assertThat(page.text("node-down")).matches("The chain node is catching up( \\([0-9,]+ blocks behind\\))?: "
                    + "a grant may take longer than usual to be confirmed\\.");
            browser.await("the page says the grant is slow", d -> page.text("grant-next").startsWith("Taking longer than usual"));
            assertThat(page.text("grant-next")).isEqualTo("Taking longer than usual: the chain or the faucet is busy. Nothing to do: "
                    + "it goes on by itself; you may close this page and look in your wallet later.");
            assertThat(page.text("grant-status")).isEqualTo("Sent; waiting for a block.");
            browser.screenshot("node-behind");
        } finally {
            chain.call("evm_setIntervalMining", 1);
        }
        page.awaitGrant("confirmed");
        assertThat(page.text("grant-next")).isEmpty();
        browser.await("the warning goes when blocks come again", d -> !page.shown("node-down"));
    }

    @Test
    @Order(5)
    void aNodeThatWentAwayIsSaidInPlainWords() {
        FaucetPage page = new FaucetPage(browser, server.http.base());
        page.open();
        assertThat(page.shown("node-down")).isFalse();
        anvil.close();
        browser.await("the page says the node is not answering", d -> page.shown("node-down"));
        assertThat(page.text("node-down")).isEqualTo("The chain node is not answering right now; requests may fail until it is back. "
                + "Try again in a few minutes.");
        assertThat(page.shown("offline")).as("the server itself answers").isFalse();
        browser.screenshot("node-down");
    }

    /** The server that paid on the stopped node starts on a relaunched chain: paused until an operator adopts it. */
    @Test
    @Order(6)
    void aChainResetIsSaidInPlainWordsWithWhatHappensNext() {
        LiveServer first = server;
        server = null;
        first.close();
        try (AnvilProcess relaunched = AnvilProcess.withBlockTime(1);
             LiveServer again = LiveServer.start(LiveServer.settingsFor(relaunched), dir.resolve("server"))) {
            FaucetPage page = new FaucetPage(browser, again.http.base());
            page.open();
            browser.await("the paused banner", d -> page.shown("paused"));
            assertThat(page.text("paused")).startsWith("The faucet is paused. The test network was restarted as a new chain; "
                    + "the faucet waits for its operator to switch to it. (Details: the chain was reset (genesis 0x")
                    .endsWith("Requests are turned off until it resumes; this page notices by itself.");
            page.type("0x27b1fdb04752bbc536007a920d24acb045561c26");
            assertThat(page.canRequest()).as("no request while paused").isFalse();
            browser.screenshot("paused-chain-reset");
            // the reason's long genesis hashes wrap, on a phone too
            browser.viewport(390, 844);
            long overflow = (Long) browser.driver.executeScript(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
            assertThat(overflow).as("horizontal overflow in px").isLessThanOrEqualTo(0);
            browser.screenshot("paused-chain-reset-phone");

            // an operator pausing meanwhile, with a reason: the page says theirs and the reset's, not the reset's alone
            assertThat(again.http.post("/api/admin/pause", "{\"reason\": \"moving to a new node\"}", "Authorization",
                    "Bearer " + LiveServer.ADMIN_TOKEN).status()).isEqualTo(200);
            browser.await("the operator's reason is shown (now: " + page.text("paused") + ")",
                    d -> page.text("paused").startsWith("The faucet is paused. Moving to a new node. The test network was restarted"));
            assertThat(page.text("paused")).contains("(Details: the chain was reset (genesis 0x");
            browser.screenshot("paused-by-operator-during-chain-reset");
            page.assertCleanConsole();
        }
    }
}
