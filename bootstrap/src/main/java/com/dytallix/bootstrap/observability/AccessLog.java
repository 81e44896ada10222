package com.dytallix.bootstrap.observability;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import com.dytallix.adapters.http.RequestObserver;
import java.nio.charset.StandardCharsets;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The access log, one line per request, and the HTTP metrics behind it ({@link #around}).
 *
 * <p>The line is the one {@link JsonLineEncoder} writes for an event of the {@code access} logger
 * carrying the request's fields in the MDC (requestId, clientIp, method, path, status, durationMs,
 * in the order the MDC's map gives them), level INFO or, for a 5xx, WARN (not for HTTP/1.0's 505, the
 * client's doing: {@link RequestObserver#serverFault}). With the logging set up in
 * code ({@link LoggingConfigurator}) it is written straight into the access appender's batch: a
 * logback event, its copy of the MDC and the generic encoder took 5–9 % of a refused request's CPU.
 * The {@code access} logger's level still decides ({@code LOG_LEVEL}); with an operator's own logback
 * XML the line goes through logback as an event, as before.
 *
 * <p>An answer given before routing ({@link #refused}: a request the parser refused, a connection over
 * a limit) has the same line with what the edge knew: the method and path as read (bounded and escaped
 * by the edge, {@code -} when unknown), durationMs 0 (not timed), and the envelope's {@code errorCode}.
 */
public final class AccessLog implements RequestObserver {
    private static final Logger ACCESS = (Logger) LoggerFactory.getLogger("access");
    /** The MDC's keys in the order logback's map gives them to the encoder. */
    private static final String[] FIELDS = fieldOrder("requestId", "clientIp", "method", "path", "status", "durationMs");
    /** The same with the error code, for the answers given before routing. */
    private static final String[] REFUSED_FIELDS = fieldOrder("requestId", "clientIp", "method", "path", "status", "durationMs",
            "errorCode");
    private static final String NOT_TIMED = "0.000";
    /** Room for a usual line (about 290 characters) without the builder growing. */
    private static final int LINE_CHARS = 512;

    private final RequestObserver metrics;

    private AccessLog(RequestObserver metrics) {
        this.metrics = metrics;
    }

    /** The access line for every request, then {@code metrics}. */
    public static RequestObserver around(RequestObserver metrics) {
        return new AccessLog(metrics);
    }

    @Override
    public void completed(String method, String route, int status, long durationNanos, String requestId, String clientIp) {
        metrics.completed(method, route, status, durationNanos, requestId, clientIp);
        boolean failed = status >= 500;
        if (failed ? !ACCESS.isWarnEnabled() : !ACCESS.isInfoEnabled()) {
            return;
        }
        BatchedConsoleAppender<?> appender = ourAppender();
        if (appender == null || !appender.writeLine(line(FIELDS, failed, requestId, clientIp, method, route, status, durationNanos, null))) {
            throughLogback(failed, method + " " + route + " " + status, method, route, status, millis(durationNanos));
        }
    }

    @Override
    public void refused(String method, String path, int status, String code, String requestId, String clientIp) {
        metrics.refused(method, path, status, code, requestId, clientIp);
        boolean failed = RequestObserver.serverFault(status, code);
        if (failed ? !ACCESS.isWarnEnabled() : !ACCESS.isInfoEnabled()) {
            return;
        }
        BatchedConsoleAppender<?> appender = ourAppender();
        if (appender == null || !appender.writeLine(line(REFUSED_FIELDS, failed, requestId, clientIp, method, path, status, -1, code))) {
            String message = method + " " + path + " " + status + " " + code + " before routing";
            MDC.put("requestId", requestId);
            MDC.put("clientIp", clientIp);
            MDC.put("errorCode", code);
            try {
                throughLogback(failed, message, method, path, status, NOT_TIMED);
            } finally {
                MDC.remove("requestId");
                MDC.remove("clientIp");
                MDC.remove("errorCode");
            }
        }
    }

    private static BatchedConsoleAppender<?> ourAppender() {
        return ACCESS.getLoggerContext().getObject(LoggingConfigurator.ACCESS_APPENDER) instanceof BatchedConsoleAppender<?> a ? a : null;
    }

    /**
     * The access line as bytes. The message ({@code method path status}, and for a refusal {@code code before
     * routing}) and the duration are appended in place rather than put together as strings first: escaping is
     * per character, so the escaped parts are the escaped whole.
     *
     * @param durationNanos the request's time; negative for an answer given before routing ({@link #NOT_TIMED})
     * @param code          the refusal's error code, null for a routed request
     */
    static byte[] line(String[] fields, boolean failed, String requestId, String clientIp, String method, String route, int status,
                       long durationNanos, String code) {
        StringBuilder out = new StringBuilder(LINE_CHARS);
        out.append("{\"time\":\"");
        JsonLineEncoder.time(out, System.currentTimeMillis());
        out.append(failed ? "\",\"level\":\"WARN\",\"logger\":\"access\",\"thread\":" : "\",\"level\":\"INFO\",\"logger\":\"access\",\"thread\":");
        JsonLineEncoder.string(out, Thread.currentThread().getName());
        out.append(",\"message\":\"");
        JsonLineEncoder.escaped(out, method);
        out.append(' ');
        JsonLineEncoder.escaped(out, route);
        out.append(' ').append(status);
        if (code != null) {
            out.append(' ');
            JsonLineEncoder.escaped(out, code);
            out.append(" before routing");
        }
        out.append('"');
        for (String field : fields) {
            out.append(",\"").append(field).append("\":");
            switch (field) {
                case "requestId" -> JsonLineEncoder.string(out, requestId);
                case "clientIp" -> JsonLineEncoder.string(out, clientIp);
                case "method" -> JsonLineEncoder.string(out, method);
                case "path" -> JsonLineEncoder.string(out, route);
                case "status" -> out.append(status);
                case "errorCode" -> JsonLineEncoder.string(out, code);
                default -> { // durationMs: digits, a point and three decimals
                    if (durationNanos < 0) {
                        out.append(NOT_TIMED);
                    } else {
                        millis(out, durationNanos);
                    }
                }
            }
        }
        out.append("}\n");
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** As an event of the {@code access} logger, the request's fields in the MDC (the edge put requestId and clientIp there). */
    private static void throughLogback(boolean failed, String message, String method, String route, int status, String millis) {
        MDC.put("method", method);
        MDC.put("path", route);
        MDC.put("status", Integer.toString(status));
        MDC.put("durationMs", millis);
        try {
            if (failed) {
                ACCESS.warn(message);
            } else {
                ACCESS.info(message);
            }
        } finally {
            MDC.remove("method");
            MDC.remove("path");
            MDC.remove("status");
            MDC.remove("durationMs");
        }
    }

    /** Nanoseconds as milliseconds with three decimals ("12.345"). */
    static String millis(long nanos) {
        return millis(new StringBuilder(12), nanos).toString();
    }

    private static StringBuilder millis(StringBuilder out, long nanos) {
        long micros = Math.max(0, nanos) / 1000;
        long fraction = micros % 1000;
        return out.append(micros / 1000).append(fraction < 10 ? ".00" : fraction < 100 ? ".0" : ".").append(fraction);
    }

    /** Put as the edge and the event path put them (requestId and clientIp first), read back as the encoder reads them. */
    private static String[] fieldOrder(String... put) {
        LogbackMDCAdapter mdc = new LogbackMDCAdapter();
        for (String field : put) {
            mdc.put(field, field);
        }
        String[] fields = mdc.getPropertyMap().keySet().toArray(String[]::new);
        mdc.clear();
        return fields;
    }
}
