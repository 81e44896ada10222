package com.dytallix.bootstrap.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.Browser;
import com.dytallix.bootstrap.testing.LiveServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * The faucet page in a real headless Chromium against the real server on its embedded dev chain:
 * a person's path from an empty page to a confirmed grant, refusals in plain words (a second
 * request, a blocked address), the paused banner, a phone-sized screen and the keyboard alone. Each state is photographed into
 * target/screenshots/.
 */
class FaucetPageTest {
    private static final String ADMIN_TOKEN = "web-test-admin-token-0123456789abcdefgh";

    @TempDir
    static Path dir;
    private static LiveServer server;
    private static Browser browser;
    private static FaucetPage page;

    @BeforeAll
    static void start() {
        // 16 confirmations, about 5 s: long enough to see a grant in its block before it is confirmed; the browser is
        // one client asking for several addresses, so its per-IP limits are widened
        server = LiveServer.start(Map.of("PORT", "0", "HOST", "127.0.0.1", "DEV_BLOCK_TIME_MS", "300",
                "STATUS_REFRESH_MS", "200", "ADMIN_TOKEN", ADMIN_TOKEN, "FAUCET_CONFIRMATIONS", "16",
                "SUSPICIOUS_ADDRESSES_PER_IP_PER_HOUR", "100", "RATE_LIMIT_PER_IP_PER_DAY", "100"), dir.resolve("server"));
        browser = Browser.shared();
        page = new FaucetPage(browser, server.http.base());
    }

    @AfterAll
    static void stop() {
        try {
            if (browser != null) {
                browser.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    @BeforeEach
    void desktop() {
        browser.viewport(1024, 900);
    }

    @AfterEach
    void nothingWasRefusedByThePolicyOrBroken() {
        page.assertCleanConsole();
    }

    /** The hint under the address is a live region: a screen reader hears each verdict once, not every key typed. */
    @Test
    void aScreenReaderHearsTheAddressVerdictOnceNotAtEveryKey() {
        page.open();
        browser.driver.executeScript("window.heard = []; const hint = document.getElementById('address-hint');"
                + "new MutationObserver(() => { if (hint.getAttribute('aria-live') !== 'off') window.heard.push(hint.textContent); })"
                + ".observe(hint, {childList: true, characterData: true, subtree: true});");
        WebElement input = browser.byId("address");
        input.sendKeys("0xZZZZ");
        assertThat(page.addressState()).isEqualTo("malformed");
        input.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
        input.sendKeys("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
        assertThat(page.addressState()).isEqualTo("valid");
        assertThat(browser.driver.executeScript("return window.heard;")).as("what a screen reader reads out")
                .isEqualTo(List.of("This is not an address: it must be 0x followed by 40 hexadecimal characters (0-9, a-f).",
                        "Valid address."));
    }

    @Test
    void aPersonGoesFromAnEmptyPageToAConfirmedGrantWhoseTransactionIsOnChain() {
        String address = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
        page.open();
        assertThat(page.text("balance")).isEqualTo("1,000,000 DYT");
        assertThat(page.text("height")).matches("[0-9,]+");
        assertThat(page.canRequest()).as("nothing typed yet").isFalse();
        browser.screenshot("page-empty");

        page.type(address);
        assertThat(page.addressState()).isEqualTo("valid");
        assertThat(page.canRequest()).isTrue();
        page.request();
        FaucetPage.ShownGrant grant = page.awaitGrant("confirmed");
        browser.screenshot("grant-confirmed-dev-chain");

        assertThat(grant.words()).startsWith("Confirmed in block");
        assertThat(grant.amount()).isEqualTo("10 DYT");
        assertThat(grant.txHash()).matches("0x[0-9a-f]{64}");
        JsonNode receipt = relay("eth_getTransactionReceipt", grant.txHash());
        assertThat(receipt.path("status").asText()).isEqualTo("0x1");
        assertThat(receipt.path("to").asText()).isEqualToIgnoringCase(address);
        assertThat(Long.decode(receipt.path("blockNumber").asText())).isEqualTo(grant.block());
        assertThat(server.http.get("/api/balance?address=" + address).field("balance")).isEqualTo("10");
    }

    @Test
    void aSecondRequestIsRefusedInPlainWordsWithTheTimeToComeBack() {
        page.open();
        page.type("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359");
        page.request();
        page.awaitGrant("confirmed");

        page.request();
        FaucetPage.ShownError refusal = page.awaitError();
        browser.screenshot("second-request-refused");
        assertThat(refusal.code()).isEqualTo("RATE_LIMIT");
        assertThat(refusal.words()).startsWith("This address has already received DYT recently. Come back at ")
                .matches(".*\\(in (23 h [0-9]+ min|24 h)\\)\\.");
        Instant resetAt = Instant.parse(refusal.resetAt());
        assertThat(resetAt).isBetween(Instant.now().plus(Duration.ofHours(23)), Instant.now().plus(Duration.ofHours(25)));
        assertThat(page.shown("result")).as("the refused request shows no grant").isFalse();
    }

    @Test
    void anInvalidAddressIsShownAsInvalidBeforeAnythingIsSent() {
        page.open();
        page.type("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD");
        assertThat(page.addressState()).isEqualTo("checksum");
        assertThat(page.text("address-hint")).contains("EIP-55 checksum");
        assertThat(page.attribute("address", "aria-invalid")).isEqualTo("true");
        assertThat(page.canRequest()).isFalse();
        browser.screenshot("address-bad-checksum");

        page.type("hello");
        assertThat(page.addressState()).isEqualTo("malformed");
        assertThat(page.canRequest()).isFalse();
        browser.screenshot("address-malformed");

        page.type("0x5aAeb6053F");
        assertThat(page.addressState()).as("still typing").isEqualTo("incomplete");
        browser.byId("address").sendKeys(Keys.TAB);
        assertThat(page.addressState()).as("left unfinished").isEqualTo("short");
        assertThat(page.text("address-hint")).contains("this one has 10");

        page.type("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
        assertThat(page.addressState()).as("all lower case has no checksum to check").isEqualTo("valid");
        // pressing Enter on an invalid address sends nothing
        page.type("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD");
        browser.byId("address").sendKeys(Keys.ENTER);
        assertThat(page.shown("result")).isFalse();
        JsonNode grants = server.http.send(HttpRequest.newBuilder(server.http.uri("/api/admin/grants?address=0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"))
                .header("Authorization", "Bearer " + ADMIN_TOKEN)).json();
        assertThat(grants.toString()).doesNotContain("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD");
    }

    @Test
    void thePausedBannerShowsTheOperatorsReason() {
        page.open();
        page.type("0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB");
        assertThat(page.canRequest()).isTrue();
        String reason = "Upgrading the node; back at 15:00 UTC";
        admin("/api/admin/pause", "{\"reason\": \"" + reason + "\"}");
        try {
            browser.await("the paused banner appears without a reload", d -> page.shown("paused"));
            assertThat(page.text("paused")).isEqualTo("The faucet is paused. " + reason
                    + ". Requests are turned off until it resumes; this page notices by itself.");
            assertThat(page.canRequest()).as("no request while paused").isFalse();
            browser.screenshot("faucet-paused");
        } finally {
            admin("/api/admin/resume", "{}");
        }
        browser.await("the banner goes when the faucet resumes", d -> !page.shown("paused"));
        assertThat(page.canRequest()).isTrue();
    }

    /**
     * An operator's reason that says "the chain was reset" is the operator's words, not a reset: the page tells a reset by
     * the answers' chainReset field (null here), so it says the reason as given and nothing of a new chain. Before, it
     * searched the reason for those words and showed the reset's banner instead of the operator's reason.
     */
    @Test
    void anOperatorsReasonThatSaysTheChainWasResetIsShownAsTheOperatorsWordsNotAsAReset() {
        page.open();
        String reason = "the chain was reset last night by the validators; back at 15:00 UTC";
        admin("/api/admin/pause", "{\"reason\": \"" + reason + "\"}");
        try {
            browser.await("the paused banner", d -> page.shown("paused"));
            assertThat(server.http.get("/api/faucet/info").json().get("chainReset").isNull()).isTrue();
            assertThat(page.text("paused")).isEqualTo("The faucet is paused. The chain was reset last night by the validators;"
                    + " back at 15:00 UTC. Requests are turned off until it resumes; this page notices by itself.");
            browser.screenshot("faucet-paused-operator-says-reset");
        } finally {
            admin("/api/admin/resume", "{}");
        }
        browser.await("the banner goes when the faucet resumes", d -> !page.shown("paused"));
    }

    @Test
    void aBlockedAddressIsSaidInPlainWords() {
        String address = "0x52908400098527886E0F7030069857D2E4169EE7";
        admin("/api/admin/blocks", "{\"target\": \"" + address + "\", \"reason\": \"drained the faucet with scripts\"}");
        page.open();
        page.type(address);
        page.request();
        FaucetPage.ShownError refusal = page.awaitError();
        browser.screenshot("address-blocked");
        assertThat(refusal.code()).isEqualTo("BLOCKED");
        assertThat(refusal.words()).isEqualTo("This address is blocked by the faucet operator.");
    }

    @Test
    void onAPhoneSizedScreenEverythingFitsWithoutSidewaysScrolling() {
        browser.viewport(390, 844);
        page.open();
        page.type("0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb");
        assertThat(page.addressState()).isEqualTo("valid");
        long overflow = (Long) browser.driver.executeScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertThat(overflow).as("horizontal overflow in px").isLessThanOrEqualTo(0);
        WebElement button = browser.byId("request");
        long viewport = (Long) browser.driver.executeScript("return document.documentElement.clientWidth;");
        assertThat(button.getRect().getX()).isGreaterThanOrEqualTo(0);
        assertThat(button.getRect().getX() + button.getRect().getWidth()).isLessThanOrEqualTo((int) viewport);
        assertThat(button.getRect().getHeight()).as("a thumb-sized target").isGreaterThanOrEqualTo(40);
        // 16 px or more: phones do not zoom into the field when it gets focus
        assertThat(browser.byId("address").getCssValue("font-size")).isEqualTo("16px");
        browser.screenshot("phone");
    }

    @Test
    void theKeyboardAloneIsEnough() {
        page.open();
        Actions keys = new Actions(browser.driver);
        keys.sendKeys(Keys.TAB).perform();
        assertThat(activeId()).as("the first Tab reaches the address").isEqualTo("address");
        keys.sendKeys("0x8617E340B3D01FA5F11F306F4090FD50E238070D").perform();
        assertThat(page.addressState()).isEqualTo("valid");
        keys.sendKeys(Keys.TAB).perform();
        assertThat(activeId()).as("the next Tab reaches the button").isEqualTo("request");
        keys.sendKeys(Keys.ENTER).perform();
        page.awaitGrant("confirmed");
        assertThat(activeId()).as("focus follows to the result, for screen readers too").isEqualTo("result");
        browser.screenshot("keyboard-only");
    }

    /**
     * Each render of the grant's card as the page did it, recorded in the page itself from before the request: the sentence
     * (a live region), its status, the block line, what to do, the steps, and how many changes the sentence's element
     * saw. Recorded there rather than read by the test after a wait: on a loaded machine the grant was confirmed
     * (16 blocks of 300 ms) before the test had looked twice, and the test read a confirmed card where it meant one in
     * its block.
     */
    private static final String RECORD_RENDERS = """
            window.renders = [];
            const status = document.getElementById('grant-status');
            window.firstSentence = status.textContent;
            new MutationObserver((changes) => {
              window.renders.push({sentence: status.textContent, status: status.dataset.status || '',
                block: document.getElementById('block-number').textContent,
                next: document.getElementById('grant-next').textContent,
                submitted: document.getElementById('step-submitted').classList.contains('done'),
                confirmed: document.getElementById('step-confirmed').classList.contains('done'),
                spoken: changes.filter((c) => c.target === status || status.contains(c.target)).length});
            }).observe(document.getElementById('result'), {childList: true, characterData: true, subtree: true});
            """;

    @Test
    @SuppressWarnings("unchecked")
    void aGrantInABlockNotYetConfirmedSaysSoAndAScreenReaderHearsOnlyChanges() {
        page.open();
        browser.driver.executeScript(RECORD_RENDERS);
        page.type("0x1db3439a222c519ab44bb1144fc28167b4fa6ee6");
        page.request();
        browser.await("the grant is shown in its block (now: " + page.text("grant-status") + ")",
                d -> page.text("grant-status").startsWith("In block ") || page.text("grant-status").startsWith("Confirmed"));
        browser.screenshot("grant-in-block");
        page.awaitGrant("confirmed");
        assertThat(page.text("block-number")).as("no \"of 16\" once it is confirmed").matches("[0-9,]+ \\([0-9]+ confirmations\\)");

        List<Map<String, Object>> renders = (List<Map<String, Object>>) browser.driver.executeScript("return window.renders;");
        List<Map<String, Object>> inBlock = renders.stream().filter(r -> ((String) r.get("sentence")).startsWith("In block ")).toList();
        // the page polls every second: its first render in the block, and at least one poll more that found it there still
        // (with a new count of confirmations), before its 16 confirmations (about 5 s; 4 renders in the block when quiet)
        assertThat(inBlock).as("renders of the grant in its block, of %s", renders).hasSizeGreaterThanOrEqualTo(2);
        for (Map<String, Object> shown : inBlock) {
            // the depth is the server's FAUCET_CONFIRMATIONS (16 here), as GET /api/faucet/info says, not a number the page assumes
            assertThat((String) shown.get("sentence")).matches("In block [0-9,]+; waiting for 16 confirmations before it counts as confirmed\\.");
            assertThat(shown.get("status")).as("still in its block").isEqualTo("submitted");
            // the count is the chain's, the status the faucet's: a loaded machine's tracker records the 16th a block or two
            // late, and the count stops at 16 meanwhile (aCountTheChainReachedBefore… below)
            assertThat(countOf((String) shown.get("block"))).as("%s", shown.get("block")).isBetween(1, 16);
            assertThat(shown.get("next")).isEqualTo("Nothing to do: this page follows it.");
            assertThat(shown.get("submitted")).as("step 'sent' done").isEqualTo(true);
            assertThat(shown.get("confirmed")).as("step 'confirmed' not done").isEqualTo(false);
        }
        // the sentence is a live region, and each write of it is read out again: written when it changes, never by a poll alone
        Object before = browser.driver.executeScript("return window.firstSentence;");
        for (int i = 0; i < renders.size(); i++) {
            Object sentence = renders.get(i).get("sentence");
            assertThat(((Number) renders.get(i).get("spoken")).longValue()).as("writes to the live region in render %d of %s", i, renders)
                    .isEqualTo(sentence.equals(before) ? 0 : 1);
            before = sentence;
        }
        assertThat(page.attribute("result", "aria-live")).as("the whole card is not re-read on every poll").isEmpty();
    }

    /**
     * The faucet's record a pass behind the chain, as a loaded machine's tracker is: a stand-in for the page's fetch answers
     * the first two polls that find the grant confirmed as the record said a pass earlier ({@code submitted}, with the
     * chain's count, by then past the depth).
     */
    private static final String RECORD_A_PASS_BEHIND = """
            window.lagged = 0;
            const realFetch = window.fetch.bind(window);
            window.fetch = async (input, init) => {
              const answer = await realFetch(input, init);
              const url = new URL(typeof input === 'string' ? input : input.url, location.href);
              if (!url.pathname.startsWith('/api/faucet/grants/') || !answer.ok || window.lagged >= 2) return answer;
              const grant = await answer.clone().json();
              if (grant.status !== 'confirmed') return answer;
              window.lagged++;
              return new Response(JSON.stringify({...grant, status: 'submitted'}),
                {status: 200, headers: {'Content-Type': 'application/json'}});
            };
            """;

    /**
     * A grant the chain has buried 16 blocks deep (or more) before the faucet has recorded it confirmed: the page says
     * "16 of 16 confirmations", never "18 of 16", and calls it confirmed once the faucet does, not before (what the page
     * says never runs ahead of what the API says).
     */
    @Test
    @SuppressWarnings("unchecked")
    void aCountTheChainReachedBeforeTheFaucetRecordedItConfirmedStopsAtTheDepth() {
        Object script = browser.driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", RECORD_A_PASS_BEHIND))
                .get("identifier");
        try {
            page.open();
            browser.driver.executeScript(RECORD_RENDERS);
            page.type("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
            page.request();
            page.awaitGrant("confirmed");
            assertThat(browser.driver.executeScript("return window.lagged;")).as("answers a pass behind").isEqualTo(2L);

            List<Map<String, Object>> renders = (List<Map<String, Object>>) browser.driver.executeScript("return window.renders;");
            List<Map<String, Object>> inBlock = renders.stream()
                    .filter(r -> "submitted".equals(r.get("status")) && ((String) r.get("block")).matches("[0-9,]+ \\(.*")).toList();
            assertThat(inBlock).as("renders in its block of %s", renders)
                    .anyMatch(r -> ((String) r.get("block")).endsWith("(16 of 16 confirmations)"));
            for (Map<String, Object> shown : inBlock) {
                assertThat(countOf((String) shown.get("block"))).as("%s", shown.get("block")).isBetween(1, 16);
                assertThat(shown.get("confirmed")).as("step 'confirmed' not done").isEqualTo(false);
            }
            assertThat(page.text("block-number")).as("confirmed: the chain's count, no \"of 16\"").matches("[0-9,]+ \\([0-9]+ confirmations\\)");
        } finally {
            browser.driver.executeCdpCommand("Page.removeScriptToEvaluateOnNewDocument", Map.of("identifier", script));
        }
    }

    /** The count in a block line, "1,234 (7 of 16 confirmations)": 7. */
    private static int countOf(String block) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("[0-9,]+ \\(([0-9]+) of 16 confirmations\\)").matcher(block);
        assertThat(m.matches()).as("a block line with its count of 16: %s", block).isTrue();
        return Integer.parseInt(m.group(1));
    }

    /**
     * The request limit's 429 (RATE_LIMIT_REQUESTS_PER_MINUTE: scope {@code requests}, Retry-After) as the server sends it,
     * given to the page by a stand-in for its fetch: the real limit's window is a minute, too long to wait for here.
     * {@code window.refuse = {count, method}} refuses that many of the page's next API calls (of that method, or any);
     * {@code window.apiCalls} is every API call the page made, refused or not, and when.
     */
    private static final String REFUSING_FETCH = """
            window.apiCalls = [];
            window.refuse = {count: 0, method: null};
            const realFetch = window.fetch.bind(window);
            window.fetch = (input, init) => {
              const url = new URL(typeof input === 'string' ? input : input.url, location.href);
              const method = (init && init.method) || 'GET';
              if (!url.pathname.startsWith('/api/')) return realFetch(input, init);
              const refused = window.refuse.count > 0 && (!window.refuse.method || window.refuse.method === method);
              window.apiCalls.push({path: url.pathname, method, at: Date.now(), refused});
              if (!refused) return realFetch(input, init);
              window.refuse.count--;
              const body = {code: 'RATE_LIMIT', message: 'too many requests from this client; retry after the time in Retry-After',
                details: {scope: 'requests', resetAt: new Date(Date.now() + 2000).toISOString()}, requestId: 'refused-by-the-test'};
              return Promise.resolve(new Response(JSON.stringify(body),
                {status: 429, headers: {'Content-Type': 'application/json', 'Retry-After': '2'}}));
            };
            """;

    @Test
    void tooManyRequestsFromTheNetworkIsSaidAndThePageSendsNothingUntilRetryAfterThenRecovers() {
        Object script = browser.driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", REFUSING_FETCH))
                .get("identifier");
        try {
            page.open();
            page.type("0x2546BcD3c84621e976D8185a91A922aE77ECEc30");
            page.request();
            browser.await("the grant is in its block (now: " + page.text("grant-status") + ")",
                    d -> page.text("grant-status").startsWith("In block "));

            // the page's next call, whichever it is (the grant's poll every second, the status every 5 s), is refused
            browser.driver.executeScript("window.refuse = {count: 1, method: null};");
            browser.await("the page says it was asked to slow down", d -> page.shown("throttled"));
            browser.screenshot("too-many-requests");
            assertThat(page.text("throttled")).matches("Too many requests from your network\\. The faucet asked this page to slow down "
                    + "\\(other pages and scripts on your connection count too\\); it tries again in [12] s by itself\\.");
            assertThat(page.canRequest()).as("a request now would be refused too").isFalse();
            browser.await("the banner goes when Retry-After has passed", d -> !page.shown("throttled"));
            page.awaitGrant("confirmed");
            assertNothingSentWhileWaiting();

            // the request itself refused so: said in plain words, and the button comes back by itself
            page.type("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720");
            browser.driver.executeScript("window.refuse = {count: 1, method: 'POST'};");
            page.request();
            FaucetPage.ShownError refusal = page.awaitError();
            assertThat(refusal.code()).isEqualTo("RATE_LIMIT");
            assertThat(refusal.words()).matches("Too many requests from your network \\(this page counts too\\)\\. "
                    + "Try again in [12] s; the button comes back by itself\\.");
            assertThat(page.shown("throttled")).isTrue();
            browser.await("the button comes back", d -> page.canRequest());
            assertThat(page.shown("throttled")).isFalse();
            assertNothingSentWhileWaiting();
        } finally {
            browser.driver.executeCdpCommand("Page.removeScriptToEvaluateOnNewDocument", Map.of("identifier", script));
        }
    }

    /** After each refused call, no call began before its Retry-After (2 s) but those already on their way with it. */
    @SuppressWarnings("unchecked")
    private static void assertNothingSentWhileWaiting() {
        List<Map<String, Object>> calls = (List<Map<String, Object>>) browser.driver.executeScript("return window.apiCalls;");
        for (Map<String, Object> refused : calls.stream().filter(c -> Boolean.TRUE.equals(c.get("refused"))).toList()) {
            long at = ((Number) refused.get("at")).longValue();
            assertThat(calls).as("calls after the one refused at %d", at).noneMatch(c -> {
                long after = ((Number) c.get("at")).longValue() - at;
                // the status and the faucet's terms are asked together: one may leave with the refused one
                return after > 100 && after < 1_950;
            });
        }
    }

    @Test
    void aServerThatCannotBeReachedIsSaidSoNotBlamedOnTheNodeAndThePageRecovers() {
        String address = "0x0da7ea1f84b0cc7c2f7f6d9ab3bc2e05b2fa8c41";
        page.open();
        page.type(address);
        browser.network(true, 0);
        try {
            browser.await("the page says it cannot reach the server", d -> page.shown("offline"));
            assertThat(page.text("offline")).startsWith("This page cannot reach the faucet server right now.");
            assertThat(page.shown("node-down")).as("the node is fine: nothing said about it").isFalse();
            page.request();
            FaucetPage.ShownError refusal = page.awaitError();
            browser.screenshot("server-unreachable");
            assertThat(refusal.code()).isEqualTo("OFFLINE");
            assertThat(refusal.words()).startsWith("The faucet server cannot be reached. Check your connection and press the button again");
            browser.await("the button is back for another try", d -> page.canRequest());
        } finally {
            browser.network(false, 0);
        }
        browser.await("the banner goes when the server answers again", d -> !page.shown("offline"));
        page.request();
        page.awaitGrant("confirmed");
        assertThat(grantsTo(address)).as("one grant").isEqualTo(1);
    }

    @Test
    void withoutJavaScriptThePageSaysWhatToDoInstead() {
        browser.driver.executeCdpCommand("Emulation.setScriptExecutionDisabled", Map.of("value", true));
        try {
            browser.open(server.http.base() + "/");
            String banner = browser.driver.findElement(By.cssSelector("noscript .banner")).getText();
            browser.screenshot("javascript-off");
            assertThat(banner).startsWith("This page needs JavaScript to request DYT: turn it on and reload.")
                    .contains("curl -X POST -H 'Content-Type: application/json' -d '{\"address\": \"0x…\"}' <this site>/api/faucet");
            assertThat(page.canRequest()).as("nothing to press that would do nothing").isFalse();
            assertThat(page.shown("request-form")).as("no form that cannot work").isFalse();
            assertThat(page.shown("facts")).as("no facts the script would have filled in").isFalse();
        } finally {
            browser.driver.executeCdpCommand("Emulation.setScriptExecutionDisabled", Map.of("value", false));
        }
    }

    /**
     * Chromium runs the page's module, so it skips the nomodule script for browsers too old for it: no banner. The same
     * script run where it would run shows its banner with the curl line, at the top of the page.
     */
    @Test
    void theScriptForBrowsersTooOldForModulesIsSkippedHereAndShowsItsBannerWhereItRuns() {
        page.open();
        assertThat(browser.driver.findElements(By.id("old-browser"))).as("skipped by a browser that runs modules").isEmpty();
        String html = server.http.get("/").body();
        String src = html.replaceAll("(?s).*<script nomodule defer src=\"([^\"]+)\".*", "$1");
        browser.driver.executeScript(server.http.get(src).body());
        String banner = browser.driver.findElement(By.id("old-browser")).getText();
        assertThat(banner).startsWith("This browser is too old for the faucet page.")
                .contains("curl -X POST -H 'Content-Type: application/json' -d '{\"address\": \"0x…\"}' " + server.http.base()
                        + "/api/faucet");
        browser.screenshot("old-browser-banner");
        page.open();
    }

    private static int grantsTo(String address) {
        return server.http.send(HttpRequest.newBuilder(server.http.uri("/api/admin/grants?address=" + address))
                .header("Authorization", "Bearer " + ADMIN_TOKEN)).json().path("count").asInt();
    }

    private static String activeId() {
        return (String) browser.driver.executeScript("return document.activeElement && document.activeElement.id;");
    }

    private static JsonNode relay(String method, Object... params) {
        String body = ApiClient.JSON.createObjectNode().put("method", method)
                .set("params", ApiClient.JSON.valueToTree(params)).toString();
        ApiClient.Response answer = server.http.post("/api/rpc", body);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.json().get("result");
    }

    private static void admin(String path, String json) {
        ApiClient.Response answer = server.http.post(path, json, "Authorization", "Bearer " + ADMIN_TOKEN);
        assertThat(answer.status()).as(path + ": " + answer.body()).isEqualTo(200);
    }
}
