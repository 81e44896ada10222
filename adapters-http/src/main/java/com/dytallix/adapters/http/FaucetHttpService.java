package com.dytallix.adapters.http;

import com.dytallix.application.faucet.DripCommand;
import com.dytallix.application.faucet.DripResult;
import com.dytallix.application.faucet.DripService;
import com.dytallix.application.faucet.FaucetInfo;
import com.dytallix.application.faucet.Finality;
import com.dytallix.application.faucet.GrantLookup;
import com.dytallix.application.faucet.FaucetPolicy;
import com.dytallix.domain.Wei;
import com.dytallix.domain.admission.Applicant;
import com.dytallix.domain.admission.Challenge;
import com.dytallix.domain.admission.ProofOfWorkPolicy;
import com.dytallix.domain.grant.Factor;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.grant.Grant;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.math.BigDecimal;
import java.io.IOException;
import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** POST /api/faucet, GET /api/faucet/grants/{grantId}, GET /api/faucet/info and GET /api/faucet/challenge. */
final class FaucetHttpService implements HttpService {
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,128}");

    private static final String ALGORITHM = "scrypt";
    private static final int KEY_LENGTH = 32;
    private static final HeaderName IDEMPOTENCY_KEY_HEADER = HeaderNames.create("Idempotency-Key");
    private final DripService drips;
    private final GrantLookup grants;
    private final FinalityView finality;
    private final Bodies bodies;

    FaucetHttpService(DripService drips, GrantLookup grants, Finality finality, Bodies bodies) {
        this.drips = drips;
        this.grants = grants;
        this.finality = new FinalityView(finality.confirmations(), finality.reorgWatchBlocks());
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
        byte[] bytes = bodies.jsonBytes(req);
        DripBody body = DripBody.streamed(bytes).orElseGet(() -> DripBody.of(Json.parse(bytes)));
        List<String> keys = req.headers().all(IDEMPOTENCY_KEY_HEADER, List::of);
        if (keys.size() > 1) {
            // which one would we honour? a retry that sends another key than the first try must not pay twice
            throw ApiException.invalidRequest("Idempotency-Key", "must be sent once");
        }
        Optional<String> idempotencyKey = keys.isEmpty() ? Optional.empty() : Optional.of(keys.getFirst());
        if (idempotencyKey.isPresent() && !IDEMPOTENCY_KEY.matcher(idempotencyKey.get()).matches()) {
            throw ApiException.invalidRequest("Idempotency-Key", "must be 1 to 128 visible ASCII characters");
        }
        // all(), not first(): Helidon's first() looks its value mapper up in the service registry on every call
        List<String> waits = req.query().all("wait", List::of);
        Optional<String> wait = waits.isEmpty() ? Optional.empty() : Optional.of(waits.getFirst());
        if (wait.isPresent() && !wait.get().equals("confirmed")) {
            throw ApiException.invalidRequest("wait", "the only accepted value is 'confirmed'");
        }
        RequestInfo info = RequestInfo.current();
        // the send wait bounds the answer from the edge's first look at the request (its body's read included)
        DripResult result = drips.request(new DripCommand(body.address(), info.clientIp(),
                req.headers().first(HeaderNames.USER_AGENT).orElse(""), idempotencyKey, wait.isPresent(), body.proof(),
                info.arrivedAt()));
        Responses.json(res, result.accepted() ? Status.OK_200 : Status.ACCEPTED_202, GrantView.of(grants.progress(result.grant())));
    }

    /** What the body of POST /api/faucet says: the recipient, and a proof of work if it carries one. */
    record DripBody(String address, Optional<Applicant.Proof> proof) {
        /**
         * The usual body, {@code {"address": "0x…"}} perhaps with {@code "pow": {"challenge": "…", "nonce": "…"}},
         * read as a stream of tokens instead of a tree (a refused request paid for the tree). Empty
         * for anything else, which {@link #of} then reads as a tree and answers as it always did:
         * malformed or duplicated, another type, a missing field, or a number anywhere (the tree
         * refuses one out of range even in a field nobody reads).
         */
        static Optional<DripBody> streamed(byte[] body) {
            if (body.length == 0) {
                return Optional.empty();
            }
            String address = null;
            String[] pow = null;
            try (JsonParser p = Json.MAPPER.createParser(body)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    return Optional.empty();
                }
                JsonToken t;
                for (t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                    String name = p.currentName();
                    JsonToken value = p.nextToken();
                    if (name.equals("address") && value == JsonToken.VALUE_STRING) {
                        address = p.getText();
                    } else if (name.equals("pow") && value == JsonToken.START_OBJECT) {
                        pow = powFields(p);
                        if (pow == null) {
                            return Optional.empty();
                        }
                    } else if (name.equals("address") || (name.equals("pow") && value != JsonToken.VALUE_NULL) || !skipWithoutNumbers(p, value)) {
                        return Optional.empty();
                    }
                }
                if (t != JsonToken.END_OBJECT || p.nextToken() != null || address == null) {
                    return Optional.empty();
                }
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
            return Optional.of(new DripBody(address, pow == null ? Optional.empty() : Optional.of(proof(pow[0], pow[1]))));
        }

        /** The challenge and nonce of {@code "pow"} as strings, the parser inside it; null for anything else. */
        private static String[] powFields(JsonParser p) throws IOException {
            String challenge = null;
            String nonce = null;
            JsonToken t;
            for (t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (name.equals("challenge") && value == JsonToken.VALUE_STRING) {
                    challenge = p.getText();
                } else if (name.equals("nonce") && value == JsonToken.VALUE_STRING) {
                    nonce = p.getText();
                } else if (name.equals("challenge") || name.equals("nonce") || !skipWithoutNumbers(p, value)) {
                    return null;
                }
            }
            return t == JsonToken.END_OBJECT && challenge != null && nonce != null ? new String[] {challenge, nonce} : null;
        }

        /** Steps over a value that holds no number; false at a number (or the end of input). */
        private static boolean skipWithoutNumbers(JsonParser p, JsonToken value) throws IOException {
            if (value == null || value.isNumeric()) {
                return false;
            }
            for (int depth = value.isStructStart() ? 1 : 0; depth > 0; ) {
                JsonToken t = p.nextToken();
                if (t == null || t.isNumeric()) {
                    return false;
                }
                depth += t.isStructStart() ? 1 : t.isStructEnd() ? -1 : 0;
            }
            return true;
        }

        /** The body read as a tree: every refusal of a body that is not the usual one comes from here. */
        static DripBody of(JsonNode body) {
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
            return new DripBody(address.asText(), proof(body.get("pow")));
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
            JsonNode nonce = pow.get("nonce");
            return Optional.of(proof(challenge == null || !challenge.isTextual() ? null : challenge.asText(),
                    nonce == null ? "" : nonce.isIntegralNumber() || nonce.isTextual() ? nonce.asText() : ""));
        }

        /** 1 to 20 ASCII digits: checked by hand, as every proof of work sent (made-up ones too) is. */
        private static boolean decimalNonce(String nonce) {
            int n = nonce.length();
            if (n == 0 || n > 20) {
                return false;
            }
            for (int i = 0; i < n; i++) {
                char c = nonce.charAt(i);
                if (c < '0' || c > '9') {
                    return false;
                }
            }
            return true;
        }

        private static Applicant.Proof proof(String challenge, String nonce) {
            if (challenge == null || challenge.length() > 64) {
                throw ApiException.invalidRequest("pow.challenge", "must be the challenge string from GET /api/faucet/challenge");
            }
            if (!decimalNonce(nonce)) {
                throw ApiException.invalidRequest("pow.nonce", "must be a decimal number of at most 20 digits");
            }
            return new Applicant.Proof(challenge, nonce);
        }
    }

    private void info(ServerRequest req, ServerResponse res) {
        FaucetInfo info = drips.info(RequestInfo.current().clientIp());
        FaucetPolicy policy = info.policy();
        FaucetPolicy.Limits l = policy.limits();
        ProofOfWorkPolicy pow = policy.proofOfWork();
        Responses.ok(res, new InfoView(info.payout().toDytString(), info.payout().value().toString(), info.drip().toDytString(),
                FactorView.of(info.factors()), info.pause().paused(), info.pause().reason().orElse(null),
                StatusHttpService.ChainResetView.of(info.pause()), info.pause().operatorReason().orElse(null),
                new BudgetView(dyt(info.budget()), policy.outflow().perDay().toDytString(), policy.outflow().buffer().toDytString(),
                        policy.outflow().minFraction().toPlainString()),
                new LimitsView(l.perIp(), l.perSubnet(), l.perAddress(), l.suspiciousAddressesPerHour(), l.dailyCap().toDytString(),
                        policy.ipv6Prefix()),
                new ProofOfWorkView(pow.on(), ALGORITHM, info.powDifficulty(), pow.n(), pow.r(), pow.p()), finality));
    }

    /** GET /api/faucet/info (field order is the wire order, here and in every view below). */
    record InfoView(String payout, String payoutWei, String drip, List<FactorView> factors, boolean paused,
                    String pausedReason, StatusHttpService.ChainResetView chainReset, String operatorPauseReason, BudgetView budget,
                    LimitsView limits,
                    ProofOfWorkView proofOfWork, FinalityView finality) {
    }

    record BudgetView(String available, String perDay, String buffer, String minDripFraction) {
    }

    record LimitsView(int perIpPerDay, int perSubnetPerDay, int perAddressPerDay, int suspiciousAddressesPerIpPerHour,
                      String dailyCap, int ipv6ClientPrefix) {
    }

    record ProofOfWorkView(boolean enabled, String algorithm, int difficulty, int n, int r, int p) {
    }

    /** When a grant counts as confirmed (FAUCET_CONFIRMATIONS) and how long it is watched for a reorg (REORG_WATCH_BLOCKS). */
    record FinalityView(int confirmations, int reorgWatchBlocks) {
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
        Challenge c = drips.challenge(address.getFirst(), RequestInfo.current().clientIp());
        Responses.ok(res, new ChallengeView(c.id(), ALGORITHM, c.n(), c.r(), c.p(), KEY_LENGTH, c.difficulty(),
                Responses.time(c.expiresAt())));
    }

    /** GET /api/faucet/challenge: what the client's scrypt needs. */
    record ChallengeView(String challenge, String algorithm, int n, int r, int p, int keyLength, int difficulty,
                         String expiresAt) {
    }

    private void grant(ServerRequest req, ServerResponse res) {
        GrantId id;
        try {
            id = new GrantId(req.path().pathParameters().get("grantId"));
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("no grant with that id");
        }
        GrantLookup.Progress grant = grants.find(id).orElseThrow(() -> ApiException.notFound("no grant with that id"));
        Responses.ok(res, GrantView.of(grant));
    }

    /** A rule that scaled a payout. */
    record FactorView(String name, BigDecimal factor) {
        static List<FactorView> of(List<Factor> factors) {
            return factors.stream().map(f -> new FactorView(f.rule(), f.factor())).toList();
        }
    }

    /** Signed wei as DYT text (the budget may be in debt). */
    private static String dyt(BigInteger wei) {
        String magnitude = new Wei(wei.abs()).toDytString();
        return wei.signum() < 0 ? "-" + magnitude : magnitude;
    }

    /** A grant as its requester follows it: the answer to POST /api/faucet and GET /api/faucet/grants/{grantId}. */
    record GrantView(String grantId, String address, String amount, String amountWei, List<FactorView> factors,
                     String txHash, String status, Long blockNumber, long confirmations, String failureReason,
                     List<String> txHashes, String createdAt, String updatedAt) {
        static GrantView of(GrantLookup.Progress p) {
            Grant g = p.grant();
            return new GrantView(g.id().value(), g.address().value(), g.amount().toDytString(), g.amount().value().toString(),
                    FactorView.of(g.factors()), g.currentHash().map(Object::toString).orElse(null), g.status().publicName(),
                    g.blockNumber().orElse(null), p.confirmations(), g.failureReason().orElse(null),
                    g.txHashes().stream().map(Object::toString).toList(), Responses.time(g.createdAt()), Responses.time(g.updatedAt()));
        }
    }
}
