package com.dytallix.bootstrap.testing;

/** Tear-down for tests holding several processes: none may be left running because another failed to stop. */
public final class Resources {
    private Resources() {
    }

    /** Closes every one that was started (nulls are skipped), in the order given, even when an earlier one fails. */
    public static void closeAll(AutoCloseable... resources) throws Exception {
        Exception first = null;
        for (AutoCloseable r : resources) {
            try {
                if (r != null) {
                    r.close();
                }
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
