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

-- " status_200=12 status_429=3": the answers counted per status by each thread's `statuses` table.
function summary.statuses(threads)
   local counts = {}
   for _, t in ipairs(threads) do
      for status, n in pairs(t:get("statuses")) do
         counts[status] = (counts[status] or 0) + n
      end
   end
   local parts = {}
   for status, n in pairs(counts) do
      table.insert(parts, string.format(" status_%d=%d", status, n))
   end
   table.sort(parts)
   return table.concat(parts)
end

return summary
