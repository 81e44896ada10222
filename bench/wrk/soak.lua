-- The soak's hostile and reading mix (bench/soak.sh), each request a new key wherever a client can make one:
--   read     a relayed dapp read (POST /api/rpc), the bodies of the file named by BODIES in turn
--   method   POST /api/rpc with a made-up method name, new every time (refused: method not found)
--   address  POST /api/faucet, a recipient whose mixed case fails its EIP-55 checksum, a new Idempotency-Key (400)
--   paid     POST /api/faucet for the one recipient already paid, a new Idempotency-Key (429 address)
--   status   GET /api/status
--   unknown  GET of a path nobody routes, new every time (404)
-- every one from a new client (X-Forwarded-For 100.64.0.0/10 and on, one address per request up to 16 M;
-- the server trusts loopback as its proxy). Each connection waits SOAK_DELAY_MS after an answer before its
-- next request (a paced load, not a saturated one). Counts answers by status.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local summary = dofile(here .. "summary.lua")

summary.counting()
local paid = os.getenv("SOAK_PAID_ADDRESS") or "0x00000000000000000000000000000000000000aa"
local pause = tonumber(os.getenv("SOAK_DELAY_MS") or "5")
local kinds = { "read", "address", "read", "method", "paid", "read", "status", "unknown" }

local bodies = summary.bodies()

function delay()
   return pause
end

function request()
   counter = counter + 1
   local n = tid * 16777216 + counter -- distinct over threads
   local client = string.format("%d.%d.%d.%d", 100 + math.floor(n / 16777216) % 100, math.floor(n / 65536) % 256,
      math.floor(n / 256) % 256, n % 256)
   local kind = kinds[counter % #kinds + 1]
   local json = { ["X-Forwarded-For"] = client, ["Content-Type"] = "application/json" }
   if kind == "read" then
      return wrk.format("POST", "/api/rpc", json, bodies[counter % #bodies + 1])
   elseif kind == "method" then
      return wrk.format("POST", "/api/rpc", json,
         string.format('{"jsonrpc":"2.0","id":1,"method":"eth_soak%x_%x","params":[]}', tid, counter))
   elseif kind == "address" then
      json["Idempotency-Key"] = string.format("soak-a-%x-%x", tid, counter)
      return wrk.format("POST", "/api/faucet", json,
         string.format('{"address":"0xaBcDeFaBcDeFaBcDeFaB%04x%016x"}', tid, counter))
   elseif kind == "paid" then
      json["Idempotency-Key"] = string.format("soak-p-%x-%x", tid, counter)
      return wrk.format("POST", "/api/faucet", json, '{"address":"' .. paid .. '"}')
   elseif kind == "status" then
      return wrk.format("GET", "/api/status", { ["X-Forwarded-For"] = client })
   else
      return wrk.format("GET", string.format("/api/soak-%x-%x", tid, counter), { ["X-Forwarded-For"] = client })
   end
end
