-- POST /api/faucet with a distinct recipient per request: 0x + "bb" + run tag + thread + counter,
-- from a distinct client (X-Forwarded-For 10.<thread>.x.y; the server trusts loopback as its proxy),
-- as a public faucet sees many clients rather than one.
-- Stops each thread after FAUCET_MAX / threads answers, so the request count is bounded as well
-- as the time. Counts answers by status.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local summary = dofile(here .. "summary.lua")

local threads = {}
local total = tonumber(os.getenv("FAUCET_MAX") or "3000")
local tag = tonumber(os.getenv("FAUCET_TAG") or "0")

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
   -- every thread is set up before any starts: the last call leaves the right share everywhere
   for _, t in ipairs(threads) do
      t:set("limit", math.ceil(total / #threads))
   end
end

function init(args)
   counter = 0
   answers = 0
   statuses = {}
end

wrk.method = "POST"

function request()
   counter = counter + 1
   local address = string.format("0xbb%06x%04x%028x", tag, tid, counter)
   local client = string.format("10.%d.%d.%d", (tag * 16 + tid) % 256, math.floor(counter / 256) % 256, counter % 256)
   return wrk.format(nil, nil, { ["X-Forwarded-For"] = client, ["Content-Type"] = "application/json" },
      '{"address":"' .. address .. '"}')
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   answers = answers + 1
   if answers >= limit then
      wrk.thread:stop()
   end
end

function done(s, latency, requests)
   summary.line(s, latency, summary.statuses(threads))
end
