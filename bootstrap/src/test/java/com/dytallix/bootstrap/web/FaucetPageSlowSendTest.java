package com.dytallix.bootstrap.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.dytallix.bootstrap.testing.Browser;
import com.dytallix.bootstrap.testing.Chain;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.bootstrap.testing.SendProxy;
import com.dytallix.domain.Wei;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The faucet page when the node is slow to take a grant's transaction, or never does: the answer is 202 (stored, being sent) with
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
                 Browser browser = Browser.shared()) {
                Chain chain = new Chain(anvil);
                FaucetPage page = new FaucetPage(browser, server.http.base());
                page.open();
                page.type(address);
                proxy.sends = SendProxy.Sends.SLOW;
                page.request();

                FaucetPage.ShownGrant pending = page.awaitGrant("pending");
                browser.screenshot("grant-pending-slow-send");
                assertThat(proxy.transactionsPassed()).as("shown while the node still had the send").isZero();
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

    /**
     * A server too slow to answer: the node never takes the send, so the server answers only at FAUCET_SEND_WAIT_MS
     * (25 s), after the page gave up (20 s) and said so. The grant was stored and signed all the same. Pressing again
     * repeats the request with its Idempotency-Key: the page shows that grant (not "already received", not a second
     * payment) and follows it to confirmed once the node takes it.
     */
    @Test
    void aServerTooSlowToAnswerIsGivenUpAndPressingAgainShowsTheGrantItMadeNotASecond() throws Exception {
        String address = "0x3f5ce5fbfe3e9af3971dd833d26ba9b5c936f0be";
        try (AnvilProcess anvil = AnvilProcess.withBlockTime(1); SendProxy proxy = new SendProxy(anvil.rpcUrl())) {
            Map<String, String> settings = LiveServer.settingsFor(anvil);
            settings.put("FAUCET_SEND_WAIT_MS", "25000");
            settings.put("NODE_TIMEOUT_MS", "30000");
            settings.put("RPC_URL", proxy.url());
            try (LiveServer server = LiveServer.start(settings, dir.resolve("server"));
                 Browser browser = Browser.shared()) {
                Chain chain = new Chain(anvil);
                FaucetPage page = new FaucetPage(browser, server.http.base());
                page.open();
                page.type(address);
                proxy.sends = SendProxy.Sends.SWALLOW;
                long started = System.nanoTime();
                page.request();
                assertThat(page.text("request")).as("the button says what is going on").isEqualTo("Requesting…");
                FaucetPage.ShownError late = page.awaitError();
                browser.screenshot("server-too-slow");
                assertThat(Duration.ofNanos(System.nanoTime() - started)).as("given up after 20 s, not waited on for ever")
                        .isBetween(Duration.ofSeconds(19), Duration.ofSeconds(25));
                assertThat(late.code()).isEqualTo("TIMEOUT");
                assertThat(late.words()).isEqualTo("The faucet server did not answer in time. Press the button again in a moment: "
                        + "a repeated request never pays twice.");
                assertThat(grants(server, address)).as("the request reached the server; only its answer was late").isEqualTo(1);

                proxy.sends = SendProxy.Sends.PASS;
                browser.await("the button is back", d -> page.canRequest());
                page.request();
                FaucetPage.ShownGrant grant = page.awaitGrant("confirmed");
                assertThat(page.shown("error")).as("the same request again shows the grant it made, not 'already received'").isFalse();
                assertThat(grants(server, address)).as("one grant").isEqualTo(1);
                assertThat(chain.receipt(grant.txHash()).path("status").asText()).isEqualTo("0x1");
                assertThat(chain.balance(address)).as("paid once").isEqualTo(Wei.ofDyt("10").value());
                page.assertCleanConsole();
            }
        }
    }

    /**
     * A grant that fails: its transaction never reaches the node, and another transaction of the faucet's account takes
     * its nonce. The page says it failed, that nothing was paid and the quota is back, what to do (request again) and
     * the server's reason; requesting again is paid.
     */
    @Test
    void aFailedGrantIsSaidWithItsReasonAndTheNextRequestIsPaid() throws Exception {
        String address = "0x71c7656ec7ab88b098defb751b7401b5f6d8976f";
        try (AnvilProcess anvil = AnvilProcess.withBlockTime(1); SendProxy proxy = new SendProxy(anvil.rpcUrl())) {
            Map<String, String> settings = LiveServer.settingsFor(anvil);
            settings.put("FAUCET_SEND_WAIT_MS", "1000");
            settings.put("NODE_TIMEOUT_MS", "3000");
            settings.put("RPC_URL", proxy.url());
            try (LiveServer server = LiveServer.start(settings, dir.resolve("server"));
                 Browser browser = Browser.shared()) {
                Chain chain = new Chain(anvil);
                FaucetPage page = new FaucetPage(browser, server.http.base());
                page.open();
                page.type(address);
                proxy.sends = SendProxy.Sends.SWALLOW;
                page.request();
                page.awaitGrant("pending");
                JsonNode stored = server.http.send(HttpRequest.newBuilder(server.http.uri("/api/admin/grants?address=" + address))
                        .header("Authorization", "Bearer " + LiveServer.ADMIN_TOKEN)).json().get("grants").get(0);
                // the faucet's own account spends the grant's nonce elsewhere: the grant's transaction can never be mined
                chain.call("eth_sendTransaction", Map.of("from", AnvilProcess.ACCOUNT_0_ADDRESS, "to", AnvilProcess.ACCOUNT_0_ADDRESS,
                        "value", "0x0", "nonce", "0x" + Long.toHexString(stored.get("nonce").asLong())));

                FaucetPage.ShownGrant failed = page.awaitGrant("failed");
                browser.screenshot("grant-failed");
                assertThat(failed.words()).isEqualTo("The transaction failed; nothing was paid and your quota was given back.");
                assertThat(page.text("grant-next")).isEqualTo("You can request again. (The faucet says: dropped: nonce "
                        + stored.get("nonce").asLong() + " was used by another transaction.)");
                assertThat(page.attribute("step-confirmed", "class")).doesNotContain("done");
                assertThat(page.text("block-number")).as("not waiting for anything any more").isEqualTo("none: it was not mined");
                assertThat(chain.balance(address)).isZero();

                proxy.sends = SendProxy.Sends.PASS;
                browser.await("the button is back", d -> page.canRequest());
                page.request();
                FaucetPage.ShownGrant paid = page.awaitGrant("confirmed");
                assertThat(paid.txHash()).isNotEqualTo(failed.txHash());
                assertThat(chain.balance(address)).as("the quota was given back: paid now").isEqualTo(Wei.ofDyt("10").value());
                page.assertCleanConsole();
            }
        }
    }

    private static int grants(LiveServer server, String address) {
        return server.http.send(HttpRequest.newBuilder(server.http.uri("/api/admin/grants?address=" + address))
                .header("Authorization", "Bearer " + LiveServer.ADMIN_TOKEN)).json().path("count").asInt();
    }
}
