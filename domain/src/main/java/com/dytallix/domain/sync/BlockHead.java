package com.dytallix.domain.sync;

import com.dytallix.domain.Wei;
import java.time.Instant;
import java.util.Optional;

/** The latest block as the node reports it. */
public record BlockHead(long number, Instant timestamp, Optional<Wei> baseFee) {
}
