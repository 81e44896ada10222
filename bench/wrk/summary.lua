-- Shared by the wrk scripts: prints one machine-readable line after the run (latencies in milliseconds;
-- "non2xx" counts answers with a status other than 2xx/3xx), counts answers by status, reads request bodies.
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

-- The lines of the file named by BODIES (one request body a line, empty lines skipped).
function summary.bodies()
   local bodies = {}
   for line in io.lines(os.getenv("BODIES")) do
      if line ~= "" then
         bodies[#bodies + 1] = line
      end
   end
   return bodies
end

-- Defines wrk's setup, init, response and done for a script that counts its answers by status: each thread
-- numbered (its `tid`), with a `counter` of its own for the script's requests and a `statuses` table,
-- added up in the RESULT line.
function summary.counting()
   local threads = {}
   function setup(thread)
      table.insert(threads, thread)
      thread:set("tid", #threads)
   end
   function init(args)
      counter = 0
      statuses = {}
   end
   function response(status, headers, body)
      statuses[status] = (statuses[status] or 0) + 1
   end
   function done(s, latency, requests)
      summary.line(s, latency, summary.statuses(threads))
   end
end

return summary
