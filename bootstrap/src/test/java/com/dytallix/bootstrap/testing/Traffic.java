package com.dytallix.bootstrap.testing;

import com.dytallix.bootstrap.testing.ApiClient.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Continuous faucet and relay traffic, each request sent to wherever {@code target} points at that
 * moment (the drill's load balancer), every answer or failure kept. Faucet requests go to a fresh
 * address each, so every recipient is asked for once.
 */
public final class Traffic implements AutoCloseable {
    /** One request and what came of it: an answer, or the exception that ended it. */
    public record Outcome(String kind, String target, String recipient, Response answer, RuntimeException lost) {
        public boolean failed() {
            if (lost != null) {
                return true;
            }
            return kind.equals("faucet") ? answer.status() != 200 && answer.status() != 202 : answer.status() != 200;
        }

        public boolean acknowledgedGrant() {
            return kind.equals("faucet") && lost == null && (answer.status() == 200 || answer.status() == 202)
                    && !"failed".equals(answer.field("status"));
        }
    }

    private final List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> clients = new ArrayList<>();
    private final boolean connectionPerRequest;

    /** Each client keeps its connection to a target open between requests, as a dapp's library does. */
    public Traffic(Supplier<String> target, int faucetClients, int relayClients) {
        this(target, faucetClients, relayClients, false);
    }

    /**
     * With {@code connectionPerRequest}, each request on a connection of its own, as curl or a faucet
     * user's one visit makes it (a connection kept idle through a load balancer's reload may be closed
     * under a request just sent on it, which a browser retries and these clients would count as lost).
     */
    public Traffic(Supplier<String> target, int faucetClients, int relayClients, boolean connectionPerRequest) {
        this.connectionPerRequest = connectionPerRequest;
        for (int i = 0; i < faucetClients; i++) {
            clients.add(Thread.ofPlatform().name("faucet-client-" + i).daemon(true).start(() -> run(target, true)));
        }
        for (int i = 0; i < relayClients; i++) {
            clients.add(Thread.ofPlatform().name("relay-client-" + i).daemon(true).start(() -> run(target, false)));
        }
    }

    private void run(Supplier<String> target, boolean faucet) {
        Map<String, ApiClient> byTarget = new HashMap<>();
        try {
            send(target, faucet, byTarget);
        } finally {
            byTarget.values().forEach(ApiClient::close);
        }
    }

    private void send(Supplier<String> target, boolean faucet, Map<String, ApiClient> byTarget) {
        while (running.get()) {
            String base = target.get();
            ApiClient client = connectionPerRequest ? new ApiClient(base) : byTarget.computeIfAbsent(base, ApiClient::new);
            String recipient = faucet ? Recipients.fresh() : null;
            try {
                Response answer = faucet ? client.drip(recipient, Optional.empty(), false)
                        : client.post("/api/rpc", "{\"method\":\"eth_blockNumber\",\"params\":[]}");
                outcomes.add(new Outcome(faucet ? "faucet" : "relay", base, recipient, answer, null));
            } catch (RuntimeException e) {
                outcomes.add(new Outcome(faucet ? "faucet" : "relay", base, recipient, null, e));
            } finally {
                if (connectionPerRequest) {
                    client.close();
                }
            }
            try {
                Thread.sleep(ThreadLocalRandom.current().nextInt(20, 80));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Stops sending and waits for the requests in flight to end. */
    public List<Outcome> stop() throws InterruptedException {
        running.set(false);
        for (Thread t : clients) {
            t.join(Duration.ofSeconds(60));
        }
        return List.copyOf(outcomes);
    }

    public int count() {
        return outcomes.size();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
