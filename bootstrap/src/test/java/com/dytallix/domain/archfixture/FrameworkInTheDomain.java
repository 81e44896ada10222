package com.dytallix.domain.archfixture;

import com.dytallix.adapters.http.Json;
import io.helidon.http.Status;

/** Test fixture only: a "domain" class breaking the rules, to show ArchitectureTest catches it. */
public final class FrameworkInTheDomain {
    public Object leak() {
        return Status.OK_200.code() + Json.MAPPER.hashCode();
    }
}
