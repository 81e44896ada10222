package com.dytallix.adapters.http;

import com.dytallix.application.admin.AdminService;
import com.dytallix.application.admin.AdminState;
import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.InvalidAddressException;
import com.dytallix.domain.Keccak256;
import com.dytallix.domain.Wei;
import com.dytallix.domain.admission.Block;
import com.dytallix.domain.faucet.AuditEntry;
import com.dytallix.domain.faucet.PauseState;
import com.dytallix.domain.faucet.TopUp;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.GrantQuery;
import com.dytallix.domain.grant.GrantStatus;
import com.dytallix.domain.key.KeyRotation;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The operator's API under /api/admin. Every action is authorised by {@link AdminAuth} before its
 * body is read; changes are audited by {@link AdminService}, successful reads here. The new key of
 * a rotation is never echoed, not even in a validation error.
 */
final class AdminHttpService implements HttpService {
    static final int MAX_TEXT = 500;
    static final int MAX_LIMIT = 1000;
    static final int DEFAULT_LIMIT = 100;
    /** DYT amounts above this many integer digits are refused before any exact arithmetic on them. */
    private static final int MAX_AMOUNT_INTEGER_DIGITS = 30;
    private static final java.time.Duration SINCE_SKEW = java.time.Duration.ofMinutes(1);
    private static final Pattern KEY_SHAPE = Pattern.compile("(0x)?[0-9a-fA-F]{64}");
    private static final Pattern BLOCK_HASH_SHAPE = Pattern.compile("0[xX][0-9a-fA-F]{64}");
    private static final Pattern DECIMAL = Pattern.compile("\\d{1,60}(\\.\\d{1,60})?");

    private final AdminService admin;
    private final AdminAuth auth;
    private final Bodies bodies;
    private final Keccak256 keccak;
    private final Clock clock;

    public AdminHttpService(AdminService admin, AdminAuth auth, Bodies bodies, Keccak256 keccak, Clock clock) {
        this.admin = admin;
        this.auth = auth;
        this.bodies = bodies;
        this.keccak = keccak;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        Routes routes = Routes.on(rules, "/api/admin");
        routes.path("/pause").post(action("pause", this::pause)).register();
        routes.path("/resume").post(action("resume", this::resume)).register();
        routes.path("/topup").post(action("topup", this::topUp)).register();
        routes.path("/rotate-key").post(action("rotate-key", this::rotateKey)).register();
        routes.path("/state").get(action("state", this::state)).register();
        routes.path("/grants").get(action("grants", this::grants)).register();
        routes.path("/audit").get(action("audit", this::audit)).register();
        routes.path("/blocks").post(action("block", this::block)).get(action("blocks", this::blocks)).register();
        routes.path("/blocks/{id}").delete(action("unblock", this::unblock)).register();
        routes.path("/chain/adopt").post(action("adopt-chain", this::adoptChain)).register();
    }

    /** An admin handler that runs once the caller is authorised. */
    @FunctionalInterface
    private interface AdminHandler {
        void handle(ServerRequest req, ServerResponse res, ClientIp ip);
    }

    /**
     * Authorises, then runs the action. Input the HTTP layer refuses is audited here (the admin
     * service audits what it refuses itself), so every refused admin call leaves a trace.
     */
    private Handler action(String name, AdminHandler handler) {
        return (req, res) -> {
            ClientIp ip = auth.authorize(req, name);
            try {
                handler.handle(req, res, ip);
            } catch (ApiException | InvalidAddressException e) {
                admin.refused(name, ip, "invalid");
                throw e;
            }
        };
    }

    private void pause(ServerRequest req, ServerResponse res, ClientIp ip) {
        // the runbook's pause sends no body and no Content-Type
        Map<String, JsonNode> body = object(bodies.json(req, true), Set.of("reason"));
        Optional<String> reason = text(body, "reason");
        PauseState state = admin.pause(reason.filter(r -> !r.isBlank()), ip);
        Responses.ok(res, new PauseView(state.paused(), state.reason().orElse(null), Responses.time(state.since().orElseThrow())));
    }

    private void resume(ServerRequest req, ServerResponse res, ClientIp ip) {
        object(bodies.json(req, true), Set.of());
        AdminService.Resumed resumed = admin.resume(ip);
        PauseState state = resumed.state();
        Responses.ok(res, new ResumeView(state.paused(), state.reason().orElse(null), Responses.time(resumed.at())));
    }

    private void topUp(ServerRequest req, ServerResponse res, ClientIp ip) {
        Map<String, JsonNode> body = object(bodies.json(req, false), Set.of("amount", "note"));
        Wei amount = amount(body.get("amount"));
        String note = text(body, "note").orElse("");
        TopUp topUp = admin.topUp(amount, note, ip);
        Responses.ok(res, TopUpView.of(topUp));
    }

    private void rotateKey(ServerRequest req, ServerResponse res, ClientIp ip) {
        Map<String, JsonNode> body = object(bodies.json(req, false), Set.of("newKey", "drain"));
        JsonNode key = body.get("newKey");
        if (key == null || key.isNull()) {
            throw ApiException.invalidRequest("newKey", "is required");
        }
        if (!key.isTextual() || !KEY_SHAPE.matcher(key.asText().strip()).matches()) {
            throw ApiException.invalidRequest("newKey", "must be a 32-byte private key as 64 hex digits, with or without 0x");
        }
        JsonNode drain = body.get("drain");
        if (drain != null && !drain.isNull() && !drain.isBoolean()) {
            throw ApiException.invalidRequest("drain", "must be true or false");
        }
        KeyRotation rotation = admin.rotateKey(key.asText().strip(), drain != null && drain.asBoolean(), ip);
        Responses.ok(res, new RotatedView(true, rotation.newAddress().value(), rotation.previousAddress().value(),
                Responses.time(rotation.rotatedAt())));
    }

    private void state(ServerRequest req, ServerResponse res, ClientIp ip) {
        allowOnly(req, Set.of());
        AdminState s = admin.state();
        Map<String, Long> unfinished = new LinkedHashMap<>();
        s.unfinishedByStatus().forEach((status, count) -> unfinished.put(status.name().toLowerCase(Locale.ROOT), count));
        StateView out = new StateView(s.pause().paused(), s.pause().reason().orElse(null),
                s.pause().since().map(Responses::time).orElse(null), s.faucetAddress().value(),
                s.faucetBalance().map(Wei::toDytString).orElse(null), s.faucetBalance().map(w -> w.value().toString()).orElse(null),
                unfinished, s.lastRotation().map(RotationView::of).orElse(null),
                s.recentTopUps().stream().map(TopUpView::of).toList(),
                s.retiringKeys().stream().filter(k -> k.drainTo().isPresent())
                        .map(k -> new DrainView(k.address().value(), k.drainTo().get().value())).toList(),
                s.retiringKeys().stream().map(k -> new RetiringKeyView(k.address().value(), k.drainTo().map(Address::value).orElse(null)))
                        .toList());
        admin.viewed("state", ip);
        Responses.ok(res, out);
    }

    private void grants(ServerRequest req, ServerResponse res, ClientIp ip) {
        allowOnly(req, Set.of("since", "ip", "address", "status", "limit"));
        Optional<Instant> since = query(req, "since").map(v -> {
            Instant at;
            try {
                at = Instant.parse(v);
            } catch (DateTimeParseException e) {
                throw ApiException.invalidRequest("since", "must be an ISO-8601 instant like 2026-01-31T12:00:00Z");
            }
            // a typo in the year would otherwise look like "no grants": say so (a minute of clock skew is fine)
            if (at.isAfter(clock.instant().plus(SINCE_SKEW))) {
                throw ApiException.invalidRequest("since", "is in the future (server time " + clock.instant() + ")");
            }
            return at;
        });
        Optional<ClientIp> byIp = query(req, "ip").map(v -> {
            try {
                return ClientIp.parse(v);
            } catch (IllegalArgumentException e) {
                throw ApiException.invalidRequest("ip", "must be an IPv4 or IPv6 address");
            }
        });
        Optional<Address> address = query(req, "address").map(v -> Address.parse(v, keccak));
        Optional<GrantStatus> status = query(req, "status").map(v -> {
            for (GrantStatus s : GrantStatus.values()) {
                if (s.name().toLowerCase(Locale.ROOT).equals(v)) {
                    return s;
                }
            }
            throw ApiException.invalidRequest("status", "must be one of pending, signed, submitted, confirmed, failed");
        });
        int limit = limit(req);
        List<Grant> found = admin.grants(new GrantQuery(since, byIp, address, status, limit));
        GrantsView out = new GrantsView(found.size(), found.stream().map(GrantView::of).toList());
        admin.viewed("grants", ip);
        Responses.ok(res, out);
    }

    private void audit(ServerRequest req, ServerResponse res, ClientIp ip) {
        allowOnly(req, Set.of("limit"));
        List<AuditEntry> entries = admin.audit(limit(req));
        AuditView out = new AuditView(entries.stream().map(AuditEntryView::of).toList());
        admin.viewed("audit", ip);
        Responses.ok(res, out);
    }

    private void block(ServerRequest req, ServerResponse res, ClientIp ip) {
        Map<String, JsonNode> body = object(bodies.json(req, false), Set.of("target", "reason", "expiresAt"));
        String target = text(body, "target").filter(t -> !t.isEmpty())
                .orElseThrow(() -> ApiException.invalidRequest("target", "is required: an IP, a CIDR block or a 0x address"));
        String reason = text(body, "reason").filter(r -> !r.isEmpty())
                .orElseThrow(() -> ApiException.invalidRequest("reason", "is required"));
        Optional<Instant> expiresAt = text(body, "expiresAt").filter(e -> !e.isEmpty()).map(v -> {
            try {
                return Instant.parse(v);
            } catch (DateTimeParseException e) {
                throw ApiException.invalidRequest("expiresAt", "must be an ISO-8601 instant like 2026-01-31T12:00:00Z");
            }
        });
        Block block;
        try {
            block = admin.block(target, reason, expiresAt, ip);
        } catch (InvalidAddressException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidRequest(e.getMessage().startsWith("expiresAt") ? "expiresAt" : "target", e.getMessage());
        }
        Responses.ok(res, BlockView.of(block, clock.instant()));
    }

    private void blocks(ServerRequest req, ServerResponse res, ClientIp ip) {
        allowOnly(req, Set.of());
        Instant now = clock.instant();
        BlocksView out = new BlocksView(admin.blocks().stream().map(b -> BlockView.of(b, now)).toList());
        admin.viewed("blocks", ip);
        Responses.ok(res, out);
    }

    private void unblock(ServerRequest req, ServerResponse res, ClientIp ip) {
        String id = req.path().pathParameters().get("id");
        if (!id.matches("\\d{1,18}")) {
            throw ApiException.notFound("no block with that id");
        }
        if (!admin.unblock(Long.parseLong(id), ip)) {
            throw ApiException.notFound("no block with that id");
        }
        Responses.ok(res, new DeletedView(true, Long.parseLong(id)));
    }

    /**
     * After a chain reset (the node's genesis is not the ledger's): makes the node's chain the ledger's. The body names
     * the genesis adopted, as the pause reason and the ERROR log line give it; another than the node's is a 409.
     */
    private void adoptChain(ServerRequest req, ServerResponse res, ClientIp ip) {
        Map<String, JsonNode> body = object(bodies.json(req, false), Set.of("genesis"));
        String genesis = text(body, "genesis").map(String::strip).filter(g -> !g.isEmpty())
                .orElseThrow(() -> ApiException.invalidRequest("genesis", "is required: the new chain's genesis block hash,"
                        + " as the pause reason names it"));
        if (!BLOCK_HASH_SHAPE.matcher(genesis).matches()) {
            throw ApiException.invalidRequest("genesis", "must be a block hash: 0x and 64 hex digits");
        }
        AdminService.ChainAdoption a = admin.adoptChain(genesis, ip);
        Responses.ok(res, new AdoptedView(a.adopted(), a.genesis(), a.previousGenesis().orElse(null), a.failedGrants(),
                a.closedGrants(), a.pause().paused(), a.pause().reason().orElse(null)));
    }

    // The answers (field order is the wire order).

    record PauseView(boolean paused, String reason, String at) {
    }

    /** POST /api/admin/chain/adopt: {@code adopted} false when the chain already was the ledger's (nothing changed). */
    record AdoptedView(boolean adopted, String genesis, String previousGenesis, int failedGrants, int closedGrants,
                       boolean paused, String pausedReason) {
    }

    /** {@code paused} stays true, with {@code reason}, while something else than the operator pauses the faucet (a chain reset). */
    record ResumeView(boolean paused, @JsonInclude(JsonInclude.Include.NON_NULL) String reason, String at) {
    }

    /** The new key itself is never part of it. */
    record RotatedView(boolean success, String newAddress, String previousAddress, String rotatedAt) {
    }

    /** GET /api/admin/state; {@code unfinishedGrants} counts the grants not yet final by status. */
    record StateView(boolean paused, String pausedReason, String pausedSince, String faucetAddress, String faucetBalance,
                     String faucetBalanceWei, Map<String, Long> unfinishedGrants, RotationView lastRotation,
                     List<TopUpView> recentTopUps, List<DrainView> pendingDrains, List<RetiringKeyView> retiringKeys) {
    }

    record RotationView(String previousAddress, String newAddress, String rotatedAt) {
        static RotationView of(KeyRotation r) {
            return new RotationView(r.previousAddress().value(), r.newAddress().value(), Responses.time(r.rotatedAt()));
        }
    }

    record DrainView(String from, String to) {
    }

    record RetiringKeyView(String address, String drainTo) {
    }

    /** The answer to POST /api/admin/topup, and each of the state's recent top-ups. */
    record TopUpView(Long id, String amount, String note, String balanceAfter, String at, String faucetAddress) {
        static TopUpView of(TopUp t) {
            return new TopUpView(t.id().orElse(null), t.amount().toDytString(), t.note(), t.balanceAfter().toDytString(),
                    Responses.time(t.at()), t.faucetAddress().value());
        }
    }

    record GrantsView(int count, List<GrantView> grants) {
    }

    /** A grant as the operator sees it: the requester's view plus who asked and which key and nonce paid. */
    record GrantView(String grantId, String address, String ip, String amount, String amountWei,
                     List<FaucetHttpService.FactorView> factors, String status, String fromAddress, Long nonce, String txHash,
                     List<String> txHashes, Long blockNumber, String failureReason, String createdAt, String updatedAt) {
        static GrantView of(Grant g) {
            return new GrantView(g.id().value(), g.address().value(), g.ip().value(), g.amount().toDytString(),
                    g.amount().value().toString(), FaucetHttpService.FactorView.of(g.factors()),
                    g.status().name().toLowerCase(Locale.ROOT), g.fromAddress().map(Address::value).orElse(null),
                    g.nonce().orElse(null), g.currentHash().map(Object::toString).orElse(null),
                    g.txHashes().stream().map(Object::toString).toList(), g.blockNumber().orElse(null),
                    g.failureReason().orElse(null), Responses.time(g.createdAt()), Responses.time(g.updatedAt()));
        }
    }

    record AuditView(List<AuditEntryView> entries) {
    }

    record AuditEntryView(String at, String action, String ip, String outcome, String detail) {
        static AuditEntryView of(AuditEntry e) {
            return new AuditEntryView(Responses.time(e.at()), e.action(), e.ip().value(), e.outcome(), e.detail());
        }
    }

    record BlocksView(List<BlockView> blocks) {
    }

    record BlockView(long id, String target, String scope, String reason, String createdAt, String expiresAt, boolean active) {
        static BlockView of(Block b, Instant now) {
            return new BlockView(b.id(), b.target().toString(), b.target().scope(), b.reason(), Responses.time(b.createdAt()),
                    b.expiresAt().map(Responses::time).orElse(null), b.activeAt(now));
        }
    }

    record DeletedView(boolean deleted, long id) {
    }

    /** The body as a JSON object with only the known fields; an absent body is an empty object. */
    private static Map<String, JsonNode> object(JsonNode body, Set<String> known) {
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        if (body == null) {
            return fields;
        }
        if (!body.isObject()) {
            throw ApiException.invalidRequest("body", "must be a JSON object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!known.contains(field.getKey())) {
                throw ApiException.invalidRequest("body", known.isEmpty()
                        ? "takes no fields" : "unknown field; accepted fields are " + String.join(", ", known.stream().sorted().toList()));
            }
            fields.put(field.getKey(), field.getValue());
        }
        return fields;
    }

    /** An optional text field of at most {@link #MAX_TEXT} characters, without control characters. */
    private static Optional<String> text(Map<String, JsonNode> body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw ApiException.invalidRequest(field, "must be a string");
        }
        String value = node.asText();
        if (value.length() > MAX_TEXT) {
            throw ApiException.invalidRequest(field, "must be at most " + MAX_TEXT + " characters");
        }
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.invalidRequest(field, "must not contain control characters");
        }
        return Optional.of(value.strip());
    }

    /** DYT as a JSON number or a decimal string, exact: positive, at most 18 decimals. */
    static Wei amount(JsonNode node) {
        if (node == null || node.isNull()) {
            throw ApiException.invalidRequest("amount", "is required");
        }
        BigDecimal dyt;
        if (node.isNumber()) {
            dyt = node.decimalValue();
        } else if (node.isTextual() && DECIMAL.matcher(node.asText().strip()).matches()) {
            dyt = new BigDecimal(node.asText().strip());
        } else {
            throw ApiException.invalidRequest("amount", "must be a decimal number of DYT, e.g. 10000 or \"0.5\"");
        }
        if (dyt.signum() <= 0) {
            throw ApiException.invalidRequest("amount", "must be greater than zero");
        }
        if ((long) dyt.precision() - dyt.scale() > MAX_AMOUNT_INTEGER_DIGITS || dyt.scale() < -MAX_AMOUNT_INTEGER_DIGITS) {
            throw ApiException.invalidRequest("amount", "is too large");
        }
        if (dyt.stripTrailingZeros().scale() > Wei.DECIMALS) {
            throw ApiException.invalidRequest("amount", "must have at most 18 decimals");
        }
        return Wei.ofDyt(dyt);
    }

    private static int limit(ServerRequest req) {
        return query(req, "limit").map(v -> {
            if (!v.matches("\\d{1,7}")) {
                throw ApiException.invalidRequest("limit", "must be a whole number from 1 to " + MAX_LIMIT);
            }
            int n = Integer.parseInt(v);
            if (n < 1 || n > MAX_LIMIT) {
                throw ApiException.invalidRequest("limit", "must be a whole number from 1 to " + MAX_LIMIT);
            }
            return n;
        }).orElse(DEFAULT_LIMIT);
    }

    /** A filter given once, non-empty; an empty value means "not given". */
    private static Optional<String> query(ServerRequest req, String name) {
        List<String> values = req.query().all(name, List::of);
        if (values.size() > 1) {
            throw ApiException.invalidRequest(name, "must be given at most once");
        }
        return values.stream().map(String::strip).filter(v -> !v.isEmpty()).findFirst();
    }

    /** Unknown query parameters are refused, so a misspelt filter never silently widens a search. */
    private static void allowOnly(ServerRequest req, Set<String> known) {
        for (String name : req.query().names()) {
            if (!known.contains(name)) {
                throw ApiException.invalidRequest(name, known.isEmpty() ? "this endpoint takes no query parameters"
                        : "unknown query parameter; accepted: " + String.join(", ", known.stream().sorted().toList()));
            }
        }
    }
}
