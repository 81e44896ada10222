package com.dytallix.bootstrap.observability;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import net.logstash.logback.composite.loggingevent.mdc.DoubleMdcEntryWriter;
import net.logstash.logback.composite.loggingevent.mdc.LongMdcEntryWriter;
import net.logstash.logback.composite.loggingevent.mdc.MdcEntryWriter;

/**
 * Writes the MDC's {@code status} and {@code durationMs} as JSON numbers (everything else stays
 * text). Chosen by key equality: the encoder's regex-filtering writer would match a pattern
 * against every MDC key of every line, and the access log writes one line per request.
 */
public final class NumericMdcFields implements MdcEntryWriter {
    private final MdcEntryWriter longs = new LongMdcEntryWriter();
    private final MdcEntryWriter doubles = new DoubleMdcEntryWriter();

    @Override
    public boolean writeMdcEntry(JsonGenerator generator, String fieldName, String mdcKey, String mdcValue) throws IOException {
        if (mdcKey.equals("status")) {
            return longs.writeMdcEntry(generator, fieldName, mdcKey, mdcValue);
        }
        if (mdcKey.equals("durationMs")) {
            return doubles.writeMdcEntry(generator, fieldName, mdcKey, mdcValue);
        }
        return false;
    }
}
