-- A plain GET of the URL given to wrk.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local summary = dofile(here .. "summary.lua")

function done(s, latency, requests)
   summary.line(s, latency)
end
