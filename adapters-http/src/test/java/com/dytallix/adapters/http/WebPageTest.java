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
        assertThat(found).isEqualTo(4);
        String version = page.replaceAll("(?s).*/assets/([0-9a-f]{12})/.*", "$1");
        // the worker and the modules it imports are served beside the page's script
        assertThat(api.get("/assets/" + version + "/pow-worker.js").status()).isEqualTo(200);
        assertThat(api.get("/assets/" + version + "/scrypt.js").status()).isEqualTo(200);
        var missing = api.get("/assets/" + version + "/nothing.js");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body()).contains("\"code\":\"NOT_FOUND\"");
        assertThat(api.get("/assets/000000000000/faucet.js").status()).isEqualTo(404);
    }

    /**
     * A browser that cannot run {@code <script type="module">} skips the page's script and would show a page with nothing to
     * press: a classic script loaded with {@code nomodule} (which every browser able to run the page skips) says the
     * browser is too old, and gives the curl line. Served as JavaScript beside the page's script, in the oldest syntax.
     */
    @Test
    void aBrowserTooOldForModulesIsToldSoByAClassicNomoduleScript() {
        String page = api.get("/").body();
        Matcher tag = Pattern.compile("<script nomodule defer src=\"(/assets/[0-9a-f]{12}/old-browser\\.js)\"></script>").matcher(page);
        assertThat(tag.find()).as(page).isTrue();
        assertThat(page.indexOf("type=\"module\"")).as("the module first").isLessThan(tag.start());
        var script = api.get(tag.group(1));
        assertThat(script.status()).isEqualTo(200);
        assertThat(script.header("Content-Type").orElseThrow()).startsWith("text/javascript");
        assertThat(script.body()).contains("This browser is too old for the faucet page", "curl -X POST", "/api/faucet")
                .as("a classic script an old browser parses: no module syntax, no let/const, no arrow, no template")
                .doesNotContainPattern("\\b(import|export|let|const|class|async|await)\\b|=>|`");
    }

    @Test
    void anAssetIsRevalidatedByItsETagAndAConditionalDateIsIgnoredDateOrNot() {
        String page = api.get("/").body();
        String css = ASSET.matcher(page).results().map(r -> r.group(1)).filter(a -> a.endsWith(".css")).findFirst().orElseThrow();
        var asset = api.get(css);
        String etag = asset.header("ETag").orElseThrow();
        // a browser revalidating: 304 by the ETag
        var byTag = api.get(css, "If-None-Match", etag);
        assertThat(byTag.status()).isEqualTo(304);
        assertThat(byTag.body()).isEmpty();
        assertThat(byTag.header("ETag")).contains(etag);
        // RFC 9110 13.1.3/13.1.4: a conditional date that is not an HTTP date is ignored, and so is a date
        // where the document has none; Helidon's static content answered 500 (400 here from round 15 to 16)
        for (String path : new String[] {css, "/"}) {
            String body = path.equals("/") ? page : asset.body();
            for (String header : new String[] {"If-Modified-Since", "If-Unmodified-Since"}) {
                for (String date : new String[] {"yesterday", "Mon, 99 Foo 2026 99:99:99 GMT", "Sun, 06 Nov 1994 08:49:37 GMT",
                        "Sun, 06 Nov 2994 08:49:37 GMT"}) {
                    String what = path + " " + header + ": " + date;
                    var get = api.get(path, header, date);
                    assertThat(get.status()).as(what).isEqualTo(200);
                    assertThat(get.body()).as(what).isEqualTo(body);
                    var head = api.send("HEAD", path, null, header, date);
                    assertThat(head.status()).as("HEAD " + what).isEqualTo(200);
                    assertThat(head.body()).as("HEAD " + what).isEmpty();
                    assertThat(head.header("Content-Length")).as("HEAD " + what)
                            .contains(String.valueOf(body.getBytes(StandardCharsets.UTF_8).length));
                    assertThat(head.header("Content-Type")).as("HEAD " + what).isEqualTo(get.header("Content-Type"));
                    // with the ETag beside it, the date is ignored as well and the answer is the ETag's
                    String tag = path.equals("/") ? api.get("/").header("ETag").orElseThrow() : etag;
                    assertThat(api.get(path, header, date, "If-None-Match", tag).status()).as(what + " and its ETag").isEqualTo(304);
                    assertThat(api.send("HEAD", path, null, header, date, "If-None-Match", tag).status()).as("HEAD " + what + " and its ETag")
                            .isEqualTo(304);
                }
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
