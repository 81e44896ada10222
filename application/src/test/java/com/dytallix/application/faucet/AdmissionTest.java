package com.dytallix.application.faucet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.ClientIp;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.Wei;
import com.dytallix.domain.admission.Applicant;
import com.dytallix.domain.admission.Block;
import com.dytallix.domain.grant.Fingerprint;
import com.dytallix.domain.admission.Challenge;
import com.dytallix.domain.admission.ProofOfWorkPolicy;
import com.dytallix.domain.grant.Factor;
import com.dytallix.domain.grant.LimitScope;
import com.dytallix.domain.grant.OutflowPolicy;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The admission rules as the drip use case runs them, over in-memory ports. */
class AdmissionTest {
    private static final Wei DRIP = Wei.ofDyt("10");

    private static FaucetRefusal refusal(Runnable request) {
        try {
            request.run();
        } catch (FaucetRefusal r) {
            return r;
        }
        throw new AssertionError("the request was not refused");
    }

    @Test
    void aBlockedRangeOrAddressIsRefusedFirstAndServedOnceUnblocked() {
        FaucetHarness h = new FaucetHarness();
        h.controls.pause(Optional.of("maintenance"), Instant.now());
        Block range = h.blocks.add(new Block.Target.Range(IpRange.parse("198.51.100.0/24")), "drain", Instant.now(),
                Optional.empty());
        h.blocks.add(new Block.Target.Recipient(FaucetHarness.parsed(7)), "mule", Instant.now(), Optional.empty());

        // the block list comes before the pause
        FaucetRefusal blocked = refusal(() -> h.request(FaucetHarness.address(1), "198.51.100.77"));
        assertThat(blocked.kind()).isEqualTo(FaucetRefusal.Kind.BLOCKED);
        assertThat(blocked.blockedScope()).contains("ip");
        assertThat(refusal(() -> h.request(FaucetHarness.address(7), "10.0.0.1")).blockedScope()).contains("address");
        assertThat(h.outcomes("198.51.100.77")).as("the outcome the suspicious-activity rule leaves out").containsExactly(Fingerprint.BLOCKED);

        h.controls.resume(Instant.now());
        h.blocks.remove(range.id());
        assertThat(h.request(FaucetHarness.address(1), "198.51.100.77").accepted()).isTrue();
    }

    @Test
    void anExpiredBlockNoLongerRefuses() {
        FaucetHarness h = new FaucetHarness();
        h.blocks.add(new Block.Target.Range(IpRange.parse("203.0.113.5")), "an hour", Instant.now().minusSeconds(7200),
                Optional.of(Instant.now().minusSeconds(3600)));
        assertThat(h.request(FaucetHarness.address(1), "203.0.113.5").accepted()).isTrue();
    }

    @Test
    void aProofOfWorkIsRequiredAndEachChallengeAnswersOneRequestOfItsAddressAndClient() {
        FaucetHarness h = new FaucetHarness().withProofOfWork(new ProofOfWorkPolicy(4, 1024, 1, 1, Duration.ofMinutes(10)));
        ClientIp me = ClientIp.parse("10.0.0.1");

        assertThat(refusal(() -> h.request(FaucetHarness.address(1), "10.0.0.1")).kind())
                .isEqualTo(FaucetRefusal.Kind.POW_REQUIRED);

        Challenge wrongNonce = h.drips.challenge(FaucetHarness.address(1), me);
        assertThat(refusal(() -> h.request(command(1, "10.0.0.1", wrongNonce, "7"))).kind())
                .isEqualTo(FaucetRefusal.Kind.POW_INVALID);
        // a wrong answer used the challenge up: no second guess with it
        assertThat(refusal(() -> h.request(command(1, "10.0.0.1", wrongNonce, "42"))).getMessage())
                .contains("already used");

        Challenge forOther = h.drips.challenge(FaucetHarness.address(2), me);
        assertThat(refusal(() -> h.request(command(1, "10.0.0.1", forOther, "42"))).getMessage())
                .contains("another address");
        Challenge stolen = h.drips.challenge(FaucetHarness.address(3), me);
        assertThat(refusal(() -> h.request(command(3, "10.9.9.9", stolen, "42"))).getMessage())
                .contains("another address or client");

        Challenge good = h.drips.challenge(FaucetHarness.address(1), me);
        assertThat(good.difficulty()).isEqualTo(4);
        assertThat(h.request(command(1, "10.0.0.1", good, "42")).accepted()).isTrue();
        // replayed: the challenge is gone
        assertThat(refusal(() -> h.request(command(1, "10.0.0.1", good, "42"))).kind())
                .isEqualTo(FaucetRefusal.Kind.POW_INVALID);
        assertThat(h.challenges.size()).isZero();
    }

    @Test
    void aMadeUpOrAlteredChallengeIsRefusedWithoutALookupAndAnotherInstancesIsAnsweredOnce() {
        FaucetHarness h = new FaucetHarness().withProofOfWork(new ProofOfWorkPolicy(4, 1024, 1, 1, Duration.ofMinutes(10)));
        FaucetHarness other = new FaucetHarness(h, "second");
        ClientIp me = ClientIp.parse("10.0.0.1");
        Challenge issued = other.drips.challenge(FaucetHarness.address(1), me);

        String madeUp = "0123456789abcdef0123456789abcdef";
        String altered = issued.id().substring(0, 31) + (issued.id().endsWith("0") ? "1" : "0");
        for (String id : List.of(madeUp, altered)) {
            Challenge forged = new Challenge(id, issued.address(), issued.client(), issued.difficulty(), issued.n(), issued.r(),
                    issued.p(), issued.expiresAt());
            FaucetRefusal refused = refusal(() -> h.request(command(1, "10.0.0.1", forged, "42")));
            assertThat(refused.kind()).isEqualTo(FaucetRefusal.Kind.POW_INVALID);
            assertThat(refused.getMessage()).contains("unknown or already used challenge");
        }
        assertThat(h.challenges.lookups()).as("made-up and altered ids never reach the store").isZero();
        assertThat(h.challenges.size()).as("the genuine challenge is still there").isEqualTo(1);

        // issued by the other instance, answered here, once
        assertThat(h.request(command(1, "10.0.0.1", issued, "42")).accepted()).isTrue();
        assertThat(refusal(() -> other.request(command(1, "10.0.0.1", issued, "42"))).getMessage())
                .contains("already used");
        assertThat(h.challenges.lookups()).isEqualTo(2);
    }

    @Test
    void whileThePreviousVersionsChallengesAreOutstandingAnUnprovenIdIsStillLookedUp() {
        FaucetHarness h = new FaucetHarness().withProofOfWork(new ProofOfWorkPolicy(4, 1024, 1, 1, Duration.ofMinutes(10)));
        ClientIp me = ClientIp.parse("10.0.0.1");
        Challenge template = h.drips.challenge(FaucetHarness.address(1), me);
        Challenge old = new Challenge("00112233445566778899aabbccddeeff", template.address(), template.client(), template.difficulty(),
                template.n(), template.r(), template.p(), template.expiresAt());
        h.challenges.issueAsPreviousVersion(old);

        assertThat(h.request(command(1, "10.0.0.1", old, "42")).accepted()).isTrue();
        // none of the previous version's left: unproven ids are refused from memory again
        int lookups = h.challenges.lookups();
        assertThat(refusal(() -> h.request(command(2, "10.0.0.1", old, "42"))).kind())
                .isEqualTo(FaucetRefusal.Kind.POW_INVALID);
        assertThat(h.challenges.lookups()).isEqualTo(lookups);
    }

    @Test
    void anExpiredChallengeIsRefused() throws Exception {
        FaucetHarness h = new FaucetHarness().withProofOfWork(new ProofOfWorkPolicy(4, 1024, 1, 1, Duration.ofMillis(1)));
        Challenge c = h.drips.challenge(FaucetHarness.address(1), ClientIp.parse("10.0.0.1"));
        Thread.sleep(20);
        assertThat(refusal(() -> h.request(command(1, "10.0.0.1", c, "42"))).getMessage()).contains("expired");
    }

    @Test
    void anIpv6ClientIsItsSlash64AsTheAttackCameFifteenAddressesOfOnePrefix() {
        FaucetHarness h = new FaucetHarness(new FaucetPolicy.Limits(10, 1000, 1, Wei.ofDyt("10000"), 1000));
        List<String> answers = new ArrayList<>();
        for (int i = 1; i <= 15; i++) {
            try {
                h.request(FaucetHarness.address(i), "2001:db8:1:2:" + Integer.toHexString(i) + "::" + i);
                answers.add("granted");
            } catch (FaucetRefusal r) {
                answers.add(r.scope().orElseThrow().wireName());
            }
        }
        assertThat(answers.stream().filter("granted"::equals)).hasSize(10);
        assertThat(answers.subList(10, 15)).containsOnly("ip");
        // the neighbouring /64 is another client
        assertThat(h.request(FaucetHarness.address(99), "2001:db8:1:3::1").accepted()).isTrue();
    }

    @Test
    void theSuspiciousLimitCountsAnIpv6ClientByItsPrefixToo() {
        FaucetHarness h = new FaucetHarness();
        for (int i = 1; i <= 5; i++) {
            h.request(FaucetHarness.address(i), "2001:db8:5:5::" + i);
        }
        assertThat(refusal(() -> h.request(FaucetHarness.address(6), "2001:db8:5:5::6")).scope())
                .contains(LimitScope.SUSPICIOUS);
    }

    @Test
    void tenParallelRequestsFromOneIpForDifferentAddressesStopAtTheSuspiciousLimit() throws Exception {
        FaucetHarness h = new FaucetHarness(new FaucetPolicy.Limits(100, 1000, 1, Wei.ofDyt("10000"), 5));
        ExecutorService pool = Executors.newFixedThreadPool(10);
        List<Callable<Boolean>> calls = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            int n = i;
            calls.add(() -> {
                try {
                    h.request(FaucetHarness.address(n), "10.0.0.50");
                    return true;
                } catch (FaucetRefusal r) {
                    assertThat(r.scope()).contains(LimitScope.SUSPICIOUS);
                    return false;
                }
            });
        }
        int paid = 0;
        for (Future<Boolean> f : pool.invokeAll(calls)) {
            paid += f.get() ? 1 : 0;
        }
        pool.shutdown();
        assertThat(paid).isEqualTo(5);
    }

    @Test
    void theSubnetQuotaHoldsAcrossManyClientsOfOneSlash24() {
        FaucetHarness h = new FaucetHarness(new FaucetPolicy.Limits(10, 3, 1, Wei.ofDyt("10000"), 5));
        for (int i = 1; i <= 3; i++) {
            h.request(FaucetHarness.address(i), "192.0.2." + i);
        }
        assertThat(refusal(() -> h.request(FaucetHarness.address(4), "192.0.2.200")).scope()).contains(LimitScope.SUBNET);
        assertThat(h.request(FaucetHarness.address(4), "192.0.3.1").accepted()).isTrue();
    }

    @Test
    void aBurstFarAboveTheBudgetShrinksEachPayoutAndStopsWithinBudgetAndDebt() {
        // 24 DYT a day (1 an hour), 40 DYT of buffer and of debt: the burst pays at most 80 DYT and a little
        OutflowPolicy outflow = new OutflowPolicy(Wei.ofDyt("24"), Wei.ofDyt("40"), new BigDecimal("0.1"));
        FaucetHarness h = new FaucetHarness(new FaucetPolicy.Limits(1000, 1000, 1, Wei.ofDyt("10000"), 1000))
                .withOutflow(outflow);
        List<Wei> paid = new ArrayList<>();
        List<LimitScope> refused = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            try {
                paid.add(h.request(FaucetHarness.address(i), "10.1." + (i / 200) + "." + (i % 200)).grant().amount());
            } catch (FaucetRefusal r) {
                refused.add(r.scope().orElseThrow());
            }
        }
        BigInteger total = paid.stream().map(Wei::value).reduce(BigInteger.ZERO, BigInteger::add);
        assertThat(total).isLessThanOrEqualTo(Wei.ofDyt("80").plus(DRIP).value());
        assertThat(total).isGreaterThanOrEqualTo(Wei.ofDyt("80").value());
        assertThat(paid.subList(0, 4)).containsOnly(DRIP);
        for (int i = 5; i < paid.size(); i++) {
            assertThat(paid.get(i)).isLessThanOrEqualTo(paid.get(i - 1));
        }
        assertThat(paid.getLast()).isGreaterThanOrEqualTo(Wei.ofDyt("1"));
        assertThat(refused).isNotEmpty().containsOnly(LimitScope.DAILY_CAP);
        // the grants record the governor's factor; the info endpoint shows the budget in debt and nothing to pay
        assertThat(h.ledger.find(h.ledger.search(new com.dytallix.domain.grant.GrantQuery(Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), 1)).getFirst().id()).orElseThrow().factors())
                .extracting(Factor::rule).containsExactly("governor");
        FaucetInfo info = h.drips.info(ClientIp.parse("10.9.9.9"));
        assertThat(info.budget()).isNegative();
        assertThat(info.payout()).isEqualTo(Wei.ZERO);
    }

    @Test
    void aClientOnTheReputationListGetsItsShareAndTheGrantSaysWhy() {
        FaucetHarness h = new FaucetHarness();
        h.badReputation.add(ClientIp.parse("203.0.113.7"));
        DripResult r = h.request(FaucetHarness.address(1), "203.0.113.7");
        assertThat(r.grant().amount()).isEqualTo(Wei.ofDyt("1"));
        assertThat(r.grant().factors()).containsExactly(new Factor("reputation", new BigDecimal("0.1")));
        h.chain.mine();
        assertThat(h.chain.paymentsTo(FaucetHarness.parsed(1))).containsExactly(Wei.ofDyt("1").value());
        assertThat(h.drips.info(ClientIp.parse("203.0.113.7")).payout()).isEqualTo(Wei.ofDyt("1"));
        assertThat(h.drips.info(ClientIp.parse("203.0.113.8")).payout()).isEqualTo(DRIP);
    }

    @Test
    void theChallengeGetsHarderAsTheBudgetRunsIntoDebt() {
        OutflowPolicy outflow = new OutflowPolicy(Wei.ofDyt("24"), Wei.ofDyt("20"), new BigDecimal("0.1"));
        FaucetHarness h = new FaucetHarness(new FaucetPolicy.Limits(1000, 1000, 1, Wei.ofDyt("10000"), 1000))
                .withOutflow(outflow).withProofOfWork(new ProofOfWorkPolicy(10, 1024, 1, 1, Duration.ofMinutes(10)));
        ClientIp me = ClientIp.parse("10.0.0.1");
        assertThat(h.drips.challenge(FaucetHarness.address(1), me).difficulty()).isEqualTo(10);
        for (int i = 0; i < 3; i++) {
            Challenge c = h.drips.challenge(FaucetHarness.address(i), me);
            h.request(command(i, "10.0.0.1", c, "42"));
        }
        // 20 DYT spent of 20, then 10 more into debt: half way to the debt limit, +4 bits
        assertThat(h.drips.challenge(FaucetHarness.address(9), me).difficulty()).isEqualTo(14);
        assertThat(h.drips.info(me).powDifficulty()).isEqualTo(14);
    }

    private static DripCommand command(int address, String ip, Challenge challenge, String nonce) {
        return new DripCommand(FaucetHarness.address(address), ClientIp.parse(ip), "ua", Optional.empty(), false,
                Optional.of(new Applicant.Proof(challenge.id(), nonce)));
    }
}
