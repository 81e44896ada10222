package com.dytallix.domain.admission;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.IpRange;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link BlockList} must do; subclass it once per implementation. */
public abstract class BlockListContract {
    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    private static final Address MULE = new Address("0x00000000000000000000000000000000000000aa");
    private static final Address OTHER = new Address("0x00000000000000000000000000000000000000bb");

    protected BlockList blocks;

    protected abstract BlockList newBlockList();

    @BeforeEach
    void create() {
        blocks = newBlockList();
    }

    @Test
    void aRangeBlocksEveryIpInItAndAnAddressItself() {
        Block range = blocks.add(new Block.Target.Range(IpRange.parse("198.51.100.0/24")), "drain", T0, Optional.empty());
        Block v6 = blocks.add(new Block.Target.Range(IpRange.parse("2001:db8:1::/48")), "vpn", T0, Optional.empty());
        Block mule = blocks.add(new Block.Target.Recipient(MULE), "mule", T0, Optional.empty());

        assertThat(blocks.matching(ClientIp.parse("198.51.100.200"), OTHER, T0.plusSeconds(1))).contains(range);
        assertThat(blocks.matching(ClientIp.parse("2001:db8:1:ffff::5"), OTHER, T0.plusSeconds(1))).contains(v6);
        assertThat(blocks.matching(ClientIp.parse("10.0.0.1"), MULE, T0.plusSeconds(1))).contains(mule);
        assertThat(blocks.matching(ClientIp.parse("198.51.101.1"), OTHER, T0.plusSeconds(1))).isEmpty();
        assertThat(blocks.all()).containsExactly(mule, v6, range);
    }

    @Test
    void aBlockLapsesAtItsExpiryAndIsGoneWhenRemoved() {
        Block lapsing = blocks.add(new Block.Target.Range(IpRange.parse("203.0.113.9")), "an hour", T0,
                Optional.of(T0.plusSeconds(3600)));
        assertThat(blocks.matching(ClientIp.parse("203.0.113.9"), OTHER, T0.plusSeconds(3599))).contains(lapsing);
        assertThat(blocks.matching(ClientIp.parse("203.0.113.9"), OTHER, T0.plusSeconds(3600))).isEmpty();
        assertThat(blocks.all()).containsExactly(lapsing);

        Block kept = blocks.add(new Block.Target.Recipient(MULE), "mule", T0, Optional.empty());
        assertThat(blocks.remove(kept.id())).isTrue();
        assertThat(blocks.remove(kept.id())).isFalse();
        assertThat(blocks.matching(ClientIp.parse("10.0.0.1"), MULE, T0)).isEmpty();
        assertThat(blocks.all()).containsExactly(lapsing);
    }
}
