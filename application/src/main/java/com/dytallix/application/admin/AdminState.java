package com.dytallix.application.admin;

import com.dytallix.domain.Address;
import com.dytallix.domain.Wei;
import com.dytallix.domain.faucet.PauseState;
import com.dytallix.domain.faucet.TopUp;
import com.dytallix.domain.grant.GrantStatus;
import com.dytallix.domain.key.KeyRotation;
import com.dytallix.domain.key.RetiringKey;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything an operator checks first: pause, key, balance, what is in flight, recent changes, and
 * the keys rotated away from that are still finishing (with their drain, if one was asked for).
 */
public record AdminState(PauseState pause, Address faucetAddress, Optional<Wei> faucetBalance,
                         Map<GrantStatus, Long> unfinishedByStatus, Optional<KeyRotation> lastRotation,
                         List<TopUp> recentTopUps, List<RetiringKey> retiringKeys) {
}
