package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The faucet page and /openapi.yaml over real HTTP: what a browser and a cache are told. */
class WebPageTest {
    private static final Pattern ASSET = Pattern.compile("(?:src|href)=\"(/assets/[0-9a-f]{12}/[a-z-]+\\.(?:js|css|svg))\"");
    @RegisterExtension
    static final TestApi api = TestApi.start();

    @Test
    void thePageIsHtmlUnderAStrictPolicyAndRevalidatedOnEveryLoad() throws InterruptedException {
        api.observed.clear();
        var page = api.get("/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(page.header("Cache-Control")).contains("no-cache");
        assertThat(page.header("X-Content-Type-Options")).contains("nosniff");
        assertThat(page.header("X-Frame-Options")).contains("DENY");
        String csp = page.header("Content-Security-Policy").orElseThrow();
        assertThat(csp).contains("default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'")
                .doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:");
        // nothing the policy refuses: no inline script, handler or style, nothing from elsewhere
        assertThat(page.body()).doesNotContainPattern("<script(?![^>]*\\bsrc=)")
                .doesNotContainPattern("\\son[a-z]+=")
                .doesNotContain("style=", "<style", "http://", "https://", "@assets@");
        awaitObserved("GET / 200");

        var again = api.get("/", "If-None-Match", page.header("ETag").orElseThrow());
        assertThat(again.status()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
    }

    @Test
    void assetsComeFromTheJarUnderAVersionedPathAndAreCachedForAYear() throws InterruptedException {
        api.observed.clear();
        String page = api.get("/").body();
        Matcher m = ASSET.matcher(page);
        int found = 0;
        while (m.find()) {
            found++;
            var asset = api.get(m.group(1));
            assertThat(asset.status()).as(m.group(1)).isEqualTo(200);
            assertThat(asset.header("Cache-Control")).contains("public, max-age=31536000, immutable");
            assertThat(asset.header("X-Content-Type-Options")).contains("nosniff");
            assertThat(asset.header("Content-Type").orElseThrow()).as(m.group(1))
                    .matches(m.group(1).endsWith(".css") ? "text/css.*" : m.group(1).endsWith(".svg") ? "image/svg\\+xml.*" : "(text|application)/javascript.*");
        }
        awaitObserved("GET /assets/* 200");
        assertThat(api.observed).as("one route label for every asset, never its URL").noneMatch(o -> o.contains("/assets/") && !o.contains("/assets/*"));
        assertThat(found).isEqualTo(3);
        String version = page.replaceAll("(?s).*/assets/([0-9a-f]{12})/.*", "$1");
        // the worker and the modules it imports are served beside the page's script
        assertThat(api.get("/assets/" + version + "/pow-worker.js").status()).isEqualTo(200);
        assertThat(api.get("/assets/" + version + "/scrypt.js").status()).isEqualTo(200);
        var missing = api.get("/assets/" + version + "/nothing.js");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body()).contains("\"code\":\"NOT_FOUND\"");
        assertThat(api.get("/assets/000000000000/faucet.js").status()).isEqualTo(404);
    }

    @Test
    void anAssetIsRevalidatedAndAConditionalDateThatIsNotADateIsTheClientsError() {
        String css = ASSET.matcher(api.get("/").body()).results().map(r -> r.group(1)).filter(a -> a.endsWith(".css")).findFirst().orElseThrow();
        var asset = api.get(css);
        assertThat(api.get(css, "If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT").body()).isEqualTo(asset.body());
        // a browser revalidating: Helidon's static content says 304 by throwing, which was answered 400 until round 15
        var byTag = api.get(css, "If-None-Match", asset.header("ETag").orElseThrow());
        var byDate = api.get(css, "If-Modified-Since", asset.header("Last-Modified").orElseThrow());
        assertThat(byTag.status()).isEqualTo(304);
        assertThat(byTag.body()).isEmpty();
        assertThat(byDate.status()).isIn(200, 304); // Helidon compares with the file's time in milliseconds: 200
        // Helidon's static content answered each of these with 500 INTERNAL_ERROR and a stack trace
        for (String header : new String[] {"If-Modified-Since", "If-Unmodified-Since"}) {
            for (String date : new String[] {"yesterday", "Mon, 99 Foo 2026 99:99:99 GMT"}) {
                var refused = api.get(css, header, date);
                assertThat(refused.status()).as(header + ": " + date).isEqualTo(400);
                assertThat(refused.body()).as(header + ": " + date).contains("\"code\":\"INVALID_REQUEST\"", "must be HTTP dates");
            }
        }
    }

    @Test
    void theOpenApiDescriptionIsTheFileInDocs() throws Exception {
        var yaml = api.get("/openapi.yaml");
        assertThat(yaml.status()).isEqualTo(200);
        assertThat(yaml.header("Content-Type").orElseThrow()).startsWith("application/yaml");
        assertThat(yaml.body()).isEqualTo(Files.readString(Path.of("..", "docs", "openapi.yaml"), StandardCharsets.UTF_8));
    }

    @Test
    void otherMethodsOnThePageAre405() {
        var post = api.send("POST", "/", "{}", "Content-Type", "application/json");
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.header("Allow")).contains("GET, HEAD, OPTIONS");
    }

    @Test
    void withTheWebPageOffTheRootIsTheJson404AndTheApiStays() {
        try (TestApi off = TestApi.start(o -> o.webPage = false)) {
            var root = off.get("/");
            assertThat(root.status()).isEqualTo(404);
            assertThat(root.body()).contains("\"code\":\"NOT_FOUND\"");
            assertThat(off.get("/openapi.yaml").status()).isEqualTo(200);
            assertThat(off.get("/api/status").status()).isEqualTo(200);
        }
    }

    /** The edge reports a request after its answer is sent, so the test may see the answer first. */
    private static void awaitObserved(String entry) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!api.observed.contains(entry) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(api.observed).contains(entry);
    }
}
