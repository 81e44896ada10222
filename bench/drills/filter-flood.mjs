// node bench/drills/filter-flood.mjs RELAY_URL ANVIL_URL SECONDS CLIENTS CONCURRENCY (run by filter-flood.sh)
// Creates block and log filters through the relay as fast as it answers, from CLIENTS client IPs
// (X-Forwarded-For; the relay trusts 127.0.0.1), for SECONDS; then asks anvil itself which of the
// filters it was given it still holds. Prints one JSON line.
const [relay, anvil, seconds, clients, concurrency] = process.argv.slice(2);
const deadline = Date.now() + Number(seconds) * 1000;
const ids = [];
let ok = 0, limited = 0, rateLimited = 0, other = 0, n = 0;
const ip = (i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
async function post(url, body, headers = {}) {
  const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  return [r.status, await r.json()];
}
async function worker() {
  while (Date.now() < deadline) {
    const i = n++;
    const body = i % 2 ? { jsonrpc: "2.0", id: i, method: "eth_newBlockFilter", params: [] }
      : { jsonrpc: "2.0", id: i, method: "eth_newFilter", params: [{}] };
    try {
      const [status, a] = await post(relay, body, { "x-forwarded-for": ip(i % Number(clients)) });
      if (a.result) { ok++; ids.push(a.result); }
      else if (a.error?.data?.scope === "filters") limited++;
      else if (status === 429) rateLimited++;
      else other++;
    } catch (e) { other++; }
  }
}
const start = Date.now();
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
const elapsed = (Date.now() - start) / 1000;
// which of the filters made are still on anvil (probed in batches)
let alive = 0;
for (let i = 0; i < ids.length; i += 500) {
  const batch = ids.slice(i, i + 500).map((id, k) => ({ jsonrpc: "2.0", id: k, method: "eth_getFilterChanges", params: [id] }));
  const [, answers] = await post(anvil, batch);
  alive += answers.filter((a) => a.result !== undefined).length;
}
console.log(JSON.stringify({ seconds: elapsed, requests: n, created: ok, perSecond: Math.round(ok / elapsed), refusedFilters: limited,
  rateLimited, other, aliveOnAnvil: alive }));
