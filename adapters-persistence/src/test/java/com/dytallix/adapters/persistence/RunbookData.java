package com.dytallix.adapters.persistence;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.TxHash;
import com.dytallix.domain.Wei;
import com.dytallix.domain.grant.Fingerprint;
import com.dytallix.domain.grant.Grant;
import com.dytallix.domain.grant.Reservation;
import com.dytallix.domain.grant.TestAdmission;
import com.dytallix.domain.key.Fees;
import com.dytallix.domain.key.SignedTransaction;
import com.dytallix.domain.key.UnsignedTransaction;
import com.dytallix.domain.payer.Lease;
import java.time.Duration;
import java.time.Instant;

/**
 * What the runbook's queries are checked against, written through the ledger as the server writes
 * it: in the last hour four grants from 198.51.100.1 (one of them two hours old) and one from
 * 198.51.100.2; old grants of 198.51.100.3 (31 and 29 days, confirmed; 40 days, failed); 203.0.113.9
 * asking for seven addresses in the last hour (twice each), 203.0.113.10 for three, and old
 * fingerprints of 203.0.113.11 (6, 8 and 9 days).
 */
final class RunbookData {
    private static final Address FAUCET = new Address("0x00000000000000000000000000000000000000fa");

    private final SqlGrantLedger ledger;
    private final Lease lease;

    RunbookData(SqlGrantLedger ledger, Lease lease) {
        this.ledger = ledger;
        this.lease = lease;
    }

    void write(Instant now) {
        for (int minutes : new int[] {10, 20, 30, 120}) {
            grant("198.51.100.1", minutes, now.minus(Duration.ofMinutes(minutes)));
        }
        grant("198.51.100.2", 5, now.minus(Duration.ofMinutes(5)));
        confirm(grant("198.51.100.3", 31 * 1440, now.minus(Duration.ofDays(31))), now);
        ledger.markFailed(grant("198.51.100.3", 40 * 1440, now.minus(Duration.ofDays(40))).id(), "reverted", now);
        confirm(grant("198.51.100.3", 29 * 1440, now.minus(Duration.ofDays(29))), now);
        for (int a = 0; a < 7; a++) {
            fingerprint("203.0.113.9", 100 + a, now.minus(Duration.ofMinutes(a + 1)));
            fingerprint("203.0.113.9", 100 + a, now.minus(Duration.ofMinutes(a + 2)));
        }
        fingerprint("203.0.113.9", 200, now.minus(Duration.ofHours(2)));
        for (int a = 0; a < 3; a++) {
            fingerprint("203.0.113.10", 300 + a, now.minus(Duration.ofMinutes(a + 1)));
        }
        fingerprint("203.0.113.11", 400, now.minus(Duration.ofDays(8)));
        fingerprint("203.0.113.11", 401, now.minus(Duration.ofDays(9)));
        fingerprint("203.0.113.11", 402, now.minus(Duration.ofDays(6)));
        ledger.flushFingerprints(); // the server does it a few times a second
    }

    private Grant grant(String ip, int n, Instant at) {
        Reservation reservation = TestAdmission.reserve(ledger, new Address("0x%040x".formatted(n)), ClientIp.parse(ip), Wei.ofDyt("10"), at);
        return ((Reservation.Reserved) reservation).grant();
    }

    private void confirm(Grant grant, Instant at) {
        TxHash hash = new TxHash("0x%064x".formatted(grant.address().bytes()[19] & 0xff));
        ledger.markSigned(grant.id(), new SignedTransaction(FAUCET, new UnsignedTransaction(31337, 1, grant.address(),
                grant.amount(), UnsignedTransaction.TRANSFER_GAS, new Fees.Legacy(Wei.of(1))), "0x01", hash), at, lease);
        ledger.markSubmitted(grant.id(), at);
        ledger.markConfirmed(grant.id(), hash, 10, at);
    }

    private void fingerprint(String ip, int address, Instant at) {
        ledger.recordFingerprint(new Fingerprint(ClientIp.parse(ip), ClientIp.parse(ip).client(64), new Address("0x%040x".formatted(address)),
                "curl/8.5", "fp", "granted", at));
    }
}
