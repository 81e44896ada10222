package com.dytallix.adapters.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A document served from memory (the page, the OpenAPI file, the page's assets) with an ETag and the
 * page's security headers: revalidated on every use ({@code no-cache}, so a new release shows at once)
 * unless it says otherwise. It has no modification date, so {@code If-Modified-Since} and
 * {@code If-Unmodified-Since} are ignored (RFC 9110, sections 13.1.3 and 13.1.4), dates or not.
 */
record WebDocument(byte[] body, String contentType, String etag, String cacheControl) {
    /**
     * Strict: no inline script or style, nothing from another origin, no framing. The page needs
     * nothing more (its worker is a same-origin module script).
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    static WebDocument of(byte[] body, String contentType) {
        return of(body, contentType, "no-cache");
    }

    static WebDocument of(byte[] body, String contentType, String cacheControl) {
        return new WebDocument(body, contentType, "\"" + digest(body).substring(0, 32) + "\"", cacheControl);
    }

    void send(ServerRequest req, ServerResponse res) {
        securityHeaders(res);
        res.header(HeaderNames.CACHE_CONTROL, cacheControl);
        res.header(HeaderNames.ETAG, etag);
        if (req.headers().first(HeaderNames.IF_NONE_MATCH).filter(v -> v.contains(etag)).isPresent()) {
            res.status(Status.NOT_MODIFIED_304).send();
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, contentType);
        res.send(body);
    }

    static void securityHeaders(ServerResponse res) {
        res.header(HeaderNames.create("Content-Security-Policy"), CONTENT_SECURITY_POLICY);
        res.header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        res.header(HeaderNames.create("X-Frame-Options"), "DENY");
        res.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
    }

    /** A resource of this jar; missing means a broken build, so it fails the start. */
    static byte[] resource(String path) {
        try (InputStream in = WebDocument.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("resource " + path + " is missing from the build");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + path, e);
        }
    }

    static String digest(byte[]... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (byte[] part : parts) {
                sha.update(part);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
