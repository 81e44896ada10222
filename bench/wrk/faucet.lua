-- POST /api/faucet with a distinct recipient per request: 0x + "bb" + run tag + thread + counter,
-- from a distinct client (X-Forwarded-For 10.<thread>.x.y; the server trusts loopback as its proxy),
-- as a public faucet sees many clients rather than one.
-- Stops each thread after FAUCET_MAX / threads answers, so the request count is bounded as well
-- as the time. Counts answers by status.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local summary = dofile(here .. "summary.lua")

local threads = {}
local total = tonumber(os.getenv("FAUCET_MAX") or "3000")
-- each thread's share: wrk starts a thread before it sets up the next, so setup() must never touch
-- another thread's state (it did: a racing set corrupted a running thread's `limit`)
local share = math.ceil(total / tonumber(os.getenv("WRK_THREADS") or "2"))
local tag = tonumber(os.getenv("FAUCET_TAG") or "0")

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
   thread:set("limit", share)
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
