package com.dytallix.adapters.http;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

/** {@code GET /openapi.yaml}: docs/openapi.yaml as the build put it into the jar. */
final class OpenApiHttpService implements HttpService {
    private final WebDocument document = WebDocument.of(WebDocument.resource("openapi/openapi.yaml"), "application/yaml; charset=utf-8");

    @Override
    public void routing(HttpRules rules) {
        Routes.on(rules, "").path("/openapi.yaml").get(document::send).register();
    }
}
