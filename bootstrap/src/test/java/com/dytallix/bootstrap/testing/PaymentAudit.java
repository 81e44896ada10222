package com.dytallix.bootstrap.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.AnvilProcess;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The chain is the referee after a drill: every acknowledged grant confirmed, every recipient paid
 * exactly once, every transaction the faucet got mined a confirmed grant's (or a gap filler), and
 * the faucet's nonce without a gap.
 */
public final class PaymentAudit {
    private PaymentAudit() {
    }

    /** What the audit found, for the drill's report. */
    public record Summary(int acknowledged, int confirmed, int fillers, long faucetNonce) {
    }

    /**
     * @param acknowledged grant ids the clients were answered 200/202 for
     * @param recipients   every address a request was made for (each asked for once)
     */
    public static Summary verify(Chain chain, LedgerFile ledger, Collection<String> acknowledged, Collection<String> recipients,
                                 BigInteger drip) {
        String faucet = AnvilProcess.ACCOUNT_0_ADDRESS;
        List<LedgerFile.Row> grants = ledger.grants();
        Map<String, LedgerFile.Row> byId = grants.stream().collect(Collectors.toMap(LedgerFile.Row::id, g -> g));
        for (String id : acknowledged) {
            LedgerFile.Row g = byId.get(id);
            assertThat(g).as("acknowledged grant %s in the ledger", id).isNotNull();
            assertThat(g.status()).as("acknowledged grant %s (%s)", id, g.failureReason()).isEqualTo("confirmed");
        }
        Map<String, Long> confirmedPerAddress = grants.stream().filter(g -> g.status().equals("confirmed"))
                .collect(Collectors.groupingBy(g -> g.address().toLowerCase(), Collectors.counting()));
        for (String address : recipients) {
            long confirmed = confirmedPerAddress.getOrDefault(address.toLowerCase(), 0L);
            assertThat(confirmed).as("confirmed grants to %s", address).isLessThanOrEqualTo(1);
            assertThat(chain.balance(address)).as("balance of %s: paid once or not at all", address)
                    .isEqualTo(confirmed == 0 ? BigInteger.ZERO : drip);
        }
        Set<String> landed = grants.stream().filter(g -> g.status().equals("confirmed")).map(LedgerFile.Row::landedHash)
                .collect(Collectors.toSet());
        List<JsonNode> sent = chain.transactionsFrom(faucet);
        int fillers = 0;
        int paid = 0;
        for (JsonNode tx : sent) {
            String hash = tx.get("hash").asText();
            boolean filler = tx.get("to").asText().equalsIgnoreCase(faucet) && Chain.quantity(tx.get("value")).signum() == 0;
            assertThat(landed.contains(hash) || filler).as("faucet transaction %s is a confirmed grant's or a gap filler", hash)
                    .isTrue();
            fillers += filler ? 1 : 0;
            paid += filler ? 0 : 1;
        }
        assertThat(paid).as("mined payments = confirmed grants").isEqualTo(landed.size());
        long nonce = chain.minedNonce(faucet);
        assertThat(nonce).as("faucet nonce = its mined transactions (no gap)").isEqualTo(sent.size());
        assertThat(chain.pendingNonce(faucet)).as("nothing of the faucet's left in the pool").isEqualTo(nonce);
        return new Summary(acknowledged.size(), landed.size(), fillers, nonce);
    }
}
