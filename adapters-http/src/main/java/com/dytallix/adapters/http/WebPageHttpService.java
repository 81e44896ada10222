package com.dytallix.adapters.http;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The faucet web page: {@code GET /} and its assets under {@code /assets/<version>/}, all from the
 * jar. The version is a digest of the assets, so they are cached for a year (a release that changes
 * them changes their URLs) while the page itself is revalidated on every load. The assets are
 * served from memory as the page is ({@link WebDocument}), each with an ETag of its content.
 */
final class WebPageHttpService implements HttpService {
    /** Every file under web/assets: they make the version, and they are kept in memory. */
    static final List<String> ASSETS = List.of("eth.js", "faucet.css", "faucet.js", "favicon.svg", "pow-worker.js", "scrypt.js");
    private static final String ASSET_ROUTE = "/assets/*";

    private static final String IMMUTABLE = "public, max-age=31536000, immutable";

    private final String assetsPath;
    private final WebDocument page;
    private final Map<String, WebDocument> assets;

    public WebPageHttpService() {
        String version = WebDocument.digest(ASSETS.stream().map(a -> WebDocument.resource("web/assets/" + a)).toArray(byte[][]::new))
                .substring(0, 12);
        this.assetsPath = "/assets/" + version;
        String html = new String(WebDocument.resource("web/index.html"), StandardCharsets.UTF_8).replace("@assets@", assetsPath);
        this.page = WebDocument.of(html.getBytes(StandardCharsets.UTF_8), "text/html; charset=utf-8");
        this.assets = ASSETS.stream().collect(Collectors.toUnmodifiableMap(Function.identity(),
                a -> WebDocument.of(WebDocument.resource("web/assets/" + a), contentType(a))));
    }

    private static String contentType(String asset) {
        if (asset.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        } else if (asset.endsWith(".css")) {
            return "text/css; charset=utf-8";
        } else if (asset.endsWith(".svg")) {
            return "image/svg+xml";
        }
        throw new IllegalStateException("no content type for the asset " + asset);
    }

    @Override
    public void routing(HttpRules rules) {
        Routes.on(rules, "").path("/").get(page::send).register();
        rules.get(assetsPath + "/{asset}", (req, res) -> {
            WebDocument asset = assets.get(req.path().pathParameters().get("asset"));
            if (asset == null) {
                res.next(); // the 404 of every unknown path
                return;
            }
            RequestInfo.find().ifPresent(i -> i.route(ASSET_ROUTE));
            asset.send(req, res, IMMUTABLE);
        });
    }
}
