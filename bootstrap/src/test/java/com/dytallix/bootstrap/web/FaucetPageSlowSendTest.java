package com.dytallix.bootstrap.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.testing.Browser;
import com.dytallix.bootstrap.testing.Chain;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.SendProxy;
import com.dytallix.domain.Wei;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The faucet page when the node is slow to take a grant's transaction: the answer is 202 (stored, being sent) with
 * the transaction hash, and the page shows that hash at once, does not call the transaction sent yet, and follows
 * the grant to {@code confirmed} as it does after a 200.
 */
class FaucetPageSlowSendTest {
    @TempDir
    Path dir;

    @Test
    void aGrantAnswered202ShowsItsHashAtOnceAndIsFollowedToConfirmed() throws Exception {
        String address = "0x8ba1f109551bD432803012645Ac136ddd64DBA72";
        try (AnvilProcess anvil = AnvilProcess.withBlockTime(1); SendProxy proxy = new SendProxy(anvil.rpcUrl())) {
            Map<String, String> settings = LiveServer.settingsFor(anvil);
            // the node holds the send until the test has seen the page; the answer comes at the 1 s bound
            settings.put("FAUCET_SEND_WAIT_MS", "1000");
            settings.put("RPC_URL", proxy.url());
            try (LiveServer server = LiveServer.start(settings, dir.resolve("server"));
                 Browser browser = Browser.start(dir.resolve("profile"))) {
                Chain chain = new Chain(anvil);
                FaucetPage page = new FaucetPage(browser, server.http.base());
                page.open();
                page.type(address);
                proxy.sends = SendProxy.Sends.SLOW;
                page.request();

                FaucetPage.ShownGrant pending = page.awaitGrant("pending");
                browser.screenshot("grant-pending-slow-send");
                assertThat(proxy.sendsPassed.get()).as("shown while the node still had the send").isZero();
                assertThat(pending.txHash()).as("the 202's hash, shown at once").matches("0x[0-9a-f]{64}");
                assertThat(pending.words()).isEqualTo("Accepted; the transaction is being sent.");
                assertThat(page.attribute("step-submitted", "class")).as("not called sent before the node took it").doesNotContain("done");

                proxy.release.countDown();
                FaucetPage.ShownGrant confirmed = page.awaitGrant("confirmed");
                assertThat(confirmed.txHash()).as("the same transaction, followed").isEqualTo(pending.txHash());
                assertThat(page.attribute("step-submitted", "class")).contains("done");
                JsonNode receipt = chain.receipt(confirmed.txHash());
                assertThat(receipt.path("status").asText()).isEqualTo("0x1");
                assertThat(receipt.path("to").asText()).isEqualToIgnoringCase(address);
                assertThat(chain.balance(address)).isEqualTo(Wei.ofDyt("10").value());
                page.assertCleanConsole();
            }
        }
    }
}
