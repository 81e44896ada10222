package com.dytallix.domain.key;

import com.dytallix.domain.Wei;
import java.util.Optional;

/** What the node suggests paying now: base fee (absent on pre-London nodes), tip, and legacy gas price. */
public record FeeSuggestion(Optional<Wei> baseFee, Wei priorityFee, Wei gasPrice) {
}
