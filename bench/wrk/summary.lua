-- Shared by the wrk scripts: prints one machine-readable line after the run.
-- Latencies in milliseconds; "non2xx" counts answers with a status other than 2xx/3xx.
local summary = {}

function summary.line(s, latency, extra)
   local e = s.errors
   local secs = s.duration / 1e6
   local out = string.format(
      "RESULT requests=%d duration_s=%.2f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f socket_errors=%d non2xx=%d",
      s.requests, secs, s.requests / secs, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000, e.connect + e.read + e.write + e.timeout, e.status)
   io.write(out .. (extra or "") .. "\n")
end

return summary
