package com.dytallix.domain.grant;

import com.dytallix.domain.GrantId;
import java.util.Collection;
import java.util.Set;

/**
 * Word between the instances on one database that grants moved, so that nobody polls the ledger for it: an
 * instance that admitted a grant for the payer says so, and the payer says which grants it signed, sent or failed,
 * for the requests waiting on other instances. A notice is a hint, given once the write it speaks of is committed;
 * it decides nothing, and one may be lost (a listener reconnecting): whoever listens reads the ledger now and then
 * anyway, only less often.
 */
public interface GrantNotices {
    /** A grant was admitted here and waits for the payer. Returns at once (the notice goes out on its own). */
    void admitted();

    /** These grants were signed, sent or failed. Returns at once (the notice goes out on its own). */
    void moved(Collection<GrantId> ids);

    /** From now on {@code listener} hears every instance's notices, this one's included, on one thread. */
    void listen(Listener listener);

    /** Whether notices reach the other instances; when they do not, a waiter reads the ledger as often as it needs. */
    boolean acrossInstances();

    /** What an instance hears. */
    interface Listener {
        void admitted();

        void moved(Set<GrantId> ids);
    }

    /** No notices: one instance alone, instances on one SQLite file, tests. */
    GrantNotices NONE = new GrantNotices() {
        @Override
        public void admitted() {
        }

        @Override
        public void moved(Collection<GrantId> ids) {
        }

        @Override
        public void listen(Listener listener) {
        }

        @Override
        public boolean acrossInstances() {
            return false;
        }
    };
}
