-- POST eth_getBalance (JSON-RPC 2.0) to the relay and count the answers per wall-clock second, so
-- the several-nodes drill can tell when reads stopped failing after it killed a node. An answer is
-- ok when it is HTTP 200 carrying a JSON-RPC result; anything else (an error object, 502, 504) failed.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local summary = dofile(here .. "summary.lua")

local threads = {}
local address = os.getenv("READ_ADDRESS") or "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   ok_at = {}
   failed_at = {}
end

wrk.method = "POST"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["' .. address .. '","latest"]}'
wrk.headers["Content-Type"] = "application/json"

function response(status, headers, body)
   local second = os.time()
   if status == 200 and string.find(body, '"result"', 1, true) then
      ok_at[second] = (ok_at[second] or 0) + 1
   else
      failed_at[second] = (failed_at[second] or 0) + 1
   end
end

-- one "SECOND <unix second> <ok> <failed>" line per second with answers, then wrk's RESULT line
function done(s, latency, requests)
   local ok, failed, seconds = {}, {}, {}
   for _, t in ipairs(threads) do
      for second, n in pairs(t:get("ok_at")) do
         ok[second] = (ok[second] or 0) + n
         seconds[second] = true
      end
      for second, n in pairs(t:get("failed_at")) do
         failed[second] = (failed[second] or 0) + n
         seconds[second] = true
      end
   end
   local sorted = {}
   for second in pairs(seconds) do
      table.insert(sorted, second)
   end
   table.sort(sorted)
   for _, second in ipairs(sorted) do
      io.write(string.format("SECOND %d %d %d\n", second, ok[second] or 0, failed[second] or 0))
   end
   summary.line(s, latency)
end
