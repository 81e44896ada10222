package com.dytallix.domain.maintenance;

import java.time.Instant;

/**
 * Copies of the whole database, made and put back by the store that holds it. Where the copies are
 * kept, in what form and how many is the store's business (configured where it is chosen); callers
 * know a backup by the name the store gave it, as the operator does.
 */
public interface DatabaseBackups {

    /**
     * Takes a consistent copy of the live database (instances may keep writing meanwhile), stamped
     * with {@code at}, and keeps only the newest copies as configured.
     *
     * @return the backup as the operator finds it; when no copy can be made, the exception says why in
     *         the operator's terms
     */
    String backup(Instant at);

    /**
     * Puts the database back as {@code backup} holds it, once the backup is checked. Refused while any
     * instance runs on the database.
     *
     * @param backup a backup as the operator names it: what {@link #backup} returned, or a copy of it;
     *               when it cannot be put back, the exception says why in the operator's terms and the
     *               database is unchanged
     */
    void restore(String backup);
}
