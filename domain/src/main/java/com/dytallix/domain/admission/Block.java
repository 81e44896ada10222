package com.dytallix.domain.admission;

import com.dytallix.domain.Address;
import com.dytallix.domain.ClientIp;
import com.dytallix.domain.IpRange;
import java.time.Instant;
import java.util.Optional;

/**
 * One entry of the operator's block list: an IP, a CIDR block or an address, with why and until when.
 *
 * @param target {@link Target.Range} or {@link Target.Recipient}
 */
public record Block(long id, Target target, String reason, Instant createdAt, Optional<Instant> expiresAt) {

    public boolean activeAt(Instant now) {
        return expiresAt.map(now::isBefore).orElse(true);
    }

    /** What a block names. {@link #toString()} is its canonical text, as stored and shown. */
    public sealed interface Target {
        /** @return {@code ip} or {@code address}, the refusal's scope */
        String scope();

        boolean matches(ClientIp ip, Address address);

        record Range(IpRange range) implements Target {
            @Override
            public String scope() {
                return "ip";
            }

            @Override
            public boolean matches(ClientIp ip, Address address) {
                return range.contains(ip);
            }

            @Override
            public String toString() {
                return range.toString();
            }
        }

        record Recipient(Address address) implements Target {
            @Override
            public String scope() {
                return "address";
            }

            @Override
            public boolean matches(ClientIp ip, Address recipient) {
                return address.equals(recipient);
            }

            @Override
            public String toString() {
                return address.value();
            }
        }
    }
}
