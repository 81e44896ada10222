package com.dytallix.adapters.persistence;

import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbStatementDml;
import io.helidon.dbclient.DbStatementGet;
import io.helidon.dbclient.DbStatementQuery;
import io.helidon.dbclient.DbTransaction;

/**
 * Helidon's {@link DbExecute} with every statement named by its own text. DbClient names an unnamed
 * statement by the SHA-256 of its text, with a new digest instance each time (about 2 % of the CPU
 * samples of bench/faucet.sh's grants); nothing here reads those names, and the text is the more
 * useful name in a message.
 */
class TextNamedStatements implements DbExecute {
    private final DbExecute delegate;
    /** Whether a statement was made: a transaction without one has nothing to end. */
    private boolean used;

    TextNamedStatements(DbExecute delegate) {
        this.delegate = delegate;
    }

    private DbExecute statements() {
        used = true;
        return delegate;
    }

    @Override
    public DbStatementQuery createQuery(String statement) {
        return statements().createNamedQuery(statement, statement);
    }

    @Override
    public DbStatementGet createGet(String statement) {
        return statements().createNamedGet(statement, statement);
    }

    @Override
    public DbStatementDml createInsert(String statement) {
        return statements().createNamedInsert(statement, statement);
    }

    @Override
    public DbStatementDml createUpdate(String statement) {
        return statements().createNamedUpdate(statement, statement);
    }

    @Override
    public DbStatementDml createDelete(String statement) {
        return statements().createNamedDelete(statement, statement);
    }

    @Override
    public DbStatementDml createDmlStatement(String statement) {
        return statements().createNamedDmlStatement(statement, statement);
    }

    @Override
    public DbStatementQuery createNamedQuery(String name, String statement) {
        return statements().createNamedQuery(name, statement);
    }

    @Override
    public DbStatementQuery createNamedQuery(String name) {
        return statements().createNamedQuery(name);
    }

    @Override
    public DbStatementGet createNamedGet(String name, String statement) {
        return statements().createNamedGet(name, statement);
    }

    @Override
    public DbStatementGet createNamedGet(String name) {
        return statements().createNamedGet(name);
    }

    @Override
    public DbStatementDml createNamedInsert(String name, String statement) {
        return statements().createNamedInsert(name, statement);
    }

    @Override
    public DbStatementDml createNamedInsert(String name) {
        return statements().createNamedInsert(name);
    }

    @Override
    public DbStatementDml createNamedUpdate(String name, String statement) {
        return statements().createNamedUpdate(name, statement);
    }

    @Override
    public DbStatementDml createNamedUpdate(String name) {
        return statements().createNamedUpdate(name);
    }

    @Override
    public DbStatementDml createNamedDelete(String name, String statement) {
        return statements().createNamedDelete(name, statement);
    }

    @Override
    public DbStatementDml createNamedDelete(String name) {
        return statements().createNamedDelete(name);
    }

    @Override
    public DbStatementDml createNamedDmlStatement(String name, String statement) {
        return statements().createNamedDmlStatement(name, statement);
    }

    @Override
    public DbStatementDml createNamedDmlStatement(String name) {
        return statements().createNamedDmlStatement(name);
    }

    boolean used() {
        return used;
    }

    @Override
    public <C> C unwrap(Class<C> cls) {
        return statements().unwrap(cls);
    }

    /**
     * The same for a transaction. One that made no statement never began (Helidon takes the connection
     * at the first): ending it is left out, where Helidon would log a warning for each (the
     * fingerprint writer's turn finds nothing left when a reservation wrote what it held).
     */
    static final class Transaction extends TextNamedStatements implements DbTransaction {
        private final DbTransaction transaction;

        Transaction(DbTransaction transaction) {
            super(transaction);
            this.transaction = transaction;
        }

        @Override
        public void commit() {
            if (used()) {
                transaction.commit();
            }
        }

        @Override
        public void rollback() {
            if (used()) {
                transaction.rollback();
            }
        }
    }
}
