package com.dytallix.application.faucet;

import com.dytallix.domain.ClientIp;
import com.dytallix.domain.admission.Applicant;
import java.util.Optional;

/**
 * A faucet request as it arrived: the address is still unvalidated text.
 *
 * @param proof the proof of work sent with it, if any
 */
public record DripCommand(String address, ClientIp ip, String userAgent, Optional<String> idempotencyKey,
                          boolean waitForConfirmation, Optional<Applicant.Proof> proof) {
}
