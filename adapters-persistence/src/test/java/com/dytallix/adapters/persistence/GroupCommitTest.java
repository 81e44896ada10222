package com.dytallix.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GroupCommitTest {
    @Test
    void aJobTheWriteSettledKeepsItsAnswerAndOneItForgotFails() {
        GroupCommit<String, String> commit = new GroupCommit<>(8, batch -> batch.forEach(job -> {
            if (job.item().equals("answered")) {
                job.complete("done");
            }
        }));

        assertThat(commit.submit("answered")).isEqualTo("done");
        assertThatThrownBy(() -> commit.submit("forgotten")).isInstanceOf(IllegalStateException.class)
                .hasMessage("the batch write left this job unsettled");
    }

    @Test
    void aWriteThatThrowsFailsItsJobsWithItsOwnFailure() {
        GroupCommit<String, String> commit = new GroupCommit<>(8, batch -> {
            throw new IllegalArgumentException("the write broke");
        });

        assertThatThrownBy(() -> commit.submit("any")).isInstanceOf(IllegalArgumentException.class).hasMessage("the write broke");
    }
}
