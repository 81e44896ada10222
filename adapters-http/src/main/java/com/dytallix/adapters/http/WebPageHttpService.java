package com.dytallix.adapters.http;

import io.helidon.http.Method;
import io.helidon.webserver.http.HttpRoute;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The faucet web page: {@code GET /} and its assets under {@code /assets/<version>/}, all from the
 * jar and kept in memory. The version is a digest of the assets, so they are cached for a year (a
 * release that changes them changes their URLs) while the page itself is revalidated on every load.
 *
 * <p>The assets are served here rather than by Helidon's static content, which read
 * {@code If-Modified-Since} and {@code If-Unmodified-Since} as dates and failed with a 500 on one that
 * is not (RFC 9110 has such a header ignored; the static content cannot be told to), and said "not
 * modified" by throwing. A document here has an ETag and no date: a revalidation is by
 * {@code If-None-Match}, and a conditional date, valid or not, is ignored.
 */
final class WebPageHttpService implements HttpService {
    /** Every file under web/assets: they make the version, and they are kept in memory. */
    static final List<String> ASSETS = List.of("eth.js", "faucet.css", "faucet.js", "favicon.svg", "old-browser.js", "pow-worker.js",
            "scrypt.js");
    private static final String ASSET_ROUTE = "/assets/*";
    private static final String IMMUTABLE = "public, max-age=31536000, immutable";

    private final String assetsPath;
    private final WebDocument page;
    private final Map<String, WebDocument> assets;

    public WebPageHttpService() {
        Map<String, byte[]> files = ASSETS.stream().collect(Collectors.toMap(Function.identity(), a -> WebDocument.resource("web/assets/" + a)));
        String version = WebDocument.digest(ASSETS.stream().map(files::get).toArray(byte[][]::new)).substring(0, 12);
        this.assetsPath = "/assets/" + version;
        String html = new String(WebDocument.resource("web/index.html"), StandardCharsets.UTF_8).replace("@assets@", assetsPath);
        this.page = WebDocument.of(html.getBytes(StandardCharsets.UTF_8), "text/html; charset=utf-8");
        this.assets = files.entrySet().stream().collect(Collectors.toUnmodifiableMap(Map.Entry::getKey,
                e -> WebDocument.of(e.getValue(), contentType(e.getKey()), IMMUTABLE)));
    }

    /** The media type of an asset, by its extension: the page's scripts are modules, which a browser runs only as JavaScript. */
    static String contentType(String asset) {
        String extension = asset.substring(asset.lastIndexOf('.') + 1);
        return switch (extension) {
            case "js" -> "text/javascript; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "svg" -> "image/svg+xml";
            default -> throw new IllegalStateException("no media type for the asset " + asset);
        };
    }

    @Override
    public void routing(HttpRules rules) {
        Routes.on(rules, "").path("/").get(page::send).register();
        // one route for GET and HEAD, as Routes makes, labelled as one whatever the asset (never its URL)
        rules.route(HttpRoute.builder().methods(Method.GET, Method.HEAD).path(assetsPath + "/{asset}").handler((req, res) -> {
            RequestInfo.find().ifPresent(i -> i.route(ASSET_ROUTE));
            WebDocument asset = assets.get(req.path().pathParameters().get("asset"));
            if (asset == null) {
                throw ApiException.notFound("no such asset in this release");
            }
            asset.send(req, HeadResponse.forRequest(req, res));
        }).build());
    }
}
