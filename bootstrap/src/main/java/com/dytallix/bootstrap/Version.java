package com.dytallix.bootstrap;

/** The version Maven wrote into the jar manifest. */
final class Version {
    private Version() {
    }

    static String current() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "development build" : v;
    }
}
