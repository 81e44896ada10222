package com.dytallix.bootstrap.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, installed with
 * apt-get when missing and the test runs as root, as on CI) driven through WebDriver, with a fresh
 * profile that dies with it. One per JVM ({@link #shared}): a start took 5-10 s of the loaded two-core
 * machine, and the browser tests started seven. Each test class has it for itself (surefire runs them one
 * after another) and hands it back clean ({@link #close}); its servers are origins of their own (a port
 * each), so nothing a page stored follows it to the next. Screenshots go to {@code target/screenshots/}.
 */
public final class Browser implements AutoCloseable {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    public static final Path SCREENSHOTS = Path.of("target", "screenshots");
    /** Generous: two cores shared by a whole build. */
    private static final Duration WAIT = Duration.ofSeconds(60);

    public final ChromeDriver driver;
    private final ChromeDriverService service;

    private Browser(ChromeDriver driver, ChromeDriverService service) {
        this.driver = driver;
        this.service = service;
    }

    private static Browser shared;

    /** The JVM's Chromium, started on first use (or again, should it have died), quit when the JVM exits. */
    public static synchronized Browser shared() {
        if (shared == null || !shared.alive()) {
            Path profile;
            try {
                profile = Files.createTempDirectory("dytallix-chromium-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Browser started = start(profile);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                started.quit();
                try {
                    new ProcessBuilder("rm", "-rf", profile.toString()).start().waitFor(30, TimeUnit.SECONDS);
                } catch (IOException | InterruptedException ignored) {
                    // a temporary directory: the system cleans it eventually
                }
            }, "chromium-stopper"));
            shared = started;
        }
        return shared;
    }

    private boolean alive() {
        try {
            driver.getWindowHandle();
            return true;
        } catch (RuntimeException gone) {
            return false;
        }
    }

    /** Starts Chromium with a desktop-sized window; {@code profile} is a fresh directory for its user data. */
    private static Browser start(Path profile) {
        ensureInstalled();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // what Chromium needs to run headless as root on a machine without a display or outside network
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--no-proxy-server", "--window-size=1024,900", "--user-data-dir=" + profile.toAbsolutePath());
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        try {
            return new Browser(new ChromeDriver(service, options), service);
        } catch (RuntimeException e) {
            service.stop();
            throw e;
        }
    }

    /** CI installs Chromium in .ci/run; a developer's machine gets it here the first time (as root only). */
    private static synchronized void ensureInstalled() {
        if (Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER)) {
            return;
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("the browser tests need Debian's chromium and chromium-driver: "
                    + "sudo apt-get install -y chromium chromium-driver");
        }
        run(List.of("apt-get", "install", "-y", "chromium", "chromium-driver"));
        if (!Files.isExecutable(CHROMIUM)) {
            run(List.of("apt-get", "update"));
            run(List.of("apt-get", "install", "-y", "chromium", "chromium-driver"));
        }
    }

    private static void run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public void open(String url) {
        driver.get(url);
    }

    public WebElement byId(String id) {
        return driver.findElement(By.id(id));
    }

    /** Waits (up to a minute) until {@code condition} gives a non-null, non-false value, and returns it. */
    public <T> T await(String what, Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, WAIT).withMessage(what).until(condition);
    }

    public void viewport(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
    }

    /**
     * The browser's network as DevTools emulates it for the page's requests: {@code offline} fails every request as a
     * lost connection does; {@code latencyMs} delays every request (a slow way to the server).
     */
    public void network(boolean offline, long latencyMs) {
        driver.executeCdpCommand("Network.enable", Map.of());
        driver.executeCdpCommand("Network.emulateNetworkConditions", Map.of("offline", offline, "latency", latencyMs,
                "downloadThroughput", -1, "uploadThroughput", -1));
    }

    /** The page as it is now, in target/screenshots/{name}.png. */
    public Path screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path file = SCREENSHOTS.resolve(name + ".png");
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The browser console since the last call: CSP refusals, script errors, failed loads. */
    public List<String> console() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream().map(LogEntry::toString).toList();
    }

    /**
     * Hands the shared browser back as a test class found it: the page's storage emptied, script and network as
     * Chromium has them, cookies and cache gone, a blank page at the desktop size, the console read out.
     */
    @Override
    public void close() {
        if (driver.getCurrentUrl().startsWith("http")) {
            driver.executeScript("localStorage.clear(); sessionStorage.clear();");
        }
        driver.executeCdpCommand("Emulation.setScriptExecutionDisabled", Map.of("value", false));
        network(false, 0);
        driver.executeCdpCommand("Network.clearBrowserCookies", Map.of());
        driver.executeCdpCommand("Network.clearBrowserCache", Map.of());
        driver.get("about:blank");
        viewport(1024, 900);
        console();
    }

    private void quit() {
        try {
            driver.quit();
        } finally {
            service.stop();
        }
    }
}
