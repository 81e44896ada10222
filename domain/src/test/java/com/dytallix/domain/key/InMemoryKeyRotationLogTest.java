package com.dytallix.domain.key;

class InMemoryKeyRotationLogTest extends KeyRotationLogContract {
    @Override
    protected KeyRotationLog newLog() {
        return new InMemoryKeyRotationLog();
    }
}
