package com.dytallix.domain.key;

import com.dytallix.domain.Address;
import java.util.Optional;

/**
 * A key rotated away from and still kept, because its last transactions may not be final yet.
 *
 * @param drainTo where its remaining balance goes once nothing of it is in flight, when the rotation asked for a drain
 */
public record RetiringKey(Address address, Optional<Address> drainTo) {
}
