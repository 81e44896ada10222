package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.helidon.common.socket.SocketOptions;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The listener's settings as the server and the tests get them from {@link HttpListener#configure}. */
class HttpListenerTest {

    /**
     * Accepted connections without Nagle's algorithm; Helidon's other socket defaults kept. Fails on
     * the code before (Helidon's default is Nagle on). The latency it saves is measured by
     * bench/relay.sh (docs/performance.md); no client can see the server socket's option itself.
     */
    @Test
    void acceptedConnectionsHaveTcpNoDelayAndOtherwiseHelidonsDefaults() throws Exception {
        WebServerConfig.Builder server = WebServer.builder().port(0);
        var counts = new ConnectionLimits.Counts(new ConnectionLimits.Limits(10, 10, 64, new ClientIpResolver(List.of())));
        try (var deadlines = HttpListener.configure(server,
                new HttpListener.Limits(1024, Duration.ofSeconds(10), Duration.ofSeconds(60), counts), RequestObserver.NONE)) {
            SocketOptions options = server.buildPrototype().connectionOptions();
            SocketOptions defaults = WebServer.builder().port(0).buildPrototype().connectionOptions();
            assertThat(defaults.tcpNoDelay()).isFalse();
            assertThat(options.tcpNoDelay()).isTrue();
            assertThat(SocketOptions.builder().from(options).tcpNoDelay(false).build()).isEqualTo(defaults);
        }
    }
}
