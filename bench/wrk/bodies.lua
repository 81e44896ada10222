-- POST JSON-RPC bodies read from the file named by BODIES (one body a line), each connection
-- cycling through them from its own starting point: the same bytes, in the same order, to every target.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local summary = dofile(here .. "summary.lua")

local bodies = summary.bodies()
local i = math.random(#bodies)

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function request()
   i = i % #bodies + 1
   return wrk.format(nil, nil, nil, bodies[i])
end

function done(s, latency, requests)
   summary.line(s, latency)
end
