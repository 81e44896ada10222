package com.dytallix.adapters.http;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Writes JSON answers. */
final class Responses {
    /** Made and checked once: a header built from a name and a text is validated on every response. */
    static final Header NO_STORE = HeaderValues.createCached(HeaderNames.CACHE_CONTROL, "no-store");

    private Responses() {
    }

    public static void json(ServerResponse res, Status status, Object body) {
        jsonBytes(res, status, Json.write(body));
    }

    /** As {@link #json}, for a body already written as JSON. */
    static void jsonBytes(ServerResponse res, Status status, byte[] json) {
        jsonHead(res, status);
        res.send(json);
    }

    /** The status and headers of every JSON answer, for a body written after them. */
    static void jsonHead(ServerResponse res, Status status) {
        res.status(status);
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.header(NO_STORE);
    }

    public static void ok(ServerResponse res, Object body) {
        json(res, Status.OK_200, body);
    }

    /**
     * A time in an answer: ISO-8601 in UTC to the millisecond, as docs/api.md promises of every time the
     * API gives (what the stores keep; the system clock reads finer).
     */
    static String time(Instant at) {
        return at.truncatedTo(ChronoUnit.MILLIS).toString();
    }
}
