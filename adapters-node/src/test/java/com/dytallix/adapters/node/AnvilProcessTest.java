package com.dytallix.adapters.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dytallix.domain.key.FeeSuggestion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A real node mining on its own timer, read through JsonRpcChainNode. */
class AnvilProcessTest {
    @Test
    void aTimedNodeShowsItsBlockTimeAndFeesAndStopsWithItsProcess() throws Exception {
        long pid;
        try (AnvilProcess anvil = AnvilProcess.withBlockTime(1);
             JsonRpcChainNode node = new JsonRpcChainNode(anvil.rpcUrl(), Duration.ofSeconds(3), 4)) {
            pid = anvil.pid();
            assertThat(ProcessHandle.of(pid)).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
            assertThat(ChainIdCheck.verify(node, Optional.of(AnvilProcess.CHAIN_ID))).isEqualTo(AnvilProcess.CHAIN_ID);
            assertThatThrownBy(() -> ChainIdCheck.verify(node, Optional.of(5L)))
                    .hasMessage("node chain id 31337 does not match CHAIN_ID 5");

            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (node.head().number() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            // whole-second timestamps one block time apart; a busy machine can make anvil late by a second or two
            List<Duration> intervals = node.recentBlockIntervals(2);
            assertThat(intervals).hasSize(2).allSatisfy(d -> assertThat(d).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(4)));

            FeeSuggestion fees = node.fees();
            assertThat(fees.baseFee()).isPresent();
            assertThat(fees.priorityFee().value()).isPositive();
            assertThat(fees.gasPrice()).isGreaterThanOrEqualTo(fees.baseFee().get());
        }
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    @Test
    void theBinaryLivesUnderTheRepositorysToolsDirectory() {
        Path binary = AnvilProcess.binary();
        assertThat(binary).startsWith(AnvilProcess.repoRoot().resolve(".tools/anvil"));
        assertThat(Files.isExecutable(binary)).isTrue();
        assertThat(AnvilProcess.repoRoot().resolve("dyt")).exists();
    }
}
