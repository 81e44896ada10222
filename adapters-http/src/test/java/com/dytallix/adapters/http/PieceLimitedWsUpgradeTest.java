package com.dytallix.adapters.http;

import com.dytallix.domain.MemoryBudget;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.helidon.common.buffers.DataReader;
import io.helidon.websocket.WsCloseException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class PieceLimitedWsUpgradeTest {
    /** A socket whose reads are given in advance; empty means the peer closed. */
    private static Supplier<byte[]> reads(Deque<byte[]> pieces) {
        return pieces::poll;
    }

    private static DataReader reader(DataReader socket, int maxPieces) {
        return new PieceLimitedWsUpgrade.Pieces(socket, maxPieces, new MemoryBudget(Long.MAX_VALUE), null).reader;
    }

    private static Deque<byte[]> bytesOneByOne(int n) {
        Deque<byte[]> pieces = new ArrayDeque<>();
        for (int i = 0; i < n; i++) {
            pieces.add(new byte[] {(byte) i});
        }
        return pieces;
    }

    @Test
    void theBoundIsOneReadPer64BytesOfTheLargestFrameAndNeverBelow256() {
        assertThat(PieceLimitedWsUpgrade.maxPieces(256 * 1024)).isEqualTo(4096);
        assertThat(PieceLimitedWsUpgrade.maxPieces(4096)).isEqualTo(256);
    }

    @Test
    void aFrameStillArrivingInMoreReadsThanTheBoundClosesAsTooBig() {
        DataReader reader = reader(new DataReader(reads(bytesOneByOne(10_000))), 256);
        assertThatThrownBy(() -> reader.readBuffer(1000))
                .isInstanceOfSatisfying(WsCloseException.class, e -> assertThat(e.closeCode()).isEqualTo(1009))
                .hasMessage("a frame arrived in more than 256 pieces");
    }

    @Test
    void readsThatAreConsumedNoLongerCount() {
        // a long-lived connection: ten thousand one-byte reads, each consumed before the next
        DataReader reader = reader(new DataReader(reads(bytesOneByOne(10_000))), 256);
        for (int i = 0; i < 10_000; i++) {
            assertThat(reader.read()).isEqualTo((byte) i);
        }
        // and frames that straddle reads, consumed one after the other: never more than two held
        Deque<byte[]> halves = new ArrayDeque<>();
        for (int i = 0; i < 5_000; i++) {
            halves.add(new byte[] {1, 2, 3});
        }
        DataReader frames = reader(new DataReader(reads(halves)), 256);
        for (int i = 0; i < 7_500; i++) {
            assertThat(frames.readBytes(2)).hasSize(2);
        }
    }

    @Test
    void aLargeFrameInOrdinaryReadsIsRead() {
        Deque<byte[]> pieces = new ArrayDeque<>();
        for (int i = 0; i < 256; i++) {
            pieces.add(new byte[1024]);
        }
        DataReader reader = reader(new DataReader(reads(pieces)), PieceLimitedWsUpgrade.maxPieces(256 * 1024));
        assertThat(reader.readBuffer(256 * 1024).available()).isEqualTo(256 * 1024);
    }

    @Test
    void whatTheConnectionsReaderAlreadyHeldComesFirst() {
        Deque<byte[]> socket = new ArrayDeque<>();
        socket.add(new byte[] {'G', 'E', 'T', 9, 8});
        socket.add(new byte[] {7});
        DataReader http = new DataReader(reads(socket));
        assertThat(http.readBytes(3)).isEqualTo(new byte[] {'G', 'E', 'T'}); // the upgrade request, read by HTTP/1
        DataReader ws = reader(http, 256);
        assertThat(ws.readBytes(3)).isEqualTo(new byte[] {9, 8, 7});
        assertThatThrownBy(ws::read).isInstanceOf(DataReader.InsufficientDataAvailableException.class);
    }

    @Test
    void framesStillArrivingOnAllConnectionsTogetherStayWithinTheBudgetAndAreGivenBack() {
        MemoryBudget budget = new MemoryBudget(6_000);
        Deque<byte[]> first = new ArrayDeque<>();
        Deque<byte[]> second = new ArrayDeque<>();
        for (int i = 0; i < 4; i++) {
            first.add(new byte[1000]);
            second.add(new byte[1000]);
        }
        var a = new PieceLimitedWsUpgrade.Pieces(new DataReader(reads(first)), 256, budget, null);
        var b = new PieceLimitedWsUpgrade.Pieces(new DataReader(reads(second)), 256, budget, null);
        // the first holds 4,000 bytes of a frame still arriving (4,256 with the reads' overhead): the second
        // fits one more read of 1,000, not two
        a.reader.getBuffer(4000); // looked at, not consumed
        assertThat(budget.held()).isEqualTo(4 * (1000 + PieceLimitedWsUpgrade.PIECE_OVERHEAD));
        assertThatThrownBy(() -> b.reader.getBuffer(4000))
                .isInstanceOfSatisfying(WsCloseException.class, e -> assertThat(e.closeCode()).isEqualTo(1013))
                .hasMessage("the server holds too many WebSocket frames still arriving; try again later");
        b.release();
        // the first connection's frame is consumed; what it held goes back at its next read, or when it ends
        a.reader.readBytes(4000);
        a.release();
        assertThat(budget.held()).isZero();
    }

    @Test
    void aConsumedReadIsGivenBackAtTheNextRead() {
        MemoryBudget budget = new MemoryBudget(1_000_000);
        Deque<byte[]> socket = new ArrayDeque<>();
        for (int i = 0; i < 100; i++) {
            socket.add(new byte[100]);
        }
        var pieces = new PieceLimitedWsUpgrade.Pieces(new DataReader(reads(socket)), 256, budget, null);
        for (int i = 0; i < 100; i++) {
            pieces.reader.readBytes(100);
            assertThat(budget.held()).isEqualTo(100 + PieceLimitedWsUpgrade.PIECE_OVERHEAD);
        }
    }

    @Test
    void aReadIsHandedOnUpToTheByteThatBreaksTheProtocolAndTheNextReadClosesTheConnection() {
        byte[] ping = RawWebSocket.frame(RawWebSocket.FIN | RawWebSocket.PING, new byte[] {'a'});
        byte[] fragmentedPing = RawWebSocket.frame(RawWebSocket.PING, new byte[] {'b'});
        byte[] read = java.util.Arrays.copyOf(ping, ping.length + fragmentedPing.length);
        System.arraycopy(fragmentedPing, 0, read, ping.length, fragmentedPing.length);
        Deque<byte[]> socket = new ArrayDeque<>();
        socket.add(read);
        DataReader reader = new PieceLimitedWsUpgrade.Pieces(new DataReader(reads(socket)), 256, new MemoryBudget(Long.MAX_VALUE),
                new WsFrameCheck(4096)).reader;
        assertThat(reader.readBytes(ping.length)).isEqualTo(ping);
        assertThatThrownBy(reader::read)
                .isInstanceOfSatisfying(WsCloseException.class, e -> assertThat(e.closeCode()).isEqualTo(1002))
                .hasMessage("a control frame must not be fragmented");
    }
}
