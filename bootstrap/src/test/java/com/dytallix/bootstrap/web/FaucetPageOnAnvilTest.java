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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The faucet page in headless Chromium against the server in front of a real node (anvil, a block a second). */
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
        browser = Browser.start(dir.resolve("profile"));
    }

    @AfterAll
    static void stop() {
        try (AnvilProcess a = anvil; LiveServer s = server; Browser b = browser) {
            // closed in reverse order: browser, server, node
        }
    }

    @Test
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
}
