-- POST /api/faucet requests the server must refuse, one kind per run (REFUSAL_KIND):
--   blocked  a distinct client in 198.51.100.0/24 (on the block list) and a distinct recipient: 403
--   address  a distinct client and a recipient whose mixed case fails its EIP-55 checksum: 400 INVALID_ADDRESS
--   quota    a distinct client in 10.0.0.0/8 asking for the one recipient already paid: 429 address
--   pow      a distinct client and recipient with a made-up challenge: 400 POW_INVALID
--   status   GET /api/status from a distinct client: the cheapest /api answer, for comparison
-- The server trusts loopback as its proxy, so X-Forwarded-For is the client. Counts answers by status.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local summary = dofile(here .. "summary.lua")

summary.counting()
local kind = os.getenv("REFUSAL_KIND") or "blocked"
local paid = os.getenv("REFUSAL_PAID_ADDRESS") or "0x00000000000000000000000000000000000000aa"

wrk.method = "POST"

function request()
   counter = counter + 1
   local address = string.format("0xcc%04x%034x", tid, counter)
   local body = '{"address":"' .. address .. '"}'
   local client = string.format("10.%d.%d.%d", tid % 256, math.floor(counter / 256) % 256, counter % 256)
   if kind == "blocked" then
      client = string.format("198.51.100.%d", counter % 256)
   elseif kind == "address" then
      -- twenty letters in alternating case: a valid checksum by chance is one in a million
      body = string.format('{"address":"0xaBcDeFaBcDeFaBcDeFaB%04x%016x"}', tid, counter)
   elseif kind == "quota" then
      body = '{"address":"' .. paid .. '"}'
   elseif kind == "pow" then
      body = string.format('{"address":"%s","pow":{"challenge":"%032x","nonce":"1"}}', address, tid * 100000000 + counter)
   elseif kind == "status" then
      return wrk.format("GET", "/api/status", { ["X-Forwarded-For"] = client })
   end
   return wrk.format(nil, nil, { ["X-Forwarded-For"] = client, ["Content-Type"] = "application/json" }, body)
end
