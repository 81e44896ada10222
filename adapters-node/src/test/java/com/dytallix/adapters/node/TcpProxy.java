package com.dytallix.adapters.node;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP endpoint on 127.0.0.1 in front of a node, for tests: several endpoints in front of one
 * anvil are several nodes of one chain, and {@link #kill()} makes one vanish the way a crashed
 * node does (listener closed, open connections reset). Counts the connections it carried. After
 * {@link #hold()}, what clients send is taken in and never passed on: a call to a node that hangs.
 */
public final class TcpProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final URI target;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong connections = new AtomicLong();
    private volatile boolean killed;
    private volatile boolean holding;
    private final AtomicLong held = new AtomicLong();

    public TcpProxy(URI target) {
        this.target = target;
        try {
            listener = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread.ofVirtual().name("proxy-accept-" + listener.getLocalPort()).start(this::accept);
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort() + "/");
    }

    public int port() {
        return listener.getLocalPort();
    }

    public long connections() {
        return connections.get();
    }

    private void accept() {
        while (!killed) {
            try {
                Socket client = listener.accept();
                Socket node = new Socket(target.getHost(), target.getPort());
                synchronized (this) {
                    if (killed) { // accepted while the kill went through the open connections: it dies too
                        closeQuietly(client);
                        closeQuietly(node);
                        return;
                    }
                    connections.incrementAndGet();
                    open.add(client);
                    open.add(node);
                }
                Thread.ofVirtual().start(() -> pump(client, node, true));
                Thread.ofVirtual().start(() -> pump(node, client, false));
            } catch (IOException e) {
                if (killed) {
                    return;
                }
            }
        }
    }

    private void pump(Socket from, Socket to, boolean toNode) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (toNode && holding) {
                    held.incrementAndGet();
                    while (!killed) {
                        Thread.sleep(5);
                    }
                    return;
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException closed) {
            // one side went away: the other follows
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    /** From now on what clients send is held here, never reaching the node, until {@link #kill()}. */
    public void hold() {
        holding = true;
    }

    /** Pieces of requests held since {@link #hold()}. */
    public long held() {
        return held.get();
    }

    /** The endpoint is gone: no new connections, the open ones reset. */
    public synchronized void kill() {
        killed = true;
        closeQuietly(listener);
        for (Socket s : open) {
            try {
                s.setSoLinger(true, 0);
            } catch (IOException ignored) {
                // closing anyway
            }
            closeQuietly(s);
        }
        open.clear();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        kill();
    }
}
