-- POST one JSON-RPC 2.0 eth_blockNumber call per request (the same bytes to every target).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local summary = dofile(here .. "summary.lua")

wrk.method = "POST"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}'
wrk.headers["Content-Type"] = "application/json"

function done(s, latency, requests)
   summary.line(s, latency)
end
