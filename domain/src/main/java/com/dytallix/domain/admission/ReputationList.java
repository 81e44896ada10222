package com.dytallix.domain.admission;

import com.dytallix.domain.ClientIp;

/** The operator's list of IP ranges of poor reputation. */
public interface ReputationList {
    boolean listed(ClientIp ip);
}
