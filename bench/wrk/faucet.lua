-- POST /api/faucet with a distinct recipient per request: 0x + "bb" + run tag + thread + counter,
-- from a distinct client (X-Forwarded-For 10.<thread>.x.y; the server trusts loopback as its proxy),
-- as a public faucet sees many clients rather than one.
-- Stops each thread after FAUCET_MAX / threads answers, so the request count is bounded as well
-- as the time. Counts answers by status.
-- FAUCET_RATE=n (grants/s offered in all; unset or 0: each connection asks again as soon as it has
-- its answer): each thread offers its share on a fixed schedule, one request every threads/n
-- seconds, taken by whichever of its connections is free. A request whose slot has passed (every
-- connection of the thread was waiting for an answer) goes at once and the schedule stays as it was,
-- so n is offered as long as a connection is free; past the server's capacity this is a saturated
-- run again. wrk's latency is from each request's write: the wait for its slot is left out, and so
-- is a late slot's lateness (wrk is not wrk2: the time a request waited for a free connection is not
-- in its latency).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local summary = dofile(here .. "summary.lua")

local threads = {}
local total = tonumber(os.getenv("FAUCET_MAX") or "3000")
-- each thread's share: wrk starts a thread before it sets up the next, so setup() must never touch
-- another thread's state (it did: a racing set corrupted a running thread's `limit`)
local share = math.ceil(total / tonumber(os.getenv("WRK_THREADS") or "2"))
local tag = tonumber(os.getenv("FAUCET_TAG") or "0")

local rate = tonumber(os.getenv("FAUCET_RATE") or "0")
if rate > 0 then
   local ffi = require("ffi")
   ffi.cdef [[
      typedef struct { long tv_sec; long tv_nsec; } faucet_timespec;
      int clock_gettime(int clock, faucet_timespec *now);
   ]]
   local ts = ffi.new("faucet_timespec")
   local function now_ms()
      ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
      return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
   end
   -- this thread's slots, milliseconds apart
   local interval = tonumber(os.getenv("WRK_THREADS") or "2") * 1000 / rate
   local next_slot

   function delay()
      local now = now_ms()
      if next_slot == nil then
         -- the threads' schedules start staggered, so their slots interleave
         next_slot = now + (tid - 1) * interval / tonumber(os.getenv("WRK_THREADS") or "2")
      end
      local slot = next_slot
      next_slot = slot + interval
      return slot > now and math.floor(slot - now + 0.5) or 0
   end
end

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
