package com.dytallix.domain.sync;

/**
 * The EVM node (or the set of nodes of one chain) the faucet pays through and the relay forwards
 * to, in its three roles: {@link ChainReads} for the faucet's bookkeeping and the status,
 * {@link TransactionSender} for the payer, {@link NodeRelay} for the relay. The composition root
 * holds one; each use case takes only the role it needs.
 */
public interface ChainNode extends ChainReads, TransactionSender, NodeRelay {
}
