package com.dytallix.adapters.http;

import com.dytallix.application.faucet.DripCommand;
import com.dytallix.application.faucet.DripResult;
import com.dytallix.application.faucet.DripService;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** POST /api/faucet and GET /api/faucet/grants/{grantId}. */
public final class FaucetHttpService implements HttpService {
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,128}");

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
        RequestInfo info = RequestInfo.of(req);
        DripResult result = drips.request(new DripCommand(address.asText(), info.clientIp(),
                req.headers().first(HeaderNames.USER_AGENT).orElse(""), idempotencyKey, wait.isPresent()));
        Responses.json(res, result.accepted() ? Status.OK_200 : Status.ACCEPTED_202, view(result.grant()));
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

    private Map<String, Object> view(Grant g) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("grantId", g.id().value());
        body.put("address", g.address().value());
        body.put("amount", g.amount().toDytString());
        body.put("amountWei", g.amount().value().toString());
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
