package com.dytallix.adapters.http;

import com.dytallix.domain.telemetry.Telemetry;
import com.dytallix.application.admin.AdminService;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.grant.LimitScope;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Admin authentication, checked before every admin action: an exact {@code Authorization: Bearer
 * <token>} header (else 401), the client IP in ADMIN_ALLOWED_IPS and the right token (else 403, one
 * message for both so a caller learns nothing about which failed). {@link #MAX_FAILURES} refusals
 * within {@link #FAILURE_WINDOW} lock the IP out for {@link #LOCKOUT}: 429 RATE_LIMIT, scope
 * "requests", even with the right token, so a token cannot be guessed. Every refusal is audited.
 */
final class AdminAuth {
    static final int MAX_FAILURES = 5;
    static final Duration FAILURE_WINDOW = Duration.ofMinutes(15);
    static final Duration LOCKOUT = Duration.ofMinutes(15);
    /** IPs whose failures are remembered; the least recently seen is forgotten beyond it. */
    static final int MAX_TRACKED = 10_000;

    // the scheme word exactly, one space, then a token of visible ASCII: no other form is accepted
    private static final Pattern BEARER = Pattern.compile("Bearer ([\\x21-\\x7e]+)");
    private static final String FORBIDDEN = "not allowed: wrong admin token or client IP not in ADMIN_ALLOWED_IPS";

    private final byte[] tokenDigest;
    private final List<IpRange> allowed;
    private final AdminService admin;
    private final Telemetry telemetry;
    private final Clock clock;
    private final Map<String, Failures> failures = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Failures> eldest) {
            return size() > MAX_TRACKED;
        }
    };

    private static final class Failures {
        final Deque<Instant> recent = new ArrayDeque<>(MAX_FAILURES);
        Instant lockedUntil = Instant.MIN;
    }

    public AdminAuth(String token, List<IpRange> allowed, AdminService admin, Telemetry telemetry, Clock clock) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("an admin token is required");
        }
        this.tokenDigest = sha256(token);
        this.allowed = List.copyOf(allowed);
        this.admin = admin;
        this.telemetry = telemetry;
        this.clock = clock;
    }

    /**
     * @param action the admin action, for the audit log
     * @return the client IP, allowed to perform the action
     * @throws ApiException 401, 403 or 429, after auditing the refusal
     */
    public ClientIp authorize(ServerRequest req, String action) {
        ClientIp ip = RequestInfo.current().clientIp();
        authorize(ip, req.headers().all(HeaderNames.AUTHORIZATION, List::of), action);
        return ip;
    }

    void authorize(ClientIp ip, List<String> headers, String action) {
        Instant now = clock.instant();
        Instant lockedUntil = lockedUntil(ip, now);
        if (lockedUntil != null) {
            admin.refused(action, ip, "locked_out");
            telemetry.rateLimitHit(LimitScope.REQUESTS);
            throw ErrorMapper.rateLimited(LimitScope.REQUESTS.wireName(), lockedUntil,
                    "too many failed admin attempts from this IP; retry after the time in Retry-After");
        }
        Matcher bearer = headers.size() == 1 ? BEARER.matcher(headers.getFirst()) : null;
        if (bearer == null || !bearer.matches()) {
            admin.refused(action, ip, "unauthorized");
            throw new ApiException(401, "UNAUTHORIZED", "send the admin token as 'Authorization: Bearer <token>'",
                    null, Map.of("WWW-Authenticate", "Bearer"));
        }
        // both sides hashed first: equal lengths, so the comparison time says nothing about the token
        boolean tokenOk = MessageDigest.isEqual(sha256(bearer.group(1)), tokenDigest);
        boolean ipOk = allowed.stream().anyMatch(r -> r.contains(ip));
        if (!tokenOk || !ipOk) {
            recordFailure(ip, now);
            admin.refused(action, ip, "forbidden");
            throw new ApiException(403, "FORBIDDEN", FORBIDDEN);
        }
        synchronized (failures) {
            failures.remove(ip.value());
        }
    }

    private Instant lockedUntil(ClientIp ip, Instant now) {
        synchronized (failures) {
            Failures f = failures.get(ip.value());
            return f != null && f.lockedUntil.isAfter(now) ? f.lockedUntil : null;
        }
    }

    private void recordFailure(ClientIp ip, Instant now) {
        synchronized (failures) {
            Failures f = failures.computeIfAbsent(ip.value(), k -> new Failures());
            while (!f.recent.isEmpty() && !f.recent.peekFirst().isAfter(now.minus(FAILURE_WINDOW))) {
                f.recent.removeFirst();
            }
            f.recent.addLast(now);
            if (f.recent.size() >= MAX_FAILURES) {
                f.lockedUntil = now.plus(LOCKOUT);
                f.recent.clear();
            }
        }
    }

    int tracked() {
        synchronized (failures) {
            return failures.size();
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
