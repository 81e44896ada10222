package com.dytallix.domain.payer;

import java.time.Instant;

/**
 * The payer lease as one instance holds it: only the holder signs and sends, and only while the
 * lease lasts.
 *
 * @param holder    the holding instance's name (INSTANCE_ID), shown in status
 * @param session   this process's run of that instance, so two processes with one name never share a lease
 * @param token     the fencing token: it grows every time the lease changes hands, so a stale holder's
 *                  writes are recognised and refused
 * @param expiresAt by the database's clock, the lease is another instance's to take from this moment
 *                  unless renewed; no instance compares it with its own clock
 */
public record Lease(String holder, String session, long token, Instant expiresAt) {
}
