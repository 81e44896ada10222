package com.dytallix.application.faucet;

import com.dytallix.domain.Address;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.faucet.AuditEntry;
import com.dytallix.domain.faucet.ChainReset;
import com.dytallix.domain.faucet.FaucetControls;
import com.dytallix.domain.faucet.PauseState;
import com.dytallix.domain.faucet.TopUp;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.LedgerChain;
import com.dytallix.domain.sync.ChainReads;
import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Whether the node's chain is the chain the ledger pays on, by their genesis blocks' hashes. A chain relaunched under
 * the same chain id (a testnet relaunch, a new embedded dev chain) has another genesis: the ledger's unfinished grants,
 * its nonces and the blocks it watches for reorgs belong to the old chain, and paying them onto the new one would pay
 * twice, or leave a nonce gap the hole filler would fill with transfers by the thousand. So while the chains differ the
 * faucet pays nothing: {@link #payable()} is false (the payer election holds no lease for paying, so nothing is signed,
 * sent, re-sent, replaced or filled), the faucet shows itself paused with the reason ({@link #controls}), and one ERROR
 * line says what to do. An operator's {@link #adopt} makes the new chain the ledger's, closing the old chain's business
 * in one transaction ({@link LedgerChain#adoptChain}).
 *
 * <p>Nothing is paid before the first check has seen the node: the start checks before it reconciles, the tracker
 * checks each pass on the node its pass reads, and a background job on every instance besides. The first check against
 * a node records its genesis when the ledger has none (a new database, or one from before the record existed: it cannot
 * know better).
 */
public final class ChainGuard {
    private static final System.Logger LOG = System.getLogger(ChainGuard.class.getName());
    /** Between an operator's pause reason and a reset's, when both pause the faucet (PauseState.operatorReason has the first alone). */
    private static final String REASONS_JOINED = "; and ";

    private final ChainReads node;
    private final LedgerChain ledger;
    private final Clock clock;
    private final List<Runnable> onChange = new CopyOnWriteArrayList<>();
    private volatile State state = new State(Optional.empty(), Optional.empty(), Instant.EPOCH);

    /**
     * What the last check found.
     *
     * @param ledger the ledger's genesis; empty until a check succeeded
     * @param node   the node's genesis, when it differs from the ledger's
     * @param since  when the node's chain was first seen to differ
     */
    private record State(Optional<String> ledger, Optional<String> node, Instant since) {
        boolean payable() {
            return ledger.isPresent() && node.isEmpty();
        }
    }

    /** The adoption asked for names another chain than the node's: nothing changed. */
    public static final class NotTheNodesChain extends RuntimeException {
        NotTheNodesChain(String message) {
            super(message, null, false, false);
        }
    }

    public ChainGuard(ChainReads node, LedgerChain ledger, Clock clock) {
        this.node = node;
        this.ledger = ledger;
        this.clock = clock;
    }

    /** {@code action} runs after every change of what the guard found (the nonces and the tracker's memory of the chain go). */
    public void onChange(Runnable action) {
        onChange.add(action);
    }

    /** True once a check found the node on the ledger's chain, and until one finds otherwise. */
    public boolean payable() {
        return state.payable();
    }

    /** The reset found by the last check, if the node's chain differs from the ledger's. */
    public Optional<ChainReset> reset() {
        State s = state;
        return s.node().map(n -> new ChainReset(n, s.ledger().orElseThrow(), s.since()));
    }

    /** The ledger's chain as the last check read it. */
    public Optional<String> ledgerGenesis() {
        return state.ledger();
    }

    /** What the last adoption left in flight ({@link LedgerChain#leftInFlight}). */
    public List<Grant> leftInFlight(Address from, long fromNonce) {
        return ledger.leftInFlight(from, fromNonce);
    }

    /** A grant of {@link #leftInFlight} found paid on the adopted chain ({@link LedgerChain#carryOver}). */
    public boolean carryOver(GrantId id) {
        return ledger.carryOver(id, clock.instant());
    }

    /** {@link #check(ChainReads)} on the node the faucet's reads go to now. */
    public boolean check() {
        return check(node.consistent());
    }

    /**
     * Compares the genesis of the node behind {@code view} with the ledger's (recording it when the ledger has none).
     *
     * @return whether the faucet may pay on that node
     * @throws NodeException when the node cannot say (what was found before stands)
     */
    public synchronized boolean check(ChainReads view) {
        String nodeGenesis = genesisOf(view);
        Optional<String> recorded = ledger.genesis();
        String ledgerGenesis = recorded.orElseGet(() -> ledger.recordGenesis(nodeGenesis, clock.instant()));
        if (recorded.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "the ledger pays on the chain of genesis {0} (recorded now)", ledgerGenesis);
        }
        State before = state;
        State next = ledgerGenesis.equals(nodeGenesis) ? new State(Optional.of(ledgerGenesis), Optional.empty(), Instant.EPOCH)
                : before.node().equals(Optional.of(nodeGenesis)) && before.ledger().equals(Optional.of(ledgerGenesis)) ? before
                : new State(Optional.of(ledgerGenesis), Optional.of(nodeGenesis), clock.instant());
        if (next.equals(before)) {
            return next.payable();
        }
        state = next;
        if (!next.payable()) {
            // concatenated, not a MessageFormat pattern: the command's JSON braces would be read as arguments
            // each hash right after the word genesis: the logs mask any other 64 hex digits as a key
            LOG.log(System.Logger.Level.ERROR, "the chain was reset: the node's chain is genesis " + nodeGenesis + ", the ledger"
                    + " paid on genesis " + ledgerGenesis + ". The faucet pays nothing (no grant of the old chain is sent, re-sent or"
                    + " re-priced, no nonce filled) until an operator adopts the new chain, which fails the old chain's unconfirmed"
                    + " grants: curl -X POST -H \"Authorization: Bearer $ADMIN_TOKEN\" -H 'Content-Type: application/json'"
                    + " -d '{\"genesis\": \"" + nodeGenesis + "\"}' http://<host>:<port>/api/admin/chain/adopt"
                    + " (docs/operations.md, \"The chain was reset\")");
        } else if (before.node().isPresent()) {
            LOG.log(System.Logger.Level.INFO, "the node is on the ledger''s chain (genesis {0}): the faucet pays again", ledgerGenesis);
        }
        onChange.forEach(Runnable::run);
        return next.payable();
    }

    /**
     * Makes the node's chain the ledger's, in one transaction ({@link LedgerChain#adoptChain}), if its genesis is
     * {@code genesis}: the operator names the chain they adopt, so a node swapped meanwhile is not adopted by mistake.
     * Adopting the ledger's own chain changes nothing.
     *
     * @throws NotTheNodesChain when the node's genesis is another
     * @throws NodeException    when the node cannot say
     */
    public synchronized LedgerChain.Adoption adopt(String genesis) {
        ChainReads view = node.consistent();
        String nodeGenesis = genesisOf(view);
        if (!nodeGenesis.equalsIgnoreCase(genesis.strip())) {
            throw new NotTheNodesChain("the node's genesis block is " + nodeGenesis + ", not " + genesis.strip() + ": nothing adopted");
        }
        String previous = ledger.genesis().orElse(nodeGenesis);
        LedgerChain.Adoption adoption = ledger.adoptChain(previous, nodeGenesis, "the chain was reset (genesis " + previous
                + " replaced by " + nodeGenesis + "): not paid on the new chain", clock.instant());
        if (adoption.adopted()) {
            LOG.log(System.Logger.Level.WARNING, "adopted the chain of genesis {0} in place of genesis {1}: {2} unconfirmed grants failed,"
                    + " {3} grants of the old chain closed, its stored gap fillers and drains forgotten; the faucet pays on the"
                    + " new chain", nodeGenesis, previous, adoption.failed(), adoption.closed());
        }
        check(view);
        return adoption;
    }

    /**
     * The embedded dev chain is new on every start by design: its ledger adopts it at once, with one WARN line, instead
     * of waiting for an operator. A ledger with no chain recorded (new, or from before the record existed) adopts it
     * too: whatever it holds was paid on an earlier run's chain.
     */
    public synchronized LedgerChain.Adoption adoptAtStart() {
        ChainReads view = node.consistent();
        String nodeGenesis = genesisOf(view);
        Optional<String> recorded = ledger.genesis();
        String previous = recorded.orElse("an earlier run's chain");
        if (previous.equals(nodeGenesis)) {
            check(view);
            return new LedgerChain.Adoption(false, 0, 0);
        }
        LedgerChain.Adoption adoption = ledger.adoptChain(previous, nodeGenesis, "the embedded dev chain was restarted"
                + " (a new chain each start): not paid on the new one", clock.instant());
        if (adoption.closed() > 0) {
            LOG.log(System.Logger.Level.WARNING, "the embedded dev chain is new (genesis {0}, the ledger''s was {1}): adopted it;"
                    + " {2} unconfirmed grants of the previous run failed, {3} grants of it closed", nodeGenesis,
                    recorded.map(g -> "genesis " + g).orElse(previous),
                    adoption.failed(), adoption.closed());
        }
        check(view);
        return adoption;
    }

    private static String genesisOf(ChainReads view) {
        return view.blockHash(0).map(h -> h.toLowerCase(Locale.ROOT))
                .orElseThrow(() -> new NodeException(NodeFailure.BAD_RESPONSE, "the node has no genesis block"));
    }

    /**
     * The operator's controls as the faucet sees them: paused while the node's chain is not the ledger's, whatever the
     * operator's own pause says (which is kept, and stands again after an adoption). The reason says both when both
     * pause it: the operator's first, as the operator gave it, then the reset's ({@link #REASONS_JOINED}).
     */
    public FaucetControls controls(FaucetControls operators) {
        return new FaucetControls() {
            @Override
            public PauseState pauseState() {
                return seen(operators.pauseState());
            }

            @Override
            public PauseState pause(Optional<String> reason, Instant at) {
                return seen(operators.pause(reason, at));
            }

            @Override
            public PauseState resume(Instant at) {
                return seen(operators.resume(at));
            }

            private PauseState seen(PauseState operator) {
                return reset().map(r -> operator.paused()
                        ? new PauseState(true, Optional.of(operator.reason().orElse("paused by an operator") + REASONS_JOINED + r.reason()),
                                operator.since().filter(at -> at.isBefore(r.since())).or(() -> Optional.of(r.since())), Optional.of(r),
                                operator.operatorReason())
                        : new PauseState(true, Optional.of(r.reason()), Optional.of(r.since()), Optional.of(r), Optional.empty()))
                        .orElse(operator);
            }

            @Override
            public TopUp recordTopUp(TopUp topUp) {
                return operators.recordTopUp(topUp);
            }

            @Override
            public List<TopUp> recentTopUps(int limit) {
                return operators.recentTopUps(limit);
            }

            @Override
            public void audit(AuditEntry entry) {
                operators.audit(entry);
            }

            @Override
            public List<AuditEntry> recentAudit(int limit) {
                return operators.recentAudit(limit);
            }

            @Override
            public int pruneAudit(Instant before) {
                return operators.pruneAudit(before);
            }
        };
    }
}
