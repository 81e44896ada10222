package com.dytallix.domain.faucet;

import com.dytallix.domain.Address;
import com.dytallix.domain.Wei;
import java.time.Instant;
import java.util.Optional;

/** An operator's record that the faucet was funded; {@code id} is empty until stored. */
public record TopUp(Optional<Long> id, Wei amount, String note, Address faucetAddress, Wei balanceAfter, Instant at) {
}
