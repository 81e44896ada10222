package com.dytallix.adapters.http;

import com.dytallix.application.faucet.DripCommand;
import com.dytallix.application.faucet.DripResult;
import com.dytallix.application.faucet.DripService;
import com.dytallix.application.faucet.FaucetInfo;
import com.dytallix.application.faucet.FaucetPolicy;
import com.dytallix.domain.Wei;
import com.dytallix.domain.admission.Applicant;
import com.dytallix.domain.admission.Challenge;
import com.dytallix.domain.grant.Factor;
import com.dytallix.application.status.StatusService;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.GrantLedger;
import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** POST /api/faucet, GET /api/faucet/grants/{grantId}, GET /api/faucet/info and GET /api/faucet/challenge. */
public final class FaucetHttpService implements HttpService {
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,128}");
    private static final Pattern NONCE = Pattern.compile("\\d{1,20}");

    private static final HeaderName IDEMPOTENCY_KEY_HEADER = HeaderNames.create("Idempotency-Key");
    private final DripService drips;
    private final GrantLedger ledger;
    private final StatusService status;
    private final Bodies bodies;

    public FaucetHttpService(DripService drips, GrantLedger ledger, StatusService status, Bodies bodies) {
        this.drips = drips;
        this.ledger = ledger;
        this.status = status;
        this.bodies = bodies;
    }

    @Override
    public void routing(HttpRules rules) {
        Routes routes = Routes.on(rules, "/api");
        routes.path("/faucet").post(this::drip).register();
        routes.path("/faucet/grants/{grantId}").get(this::grant).register();
        routes.path("/faucet/info").get(this::info).register();
        routes.path("/faucet/challenge").get(this::challenge).register();
    }

    private void drip(ServerRequest req, ServerResponse res) {
        JsonNode body = bodies.json(req, false);
        if (!body.isObject()) {
            throw ApiException.invalidRequest("body", "must be a JSON object like {\"address\": \"0x...\"}");
        }
        JsonNode address = body.get("address");
        if (address == null || address.isNull()) {
            throw ApiException.invalidRequest("address", "is required");
        }
        if (!address.isTextual()) {
            throw ApiException.invalidRequest("address", "must be a string");
        }
        List<String> keys = req.headers().all(IDEMPOTENCY_KEY_HEADER, List::of);
        if (keys.size() > 1) {
            // which one would we honour? a retry that sends another key than the first try must not pay twice
            throw ApiException.invalidRequest("Idempotency-Key", "must be sent once");
        }
        Optional<String> idempotencyKey = keys.stream().findFirst();
        if (idempotencyKey.isPresent() && !IDEMPOTENCY_KEY.matcher(idempotencyKey.get()).matches()) {
            throw ApiException.invalidRequest("Idempotency-Key", "must be 1 to 128 visible ASCII characters");
        }
        Optional<String> wait = req.query().first("wait").asOptional();
        if (wait.isPresent() && !wait.get().equals("confirmed")) {
            throw ApiException.invalidRequest("wait", "the only accepted value is 'confirmed'");
        }
        Optional<Applicant.Proof> proof = proof(body.get("pow"));
        RequestInfo info = RequestInfo.of(req);
        DripResult result = drips.request(new DripCommand(address.asText(), info.clientIp(),
                req.headers().first(HeaderNames.USER_AGENT).orElse(""), idempotencyKey, wait.isPresent(), proof));
        Responses.json(res, result.accepted() ? Status.OK_200 : Status.ACCEPTED_202, view(result.grant()));
    }

    /** {"challenge": "<32 hex>", "nonce": "<decimal>"} (the nonce may also be a JSON integer). */
    private static Optional<Applicant.Proof> proof(JsonNode pow) {
        if (pow == null || pow.isNull()) {
            return Optional.empty();
        }
        if (!pow.isObject()) {
            throw ApiException.invalidRequest("pow", "must be an object like {\"challenge\": \"...\", \"nonce\": \"123\"}");
        }
        JsonNode challenge = pow.get("challenge");
        if (challenge == null || !challenge.isTextual() || challenge.asText().length() > 64) {
            throw ApiException.invalidRequest("pow.challenge", "must be the challenge string from GET /api/faucet/challenge");
        }
        JsonNode nonce = pow.get("nonce");
        String nonceText = nonce == null ? "" : nonce.isIntegralNumber() || nonce.isTextual() ? nonce.asText() : "";
        if (!NONCE.matcher(nonceText).matches()) {
            throw ApiException.invalidRequest("pow.nonce", "must be a decimal number of at most 20 digits");
        }
        return Optional.of(new Applicant.Proof(challenge.asText(), nonceText));
    }

    private void info(ServerRequest req, ServerResponse res) {
        FaucetInfo info = drips.info(RequestInfo.of(req).clientIp());
        FaucetPolicy policy = info.policy();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("payout", info.payout().toDytString());
        body.put("payoutWei", info.payout().value().toString());
        body.put("drip", info.drip().toDytString());
        body.put("factors", factors(info.factors()));
        body.put("paused", info.pause().paused());
        body.put("pausedReason", info.pause().reason().orElse(null));
        Map<String, Object> budget = new LinkedHashMap<>();
        budget.put("available", dyt(info.budget()));
        budget.put("perDay", policy.outflow().perDay().toDytString());
        budget.put("buffer", policy.outflow().buffer().toDytString());
        budget.put("minDripFraction", policy.outflow().minFraction().toPlainString());
        body.put("budget", budget);
        FaucetPolicy.Limits l = policy.limits();
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("perIpPerDay", l.perIp());
        limits.put("perSubnetPerDay", l.perSubnet());
        limits.put("perAddressPerDay", l.perAddress());
        limits.put("suspiciousAddressesPerIpPerHour", l.suspiciousAddressesPerHour());
        limits.put("dailyCap", l.dailyCap().toDytString());
        limits.put("ipv6ClientPrefix", policy.ipv6Prefix());
        body.put("limits", limits);
        Map<String, Object> pow = new LinkedHashMap<>();
        pow.put("enabled", policy.proofOfWork().on());
        pow.put("algorithm", "scrypt");
        pow.put("difficulty", info.powDifficulty());
        pow.put("n", policy.proofOfWork().n());
        pow.put("r", policy.proofOfWork().r());
        pow.put("p", policy.proofOfWork().p());
        body.put("proofOfWork", pow);
        Responses.ok(res, body);
    }

    private void challenge(ServerRequest req, ServerResponse res) {
        for (String name : req.query().names()) {
            if (!name.equals("address")) {
                throw ApiException.invalidRequest(name, "unknown query parameter; accepted: address");
            }
        }
        List<String> address = req.query().all("address", List::of);
        if (address.size() != 1) {
            throw ApiException.invalidRequest("address", "is required, once");
        }
        Challenge c = drips.challenge(address.getFirst(), RequestInfo.of(req).clientIp());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("challenge", c.id());
        body.put("algorithm", "scrypt");
        body.put("n", c.n());
        body.put("r", c.r());
        body.put("p", c.p());
        body.put("keyLength", 32);
        body.put("difficulty", c.difficulty());
        body.put("expiresAt", c.expiresAt().toString());
        Responses.ok(res, body);
    }

    private void grant(ServerRequest req, ServerResponse res) {
        GrantId id;
        try {
            id = new GrantId(req.path().pathParameters().get("grantId"));
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("no grant with that id");
        }
        Grant grant = ledger.find(id).orElseThrow(() -> ApiException.notFound("no grant with that id"));
        Responses.ok(res, view(grant));
    }

    /** The rules that scaled a grant's payout, as {name, factor} (empty when none did). */
    static List<Map<String, Object>> factors(Grant g) {
        return factors(g.factors());
    }

    private static List<Map<String, Object>> factors(List<Factor> factors) {
        return factors.stream().map(f -> {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("name", f.rule());
            out.put("factor", f.factor());
            return out;
        }).toList();
    }

    /** Signed wei as DYT text (the budget may be in debt). */
    private static String dyt(BigInteger wei) {
        String magnitude = new Wei(wei.abs()).toDytString();
        return wei.signum() < 0 ? "-" + magnitude : magnitude;
    }

    private Map<String, Object> view(Grant g) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("grantId", g.id().value());
        body.put("address", g.address().value());
        body.put("amount", g.amount().toDytString());
        body.put("amountWei", g.amount().value().toString());
        body.put("factors", factors(g));
        body.put("txHash", g.currentHash().map(Object::toString).orElse(null));
        body.put("status", g.status().publicName());
        body.put("blockNumber", g.blockNumber().orElse(null));
        body.put("confirmations", g.blockNumber().flatMap(b -> status.current().height().map(h -> Math.max(1, h - b + 1))).orElse(0L));
        body.put("failureReason", g.failureReason().orElse(null));
        body.put("txHashes", g.txHashes().stream().map(Object::toString).toList());
        body.put("createdAt", g.createdAt().toString());
        body.put("updatedAt", g.updatedAt().toString());
        return body;
    }
}
