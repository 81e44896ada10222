package com.dytallix.domain.grant;

/**
 * The admission rules that read the ledger, run by {@link GrantLedger#reserve} inside its atomic
 * step. The budget they see is refilled by {@link #outflow()}; the reservation draws the final
 * payout from it.
 */
public interface LedgerAdmission {
    OutflowPolicy outflow();

    Decision decide(LedgerWindow window);
}
