package com.dytallix.adapters.persistence;

import com.dytallix.domain.GrantId;
import com.dytallix.domain.grant.GrantNotices;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * {@link GrantNotices} over PostgreSQL's {@code NOTIFY}/{@code LISTEN} on one channel: every instance on the
 * database hears every instance's notices. Notices are sent by one thread, those queued meanwhile together (a
 * request never waits for one), on a pooled connection in autocommit; they are heard by another thread on a
 * connection of its own that listens, opened again a second after it fails (notices sent meanwhile are not heard:
 * the waiters' own reads cover them). A payload is {@code a} (admitted) or {@code m} and grant ids separated by
 * commas (moved), under PostgreSQL's 8000 bytes.
 *
 * <p>Moves are told only while some instance has lately said it admitted a grant for the payer (heard here within
 * {@link #TELL_MOVES_FOR}): only a request on such an instance waits for another instance's moves, and an instance that
 * is not the payer says so for every grant it admits. A lone instance, or one whose fellows admit nothing, so sends no
 * {@code pg_notify} for the grants it signs, sends and settles (0.42 a grant before, for the grants whose own request had
 * been answered already). A move not told for a grant admitted elsewhere before its admission was heard is a lost notice:
 * its waiter reads the ledger within its next look.
 */
final class PostgresGrantNotices implements GrantNotices, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PostgresGrantNotices.class.getName());
    static final String CHANNEL = "dytallix_grants";
    private static final String ADMITTED = "a";
    private static final String MOVED = "m";
    /** Characters of one payload at most: PostgreSQL refuses 8000 bytes or more. */
    private static final int MOST_PAYLOAD = 7000;
    /** Notices waiting to be sent at most: past that they are dropped (they are hints; the waiters read anyway). */
    private static final int MOST_QUEUED = 65_536;
    private static final int LISTEN_WAIT_MS = 500;
    private static final long RECONNECT_AFTER_MS = 1000;
    /** How long after an admission was heard moves are told: far longer than a request waits for its grant. */
    static final java.time.Duration TELL_MOVES_FOR = java.time.Duration.ofMinutes(1);

    private final PostgresDatabase database;
    /** {@link #ADMITTED}, or a grant id. */
    private final LinkedBlockingQueue<String> outgoing = new LinkedBlockingQueue<>(MOST_QUEUED);
    private volatile boolean closed;
    /** Whether an admission was heard yet, and when the last one was ({@link System#nanoTime}). */
    private volatile boolean admissionHeard;
    private volatile long admissionHeardAt;
    private Thread sender;
    private Thread listener;

    PostgresGrantNotices(PostgresDatabase database) {
        this.database = database;
    }

    @Override
    public void admitted() {
        send(ADMITTED);
    }

    @Override
    public void moved(Collection<GrantId> ids) {
        if (admissionHeard && System.nanoTime() - admissionHeardAt < TELL_MOVES_FOR.toNanos()) {
            ids.forEach(id -> send(id.value()));
        }
    }

    private void send(String notice) {
        if (!closed && outgoing.offer(notice)) {
            startSender();
        }
    }

    private synchronized void startSender() {
        if (sender == null && !closed) {
            sender = Thread.ofPlatform().daemon().name("grant-notices-out").start(this::sendAll);
        }
    }

    @Override
    public synchronized void listen(Listener heard) {
        if (listener != null || closed) {
            throw new IllegalStateException("one listener per instance, before the notices are closed");
        }
        listener = Thread.ofPlatform().daemon().name("grant-notices-in").start(() -> hear(heard));
    }

    @Override
    public boolean acrossInstances() {
        return true;
    }

    private void sendAll() {
        while (!closed) {
            List<String> batch = new ArrayList<>();
            try {
                String first = outgoing.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
            } catch (InterruptedException e) {
                return;
            }
            outgoing.drainTo(batch);
            try {
                List<String> payloads = payloads(batch);
                database.readJdbc(connection -> {
                    try (PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
                        for (String payload : payloads) {
                            notify.setString(1, CHANNEL);
                            notify.setString(2, payload);
                            notify.execute();
                        }
                    }
                    return null;
                });
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "grant notices not sent ({0}): the instances read the ledger by themselves",
                        database.loggable(String.valueOf(e.getMessage())));
            }
        }
    }

    /** The notices of {@code batch}, one payload for any admissions and the moved ids in as few as fit. */
    static List<String> payloads(List<String> batch) {
        List<String> payloads = new ArrayList<>();
        Set<String> ids = new LinkedHashSet<>(batch);
        if (ids.remove(ADMITTED)) {
            payloads.add(ADMITTED);
        }
        StringBuilder moved = new StringBuilder(MOVED);
        for (String id : ids) {
            if (moved.length() > MOVED.length() && moved.length() + 1 + id.length() > MOST_PAYLOAD) {
                payloads.add(moved.toString());
                moved = new StringBuilder(MOVED);
            }
            moved.append(moved.length() > MOVED.length() ? "," : "").append(id);
        }
        if (moved.length() > MOVED.length()) {
            payloads.add(moved.toString());
        }
        return payloads;
    }

    private void hear(Listener heard) {
        boolean warned = false;
        while (!closed) {
            Properties login = new Properties();
            login.setProperty("user", database.url().user());
            login.setProperty("password", database.url().password());
            // the driver itself, not DriverManager's lookup by URL: nothing depends on how the jar registers drivers
            try (Connection connection = new org.postgresql.Driver().connect(database.url().jdbcUrl(), login)) {
                // the URL's own options, as the instance lock's connection (see there): LISTEN waits for no lock and
                // a notice carries no time, but an idle_session_timeout would end this session time and again
                PostgresLock.keepIdleSession(connection);
                try (Statement listen = connection.createStatement()) {
                    listen.execute("LISTEN " + CHANNEL);
                }
                if (warned) {
                    LOG.log(System.Logger.Level.INFO, "listening to the other instances' grant notices again");
                    warned = false;
                }
                PGConnection pg = connection.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] notices = pg.getNotifications(LISTEN_WAIT_MS);
                    if (notices != null && notices.length > 0) {
                        deliver(notices, heard);
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    return;
                }
                if (!warned) {
                    warned = true;
                    LOG.log(System.Logger.Level.WARNING, "not hearing the other instances' grant notices ({0}); requests waiting"
                            + " for the payer read the ledger by themselves meanwhile",
                            database.loggable(String.valueOf(e.getMessage())));
                }
                try {
                    Thread.sleep(RECONNECT_AFTER_MS);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    private void deliver(PGNotification[] notices, Listener heard) {
        boolean admitted = false;
        Set<GrantId> moved = new HashSet<>();
        for (PGNotification n : notices) {
            String payload = n.getParameter();
            if (ADMITTED.equals(payload)) {
                admitted = true;
            } else if (payload != null && payload.startsWith(MOVED)) {
                for (String id : payload.substring(MOVED.length()).split(",")) {
                    try {
                        moved.add(new GrantId(id));
                    } catch (IllegalArgumentException notOurs) {
                        // someone else's notice on the channel: nothing to wake
                    }
                }
            }
        }
        if (admitted) {
            admissionHeardAt = System.nanoTime();
            admissionHeard = true;
        }
        try {
            if (!moved.isEmpty()) {
                heard.moved(moved);
            }
            if (admitted) {
                heard.admitted();
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "a grant notice was not handled: " + e);
        }
    }

    /** Stops sending at once; the listener closes its connection within {@link #LISTEN_WAIT_MS}. */
    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            if (sender != null) {
                sender.interrupt();
            }
        }
    }
}
