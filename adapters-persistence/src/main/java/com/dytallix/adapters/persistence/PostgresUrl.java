package com.dytallix.adapters.persistence;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * {@code DATABASE_URL} for PostgreSQL, {@code postgresql://user:password@host:port/db[?param=value]};
 * the password is kept out of every text this class makes except the connection itself.
 */
public record PostgresUrl(String host, int port, String database, String user, String password, String query) {

    /** @throws IllegalArgumentException with a message that never contains the password */
    public static PostgresUrl parse(String text) {
        URI uri;
        try {
            uri = URI.create(text.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("must look like postgresql://user:password@host:5432/db");
        }
        if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
            throw new IllegalArgumentException("must start with postgresql:// (only PostgreSQL is supported)");
        }
        if (uri.getHost() == null || uri.getRawPath() == null || uri.getRawPath().length() < 2) {
            throw new IllegalArgumentException("must name a host and a database: postgresql://user:password@host:5432/db");
        }
        String userInfo = uri.getRawUserInfo() == null ? "" : uri.getRawUserInfo();
        int colon = userInfo.indexOf(':');
        String user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
        String password = colon < 0 ? "" : decode(userInfo.substring(colon + 1));
        return new PostgresUrl(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), decode(uri.getRawPath().substring(1)),
                user, password, uri.getRawQuery() == null ? "" : uri.getRawQuery());
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database + (query.isEmpty() ? "" : "?" + query);
    }

    /** The URL as it may be shown: the password replaced by stars. */
    public String masked() {
        return "postgresql://" + user + (password.isEmpty() ? "" : ":****") + "@" + host + ":" + port + "/" + database;
    }

    /** {@code text} with the password replaced by stars, for messages that come from elsewhere. */
    public String mask(String text) {
        return password.isEmpty() ? text : text.replace(password, "****");
    }

    @Override
    public String toString() {
        return masked();
    }
}
