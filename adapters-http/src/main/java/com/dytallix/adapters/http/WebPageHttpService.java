package com.dytallix.adapters.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.HttpRoute;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.staticcontent.StaticContentService;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The faucet web page: {@code GET /} and its assets under {@code /assets/<version>/}, all from the
 * jar. The version is a digest of the assets, so they are cached for a year (a release that changes
 * them changes their URLs) while the page itself is revalidated on every load.
 */
final class WebPageHttpService implements HttpService {
    /** Every file under web/assets: they make the version, and they are kept in memory. */
    static final List<String> ASSETS = List.of("eth.js", "faucet.css", "faucet.js", "favicon.svg", "pow-worker.js", "scrypt.js");
    private static final String ASSET_ROUTE = "/assets/*";

    private final String assetsPath;
    private final WebDocument page;

    public WebPageHttpService() {
        String version = WebDocument.digest(ASSETS.stream().map(a -> WebDocument.resource("web/assets/" + a)).toArray(byte[][]::new))
                .substring(0, 12);
        this.assetsPath = "/assets/" + version;
        String html = new String(WebDocument.resource("web/index.html"), StandardCharsets.UTF_8).replace("@assets@", assetsPath);
        this.page = WebDocument.of(html.getBytes(StandardCharsets.UTF_8), "text/html; charset=utf-8");
    }

    @Override
    public void routing(HttpRules rules) {
        Routes.on(rules, "").path("/").get(page::send).register();
        // the static content answers HEAD itself, its headers the GET's; one route for both (as Routes does)
        rules.route(HttpRoute.builder().methods(Method.GET, Method.HEAD).path(assetsPath + "/*").handler((req, res) -> {
            RequestInfo.find().ifPresent(i -> i.route(ASSET_ROUTE));
            requireHttpDates(req);
            WebDocument.securityHeaders(res);
            res.header(HeaderNames.CACHE_CONTROL, "public, max-age=31536000, immutable");
            res.next();
        }).build());
        StaticContentService.ClassPathBuilder assets = StaticContentService.builder("web/assets");
        ASSETS.forEach(assets::addCacheInMemory);
        rules.register(assetsPath, assets.build());
    }

    /**
     * Helidon's static content reads If-Modified-Since and If-Unmodified-Since as dates and fails with
     * a 500 on one that is not; the request cannot be changed to leave it out, so it is refused here
     * as the client's error (browsers send back the Last-Modified they were given, always a date).
     */
    private static void requireHttpDates(ServerRequest req) {
        try {
            req.headers().ifModifiedSince();
            req.headers().ifUnmodifiedSince();
        } catch (RuntimeException notADate) {
            throw new ApiException(400, "INVALID_REQUEST",
                    "If-Modified-Since and If-Unmodified-Since must be HTTP dates such as Sun, 06 Nov 1994 08:49:37 GMT");
        }
    }
}
