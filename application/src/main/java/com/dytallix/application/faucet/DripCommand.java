package com.dytallix.application.faucet;

import com.dytallix.domain.ClientIp;
import com.dytallix.domain.admission.Applicant;
import java.util.Optional;

/**
 * A faucet request as it arrived: the address is still unvalidated text.
 *
 * @param proof     the proof of work sent with it, if any
 * @param arrivedAt when the request arrived, in {@link System#nanoTime()} terms (the HTTP edge's first look at
 *                  it): the send wait ({@link FaucetPolicy#sendWait()}) bounds the answer from here
 */
public record DripCommand(String address, ClientIp ip, String userAgent, Optional<String> idempotencyKey,
                          boolean waitForConfirmation, Optional<Applicant.Proof> proof, long arrivedAt) {
    /** A request arriving now. */
    public DripCommand(String address, ClientIp ip, String userAgent, Optional<String> idempotencyKey,
                       boolean waitForConfirmation, Optional<Applicant.Proof> proof) {
        this(address, ip, userAgent, idempotencyKey, waitForConfirmation, proof, System.nanoTime());
    }
}
