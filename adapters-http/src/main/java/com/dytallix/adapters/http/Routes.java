package com.dytallix.adapters.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRoute;
import io.helidon.webserver.http.HttpRules;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Registers a path with its methods so that every route knows its template (for logs and metrics)
 * and a known path with a wrong method answers 405 with {@code Allow}. A path with a GET answers HEAD
 * as its GET, without the body ({@link HeadResponse}).
 */
public final class Routes {
    private final HttpRules rules;
    private final String prefix;

    private Routes(HttpRules rules, String prefix) {
        this.rules = rules;
        this.prefix = prefix;
    }

    /** @param prefix the path the service is registered under, e.g. "/api", for the route labels */
    public static Routes on(HttpRules rules, String prefix) {
        return new Routes(rules, prefix);
    }

    public PathBuilder path(String template) {
        return new PathBuilder(template);
    }

    public final class PathBuilder {
        private final String template;
        private final Map<Method, Handler> handlers = new LinkedHashMap<>();

        private PathBuilder(String template) {
            this.template = template;
        }

        public PathBuilder get(Handler h) {
            handlers.put(Method.GET, h);
            return this;
        }

        public PathBuilder post(Handler h) {
            handlers.put(Method.POST, h);
            return this;
        }

        public PathBuilder delete(Handler h) {
            handlers.put(Method.DELETE, h);
            return this;
        }

        public void register() {
            String label = prefix + template;
            handlers.forEach((method, handler) -> {
                // HEAD where there is a GET (RFC 9110): the GET's handler, its status and headers, no body. One
                // route for both: a route of its own for HEAD would add one more to the routes every request walks
                Method[] methods = method == Method.GET ? new Method[] {Method.GET, Method.HEAD} : new Method[] {method};
                rules.route(HttpRoute.builder().methods(methods).path(template).handler((req, res) -> {
                    RequestInfo.find().ifPresent(i -> i.route(label));
                    handler.handle(req, HeadResponse.forRequest(req, res));
                }).build());
            });
            boolean get = handlers.containsKey(Method.GET);
            String allow = handlers.keySet().stream().map(Method::text).collect(Collectors.joining(", "))
                    + (get ? ", HEAD" : "") + ", OPTIONS";
            rules.any(template, (req, res) -> {
                RequestInfo.find().ifPresent(i -> i.route(label));
                if (req.prologue().method() == Method.OPTIONS) {
                    res.header(HeaderNames.ALLOW, allow).status(204).send();
                    return;
                }
                throw new ApiException(405, "METHOD_NOT_ALLOWED",
                        "method " + HeadResponse.methodNamed(req) + " is not allowed on " + label,
                        null, Map.of("Allow", allow));
            });
        }
    }
}
