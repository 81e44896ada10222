package com.dytallix.adapters.http;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * CORS for FRONTEND_ORIGIN. It only decorates answers: a preflight is an OPTIONS request, which the
 * routes answer themselves (204 with {@code Allow} for a known path, the JSON 404 otherwise), so
 * there is one OPTIONS mechanism. An origin not on the list gets no CORS header at all.
 */
final class Cors implements Filter {
    static final HeaderName ORIGIN = HeaderNames.create("Origin");
    static final HeaderName REQUEST_METHOD = HeaderNames.create("Access-Control-Request-Method");
    static final HeaderName ALLOW_ORIGIN = HeaderNames.create("Access-Control-Allow-Origin");
    static final HeaderName ALLOW_METHODS = HeaderNames.create("Access-Control-Allow-Methods");
    static final HeaderName ALLOW_HEADERS = HeaderNames.create("Access-Control-Allow-Headers");
    static final HeaderName EXPOSE_HEADERS = HeaderNames.create("Access-Control-Expose-Headers");
    static final HeaderName MAX_AGE = HeaderNames.create("Access-Control-Max-Age");

    /** Every method a route of this API answers; the browser checks the one it asked for. */
    static final String METHODS = "GET, POST, OPTIONS";
    static final String HEADERS = "Content-Type, Authorization, Idempotency-Key, X-Request-Id";
    static final String EXPOSED = "X-Request-Id, Retry-After";
    /** Ten minutes: browsers cap it anyway (Chromium at two hours), and a changed list takes effect soon. */
    static final String MAX_AGE_SECONDS = "600";

    private final boolean anyOrigin;
    private final Set<String> origins;

    /** @param origins FRONTEND_ORIGIN: origins like {@code https://app.example.org}, or {@code *} for any */
    public Cors(List<String> origins) {
        this.anyOrigin = origins.stream().anyMatch(o -> o.strip().equals("*"));
        this.origins = origins.stream().map(Cors::normalise).filter(o -> !o.equals("*")).collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        Optional<String> origin = req.headers().first(ORIGIN);
        if (origin.isPresent()) {
            if (!anyOrigin) {
                // the answer depends on the Origin header, also for origins that get no CORS header
                res.header(HeaderNames.VARY, "Origin");
            }
            allowed(origin.get()).ifPresent(allowOrigin -> {
                res.header(ALLOW_ORIGIN, allowOrigin);
                if (req.prologue().method() == Method.OPTIONS && req.headers().contains(REQUEST_METHOD)) {
                    res.header(ALLOW_METHODS, METHODS);
                    res.header(ALLOW_HEADERS, HEADERS);
                    res.header(MAX_AGE, MAX_AGE_SECONDS);
                } else {
                    res.header(EXPOSE_HEADERS, EXPOSED);
                }
            });
        }
        chain.proceed();
    }

    /** The Access-Control-Allow-Origin value for this request's origin, if it may read the answer. */
    Optional<String> allowed(String origin) {
        if (anyOrigin) {
            return Optional.of("*");
        }
        String o = normalise(origin);
        return origins.contains(o) ? Optional.of(origin.strip()) : Optional.empty();
    }

    /** Scheme and host are case-insensitive; a trailing slash in the configuration is tolerated. */
    private static String normalise(String origin) {
        String o = origin.strip().toLowerCase(Locale.ROOT);
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }
}
