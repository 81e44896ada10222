package com.dytallix.domain.grant;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.GrantId;
import com.dytallix.domain.Wei;
import com.dytallix.domain.admission.AdmissionRule;
import com.dytallix.domain.admission.AdmissionRules;
import com.dytallix.domain.admission.Applicant;
import com.dytallix.domain.admission.DailyCapRule;
import com.dytallix.domain.admission.QuotaRule;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The quota rules a ledger test reserves under (per client IP, per address, daily cap) and the
 * drip they start from, with an outflow budget too large to matter.
 */
public record TestAdmission(int perIp, int perAddress, Wei dailyCap, Wei drip) {
    public static final OutflowPolicy UNLIMITED = new OutflowPolicy(Wei.ofDyt("1000000000000"),
            Wei.ofDyt("1000000000000"), new BigDecimal("0.1"));
    public static final TestAdmission GENEROUS = new TestAdmission(1_000_000, 1_000_000, Wei.ofDyt("1000000000"),
            Wei.ofDyt("10"));

    public TestAdmission withDrip(Wei amount) {
        return new TestAdmission(perIp, perAddress, dailyCap, amount);
    }

    public LedgerAdmission of(ReservationRequest request) {
        return of(List.of(QuotaRule.perClient(perIp), QuotaRule.perAddress(perAddress), new DailyCapRule(dailyCap)),
                drip, UNLIMITED, request);
    }

    /** Any rules (all run in the ledger step) over the drip. */
    public static LedgerAdmission of(List<AdmissionRule> rules, Wei drip, OutflowPolicy outflow, ReservationRequest request) {
        return new AdmissionRules(rules, drip, outflow).inLedger(applicant(request), Decision.start(drip));
    }

    /** Reserves a grant of {@code amount} under generous quotas. */
    public static Reservation reserve(GrantLedger ledger, Address address, ClientIp ip, Wei amount, Instant now) {
        ReservationRequest request = request(address, ip, Optional.empty(), "h", now);
        return ledger.reserve(request, GENEROUS.withDrip(amount).of(request));
    }

    public static Applicant applicant(ReservationRequest r) {
        return new Applicant(r.address(), r.ip(), r.client(), r.subnet(), Optional.empty(), r.now());
    }

    /** A request from {@code ip}, its client counted by the default /64 for IPv6. */
    public static ReservationRequest request(Address address, ClientIp ip, Optional<String> key, String requestHash,
                                             Instant now) {
        return new ReservationRequest(GrantId.random(), address, ip, ip.client(64), ip.subnet(), key, requestHash, now);
    }
}
