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

    TextNamedStatements(DbExecute delegate) {
        this.delegate = delegate;
    }

    @Override
    public DbStatementQuery createQuery(String statement) {
        return delegate.createNamedQuery(statement, statement);
    }

    @Override
    public DbStatementGet createGet(String statement) {
        return delegate.createNamedGet(statement, statement);
    }

    @Override
    public DbStatementDml createInsert(String statement) {
        return delegate.createNamedInsert(statement, statement);
    }

    @Override
    public DbStatementDml createUpdate(String statement) {
        return delegate.createNamedUpdate(statement, statement);
    }

    @Override
    public DbStatementDml createDelete(String statement) {
        return delegate.createNamedDelete(statement, statement);
    }

    @Override
    public DbStatementDml createDmlStatement(String statement) {
        return delegate.createNamedDmlStatement(statement, statement);
    }

    @Override
    public DbStatementQuery createNamedQuery(String name, String statement) {
        return delegate.createNamedQuery(name, statement);
    }

    @Override
    public DbStatementQuery createNamedQuery(String name) {
        return delegate.createNamedQuery(name);
    }

    @Override
    public DbStatementGet createNamedGet(String name, String statement) {
        return delegate.createNamedGet(name, statement);
    }

    @Override
    public DbStatementGet createNamedGet(String name) {
        return delegate.createNamedGet(name);
    }

    @Override
    public DbStatementDml createNamedInsert(String name, String statement) {
        return delegate.createNamedInsert(name, statement);
    }

    @Override
    public DbStatementDml createNamedInsert(String name) {
        return delegate.createNamedInsert(name);
    }

    @Override
    public DbStatementDml createNamedUpdate(String name, String statement) {
        return delegate.createNamedUpdate(name, statement);
    }

    @Override
    public DbStatementDml createNamedUpdate(String name) {
        return delegate.createNamedUpdate(name);
    }

    @Override
    public DbStatementDml createNamedDelete(String name, String statement) {
        return delegate.createNamedDelete(name, statement);
    }

    @Override
    public DbStatementDml createNamedDelete(String name) {
        return delegate.createNamedDelete(name);
    }

    @Override
    public DbStatementDml createNamedDmlStatement(String name, String statement) {
        return delegate.createNamedDmlStatement(name, statement);
    }

    @Override
    public DbStatementDml createNamedDmlStatement(String name) {
        return delegate.createNamedDmlStatement(name);
    }

    @Override
    public <C> C unwrap(Class<C> cls) {
        return delegate.unwrap(cls);
    }

    /** The same for a transaction. */
    static final class Transaction extends TextNamedStatements implements DbTransaction {
        private final DbTransaction transaction;

        Transaction(DbTransaction transaction) {
            super(transaction);
            this.transaction = transaction;
        }

        @Override
        public void commit() {
            transaction.commit();
        }

        @Override
        public void rollback() {
            transaction.rollback();
        }
    }
}
