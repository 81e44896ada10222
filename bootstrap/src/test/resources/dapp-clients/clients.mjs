// What a dapp does with ethers v6 and viem, against the relay: node RELAY_HTTP RELAY_WS ANVIL_URL.
// Prints one JSON object a line, {"check", "ok", "detail"}; the Java test reads them. The contracts
// are put in place on anvil directly (anvil_setCode); everything else goes through the relay.
import { ethers } from "ethers";
import { BaseError, ContractFunctionRevertedError, createPublicClient, defineChain, http, parseAbi, webSocket } from "viem";

const [relayHttp, relayWs, anvilUrl] = process.argv.slice(2);
const ACCOUNT_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const ACCOUNT_1_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const REVERTER = "0x000000000000000000000000000000000000c0de";
const EMITTER = "0x000000000000000000000000000000000000e0e0";
const PING = ethers.id("Ping(address,uint256)");
const PING_ABI = ["event Ping(address indexed from, uint256 value)"];

const report = (check, ok, detail) => console.log(JSON.stringify({ check, ok: Boolean(ok), detail: String(detail) }));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const within = (ms, promise, what) => Promise.race([promise,
  new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms))]);

// the whole JSON-RPC answer of one call, error or result
const rpc = async (url, method, params) => (await fetch(url, { method: "POST", headers: { "content-type": "application/json" },
  body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) })).json();

async function anvil(method, params) {
  const answer = await rpc(anvilUrl, method, params);
  if (answer.error) throw new Error(`${method}: ${JSON.stringify(answer.error)}`);
  return answer.result;
}

// Sends until the listener reports the event: a listener's filter is installed in the background,
// so a transaction mined before it would not be seen.
async function untilEvent(received, send, what) {
  const deadline = Date.now() + 45000;
  let receipt;
  while (Date.now() < deadline) {
    receipt = await send();
    const event = await Promise.race([received, sleep(3000).then(() => null)]);
    if (event) return [event, receipt];
  }
  throw new Error(`${what}: nothing within 45 s`);
}

async function check(name, body) {
  try {
    const [ok, detail] = await body();
    report(name, ok, detail);
  } catch (e) {
    report(name, false, `${e?.code ?? ""} ${e?.shortMessage ?? e?.message ?? e}`);
  }
}

// Ping(caller indexed, the calldata's first word) on any call
await anvil("anvil_setCode", [EMITTER, "0x6020600060003733" + "7f" + PING.slice(2) + "60206000a200"]);
// reverts with Error("nope") on any call
const word = (hex) => hex.padEnd(64, "0");
await anvil("anvil_setCode", [REVERTER, "0x7f" + word("08c379a0") + "600052" + "7f" + word("00000020") + "602052"
  + "7f" + word("00000004" + "6e6f7065") + "604052" + "60646000fd"]);

// ---- ethers v6 ----
const provider = new ethers.JsonRpcProvider(relayHttp, undefined, { pollingInterval: 250 });
const wallet = new ethers.Wallet(ACCOUNT_1_KEY, provider);
await check("ethers reads", async () => {
  const network = await provider.getNetwork();
  const height = await provider.getBlockNumber();
  const balance = await provider.getBalance(ACCOUNT_0);
  const block = await provider.getBlock(1);
  const nonce = await provider.getTransactionCount(wallet.address);
  const fees = await provider.getFeeData();
  const code = await provider.getCode(EMITTER);
  return [network.chainId === 31337n && height > 0 && balance > 0n && block.number === 1 && nonce >= 0
    && fees.gasPrice > 0n && code.length > 2, `chain ${network.chainId} height ${height} block 1 ${block.hash}`];
});
await check("ethers revert reason", async () => {
  try {
    await new ethers.Contract(REVERTER, ["function ping() view returns (uint256)"], provider).ping();
    return [false, "no revert"];
  } catch (e) {
    return [e.code === "CALL_EXCEPTION" && e.reason === "nope", `${e.code} ${e.reason}`];
  }
});
// A page reloaded again and again leaves its filters on the node, never polled again: the relay keeps a
// client's newest RPC_MAX_FILTERS_PER_CLIENT (64) and uninstalls the older ones; the listener made after them works.
await check("abandoned filters uninstalled", async () => {
  const abandoned = [];
  for (let i = 0; i < 70; i++) abandoned.push((await rpc(relayHttp, "eth_newBlockFilter", [])).result);
  const oldest = await rpc(anvilUrl, "eth_getFilterChanges", [abandoned[0]]);
  const newest = await rpc(anvilUrl, "eth_getFilterChanges", [abandoned[69]]);
  return [oldest.error?.message === "filter not found" && Array.isArray(newest.result),
    `oldest ${JSON.stringify(oldest)} newest ${JSON.stringify(newest)}`];
});
await check("ethers contract.on and off", async () => {
  const emitter = new ethers.Contract(EMITTER, PING_ABI, provider);
  const received = new Promise((resolve) => emitter.on("Ping", (from, value) => resolve({ from, value })));
  const [event, receipt] = await untilEvent(received,
    async () => (await wallet.sendTransaction({ to: EMITTER, data: ethers.zeroPadValue("0x07", 32) })).wait(), "Ping through contract.on");
  await emitter.off("Ping");
  await sleep(1000); // a crash in off() would end the process here
  return [receipt.status === 1 && event.from === wallet.address && event.value === 7n, `${event.from} ${event.value}`];
});
provider.destroy();
await check("ethers WebSocketProvider block", async () => {
  const ws = new ethers.WebSocketProvider(relayWs);
  try {
    const start = await ws.getBlockNumber();
    const block = await within(30000, new Promise((resolve) => ws.on("block", (n) => { if (n > start) resolve(n); })), "block over WebSocket");
    return [block > start, `block ${block} after ${start}`];
  } finally {
    await ws.destroy();
  }
});

// ---- viem ----
const chain = defineChain({ id: 31337, name: "anvil", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: [relayHttp], webSocket: [relayWs] } } });
const client = createPublicClient({ chain, transport: http(relayHttp), pollingInterval: 250 });
await check("viem reads", async () => {
  const id = await client.getChainId();
  const height = await client.getBlockNumber();
  const balance = await client.getBalance({ address: ACCOUNT_0 });
  const block = await client.getBlock({ blockNumber: 1n });
  const gasPrice = await client.getGasPrice();
  const nonce = await client.getTransactionCount({ address: wallet.address });
  return [id === 31337 && height > 0n && balance > 0n && block.number === 1n && gasPrice > 0n && nonce > 0,
    `chain ${id} height ${height} nonce ${nonce}`];
});
await check("viem revert reason", async () => {
  try {
    await client.readContract({ address: REVERTER, abi: parseAbi(["function ping() view returns (uint256)"]), functionName: "ping" });
    return [false, "no revert"];
  } catch (e) {
    const reverted = e instanceof BaseError ? e.walk((x) => x instanceof ContractFunctionRevertedError) : null;
    return [reverted?.reason === "nope", reverted?.reason ?? e.message];
  }
});
await check("viem watchContractEvent and receipt", async () => {
  let unwatch;
  const received = new Promise((resolve) => {
    unwatch = client.watchContractEvent({ address: EMITTER, abi: parseAbi(PING_ABI), eventName: "Ping", poll: true,
      pollingInterval: 250, onLogs: (logs) => resolve(logs[0]), onError: (e) => resolve({ error: e }) });
  });
  const sender = new ethers.Wallet(ACCOUNT_1_KEY, new ethers.JsonRpcProvider(relayHttp));
  const [log, receipt] = await untilEvent(received, async () => {
    const tx = await sender.sendTransaction({ to: EMITTER, data: ethers.zeroPadValue("0x08", 32) });
    return client.waitForTransactionReceipt({ hash: tx.hash, pollingInterval: 250 });
  }, "Ping through watchContractEvent");
  unwatch();
  sender.provider.destroy();
  return [receipt.status === "success" && log.args?.value === 8n, log.error?.message ?? `${log.args?.from} ${log.args?.value}`];
});
await check("viem webSocket newHeads", async () => {
  const ws = createPublicClient({ chain, transport: webSocket(relayWs) });
  let unwatch;
  const n = await within(30000, new Promise((resolve, reject) => {
    unwatch = ws.watchBlockNumber({ poll: false, onBlockNumber: resolve, onError: reject });
  }), "block number over WebSocket");
  unwatch();
  return [n > 0n, `block ${n}`];
});
report("done", true, "");
process.exit(0);
