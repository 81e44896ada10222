package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class ErrorMapperTest {
    @Test
    void eachRateLimitedAnswerCarriesItsOwnResetTimeWhetherOrNotTheOneBeforeSharedIt() {
        Instant a = Instant.parse("2099-01-01T00:00:00.123Z");
        Instant b = Instant.parse("2099-01-02T10:20:30Z");
        for (Instant reset : new Instant[] {a, a, b, a, b, b}) {
            ApiException e = ErrorMapper.rateLimited("address", reset, "quota");
            assertThat(((ApiException.Details.RateLimit) e.details()).resetAt()).isEqualTo(reset.toString());
        }
    }
}
