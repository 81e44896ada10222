package com.dytallix.adapters.persistence;

import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbStatementDml;
import io.helidon.dbclient.DbStatementGet;
import io.helidon.dbclient.DbStatementQuery;
import io.helidon.dbclient.DbTransaction;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.BooleanSupplier;

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

    private DbExecute statements() {
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

    @Override
    public <C> C unwrap(Class<C> cls) {
        return statements().unwrap(cls);
    }

    /**
     * The same for a transaction, on the connection {@link Database#begin} took for it. One whose
     * Helidon transaction ran no statement never took the connection (Helidon takes it at the first):
     * ending Helidon's is left out, where Helidon would log a warning for each (the fingerprint writer's
     * turn finds nothing left when a reservation wrote what it held), and the connection goes back to the
     * pool here, committed or rolled back first when {@link JdbcReads} began the transaction on it.
     */
    static final class Transaction extends TextNamedStatements implements DbTransaction {
        private final DbTransaction transaction;
        private final Connection connection;
        private final BooleanSupplier takenBack;
        /** Whether {@link #connection()} began the transaction (Helidon's statements begin it too). */
        private boolean begun;

        /** @param takenBack forgets the connection as handed; true when Helidon's transaction never took it */
        Transaction(DbTransaction transaction, Connection connection, BooleanSupplier takenBack) {
            super(transaction);
            this.transaction = transaction;
            this.connection = connection;
            this.takenBack = takenBack;
        }

        /** The transaction's JDBC connection, for {@link JdbcReads}: in the transaction (autocommit off), as Helidon's statements are. */
        Connection connection() {
            if (!begun) {
                try {
                    connection.setAutoCommit(false);
                } catch (SQLException e) {
                    throw JdbcReads.failed(e);
                }
                begun = true;
            }
            return connection;
        }

        @Override
        public void commit() {
            end(true);
        }

        @Override
        public void rollback() {
            end(false);
        }

        private void end(boolean commit) {
            if (!takenBack.getAsBoolean()) {
                // Helidon's transaction ends it and gives the connection back
                if (commit) {
                    transaction.commit();
                } else {
                    transaction.rollback();
                }
                return;
            }
            try (connection) {
                if (begun) {
                    if (commit) {
                        connection.commit();
                    } else {
                        connection.rollback();
                    }
                }
            } catch (SQLException e) {
                throw JdbcReads.failed(e);
            }
        }
    }
}
