package com.dytallix.bootstrap.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.testing.Browser;
import com.dytallix.bootstrap.testing.LiveServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Keys;
import org.openqa.selenium.interactions.Actions;

/**
 * With proof of work on, the page fetches a challenge, solves it in its Web Worker with visible
 * progress, and the server's verifier accepts the solution: the grant is paid and confirmed. The
 * visitor's IP is on the reputation list, so the page also shows the smaller payout and why.
 */
class FaucetPageProofOfWorkTest {
    /** 6 bits: about 64 tries; a small N keeps each try a few milliseconds on a loaded machine. */
    private static final int DIFFICULTY = 6;

    @TempDir
    static Path dir;
    private static LiveServer server;
    private static Browser browser;

    @BeforeAll
    static void start() throws Exception {
        Path reputation = Files.writeString(dir.resolve("reputation.txt"), "# the test's browser\n127.0.0.1\n");
        server = LiveServer.start(Map.of("PORT", "0", "HOST", "127.0.0.1", "DEV_BLOCK_TIME_MS", "300", "STATUS_REFRESH_MS", "200",
                "FAUCET_POW_DIFFICULTY", Integer.toString(DIFFICULTY), "FAUCET_POW_SCRYPT_N", "1024",
                "REPUTATION_FILE", reputation.toString()), dir.resolve("server"));
        browser = Browser.shared();
    }

    @AfterAll
    static void stop() {
        try (LiveServer s = server; Browser b = browser) {
            // browser first, then the server
        }
    }

    @Test
    void thePageSolvesTheProofOfWorkInAWorkerAndTheServerAcceptsIt() {
        FaucetPage page = new FaucetPage(browser, server.http.base());
        page.open();
        assertThat(page.text("pow-difficulty")).startsWith("on (" + DIFFICULTY + " bits");
        assertThat(page.text("payout")).isEqualTo("1 DYT");
        assertThat(page.text("request")).isEqualTo("Request 1 DYT");
        page.type("0x52908400098527886E0F7030069857D2E4169EE7");
        page.request();

        browser.await("the proof of work is shown", d -> page.shown("pow"));
        browser.await("the proof of work is solved", d -> page.text("pow-text").startsWith("Puzzle solved after"));
        assertThat(page.attribute("pow-progress", "value")).isEqualTo("100");
        browser.screenshot("proof-of-work-solved");
        FaucetPage.ShownGrant grant = page.awaitGrant("confirmed");
        assertThat(grant.txHash()).matches("0x[0-9a-f]{64}");
        assertThat(grant.amount()).isEqualTo("1 DYT (reduced: requests from your network get a smaller share)");
        browser.screenshot("proof-of-work-grant-confirmed");
        page.assertCleanConsole();
    }

    /**
     * A puzzle that takes long (24 bits: millions of tries): the page says how long, from the speed it measures, and a
     * person with the keyboard alone can cancel it; nothing is requested, and the button is back.
     */
    @Test
    void aLongProofOfWorkSaysHowLongItTakesAndTheKeyboardCancelsIt() {
        try (LiveServer hard = LiveServer.start(Map.of("PORT", "0", "HOST", "127.0.0.1", "DEV_BLOCK_TIME_MS", "300",
                "FAUCET_POW_DIFFICULTY", "24", "FAUCET_POW_SCRYPT_N", "1024"), dir.resolve("hard"))) {
            FaucetPage page = new FaucetPage(browser, hard.http.base());
            page.open();
            Actions keys = new Actions(browser.driver);
            keys.sendKeys(Keys.TAB).sendKeys("0xb5d85cbf7cb3ee0d56b3bb207d5fc4b82f43f511").sendKeys(Keys.TAB).perform();
            assertThat(page.canRequest()).isTrue();
            keys.sendKeys(Keys.ENTER).perform();

            browser.await("the page says how long the puzzle takes", d -> page.text("pow-text").endsWith("in all. You can cancel it."));
            assertThat(page.text("pow-count")).matches("[0-9,]+ of about 16,777,216 tries, about [0-9]+ (s|min|h)( [0-9]+ min)? left\\.");
            assertThat(page.text("pow-text")).matches("Solving a small puzzle in your browser so the faucet stays fair: about .+ in all\\. "
                    + "You can cancel it\\.");
            assertThat(page.text("request")).isEqualTo("Requesting…");
            assertThat(activeId()).as("focus goes to Cancel, not lost with the disabled button").isEqualTo("pow-cancel");
            browser.screenshot("proof-of-work-long");

            keys.sendKeys(Keys.ESCAPE).perform();
            FaucetPage.ShownError cancelled = page.awaitError();
            assertThat(cancelled.code()).isEqualTo("CANCELLED");
            assertThat(cancelled.words()).isEqualTo("You cancelled the proof of work; nothing was requested. Press the button to start again.");
            assertThat(page.shown("pow")).isFalse();
            browser.await("the button is back", d -> page.canRequest());
            assertThat(page.text("request")).isEqualTo("Request 10 DYT");
            assertThat(activeId()).as("focus on the message, read out").isEqualTo("error");
            assertThat(hard.http.get("/api/status").json().path("mempoolBacklog").asInt()).isZero();
            page.assertCleanConsole();
        }
    }

    private static String activeId() {
        return (String) browser.driver.executeScript("return document.activeElement && document.activeElement.id;");
    }
}
