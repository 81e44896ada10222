package com.dytallix.adapters.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.Address;
import com.dytallix.domain.IpRange;
import com.dytallix.domain.admission.Challenge;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ScryptProofOfWorkTest {
    private static final ScryptProofOfWork WORK = new ScryptProofOfWork();

    private static Challenge challenge(int difficulty) {
        return new Challenge("00112233445566778899aabbccddeeff", new Address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
                IpRange.parse("10.0.0.1"), difficulty, 1024, 8, 1, Instant.now().plusSeconds(600));
    }

    /** What a client does: count nonces up from 0 until the hash has the zero bits. */
    static String solve(Challenge c) {
        for (long nonce = 0; ; nonce++) {
            if (ScryptProofOfWork.leadingZeroBits(ScryptProofOfWork.hash(c, Long.toString(nonce))) >= c.difficulty()) {
                return Long.toString(nonce);
            }
        }
    }

    @Test
    void aSolvedChallengeIsAcceptedAndAnUnsolvedOneIsNot() {
        Challenge c = challenge(6);
        String nonce = solve(c);
        assertThat(WORK.solves(c, nonce)).isTrue();
        long unsolved = 0;
        while (ScryptProofOfWork.leadingZeroBits(ScryptProofOfWork.hash(c, Long.toString(unsolved))) >= 6) {
            unsolved++;
        }
        assertThat(WORK.solves(c, Long.toString(unsolved))).isFalse();
        assertThat(WORK.solves(challenge(64), nonce)).isFalse();
    }

    @Test
    void theHashIsScryptOfChallengeAddressAndNonceSaltedWithTheChallenge() {
        // computed independently (Python's hashlib.scrypt, OpenSSL): what a browser's scrypt library gives for
        // password "00112233445566778899aabbccddeeff:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed:0",
        // salt "00112233445566778899aabbccddeeff", N=1024, r=8, p=1, 32 bytes
        assertThat(HexFormat.of().formatHex(ScryptProofOfWork.hash(challenge(1), "0")))
                .isEqualTo("1c942903d3c77ab308e023de98bd2ff90036ad862c9d130919ccb2cd591868c5");
    }

    @Test
    void leadingZeroBitsCountsBitsNotBytes() {
        assertThat(ScryptProofOfWork.leadingZeroBits(new byte[] {0, 0, 0x10, 0})).isEqualTo(19);
        assertThat(ScryptProofOfWork.leadingZeroBits(new byte[] {(byte) 0x80})).isZero();
        assertThat(ScryptProofOfWork.leadingZeroBits(new byte[] {0, 1})).isEqualTo(15);
        assertThat(ScryptProofOfWork.leadingZeroBits(new byte[] {0, 0})).isEqualTo(16);
    }
}
