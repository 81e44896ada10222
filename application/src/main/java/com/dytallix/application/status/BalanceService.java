package com.dytallix.application.status;

import com.dytallix.domain.Address;
import com.dytallix.domain.Keccak256;
import com.dytallix.domain.Wei;
import com.dytallix.domain.sync.ChainReads;

/** Looks up any account's balance on the node. */
public final class BalanceService {
    private final ChainReads node;
    private final Keccak256 keccak;

    public BalanceService(ChainReads node, Keccak256 keccak) {
        this.node = node;
        this.keccak = keccak;
    }

    public record Balance(Address address, Wei balance) {
    }

    /** @throws com.dytallix.domain.InvalidAddressException for a malformed address */
    public Balance of(String addressText) {
        Address address = Address.parse(addressText, keccak);
        return new Balance(address, node.balance(address));
    }
}
