package com.dytallix.bootstrap.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.bootstrap.testing.Browser;
import java.util.List;
import org.openqa.selenium.WebElement;

/** The faucet page as a person sees and uses it, by the ids the page gives its parts. */
final class FaucetPage {
    private final Browser browser;
    private final String base;

    FaucetPage(Browser browser, String base) {
        this.browser = browser;
        this.base = base;
    }

    /** Opens the page and waits until it shows what the faucet said about itself. */
    void open() {
        browser.open(base + "/");
        browser.await("the page shows the chain height", d -> !text("height").equals("–"));
    }

    void type(String address) {
        WebElement input = browser.byId("address");
        input.clear();
        input.sendKeys(address);
    }

    /** What the page says about the typed address: empty, incomplete, short, malformed, checksum or valid. */
    String addressState() {
        return attribute("address-hint", "data-state");
    }

    boolean canRequest() {
        return browser.byId("request").isEnabled();
    }

    void request() {
        browser.byId("request").click();
    }

    /** Waits until the grant on the page reaches {@code status}, and returns what the page shows of it. */
    ShownGrant awaitGrant(String status) {
        browser.await("the grant is shown as " + status + " (now: " + text("grant-status") + ", error: " + text("error") + ")",
                d -> status.equals(attribute("grant-status", "data-status")));
        String block = text("block-number");
        long number = block.matches("[0-9,]+ .*") ? Long.parseLong(block.substring(0, block.indexOf(' ')).replace(",", "")) : -1;
        return new ShownGrant(text("tx-hash"), number, text("grant-amount"), text("grant-status"));
    }

    record ShownGrant(String txHash, long block, String amount, String words) {
    }

    /** Waits until the page shows a refusal, and returns its code and words. */
    ShownError awaitError() {
        browser.await("the page shows a refusal", d -> browser.byId("error").isDisplayed());
        return new ShownError(attribute("error", "data-code"), text("error"), attribute("error", "data-reset-at"));
    }

    record ShownError(String code, String words, String resetAt) {
    }

    String text(String id) {
        return browser.byId(id).getText().strip();
    }

    boolean shown(String id) {
        return browser.byId(id).isDisplayed();
    }

    String attribute(String id, String name) {
        String value = browser.byId(id).getDomAttribute(name);
        return value == null ? "" : value;
    }

    /** No CSP refusal and no script error reached the console. */
    void assertCleanConsole() {
        List<String> bad = browser.console().stream()
                .filter(line -> line.contains("Content Security Policy") || line.contains("Uncaught") || line.contains("SyntaxError"))
                .toList();
        assertThat(bad).as("browser console").isEmpty();
    }
}
