package com.dytallix.application.faucet;

import com.dytallix.domain.ClientIp;
import java.util.Optional;

/** A faucet request as it arrived: the address is still unvalidated text. */
public record DripCommand(String address, ClientIp ip, String userAgent, Optional<String> idempotencyKey,
                          boolean waitForConfirmation) {
}
