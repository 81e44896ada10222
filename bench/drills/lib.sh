# Shared by the drills: builds the launcher jar when needed, installs and starts anvil on loopback,
# starts the server through ./dyt, and stops everything it started when the drill exits.
# Needs bash, curl, jq, sqlite3 and npm (only the first time, to install anvil).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ANVIL_VERSION=1.7.1
ANVIL="$ROOT/.tools/anvil/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
# anvil's well-known account #0 (public test key, funded at genesis)
FAUCET_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
FAUCET_ADDRESS=0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266
ADMIN_TOKEN=drill-admin-token-0123456789abcdef0123456789
# the default drip, 10 DYT, as the node writes quantities (no big-number arithmetic needed in bash)
DRIP_HEX=0x8ac7230489e80000

WORK="$(mktemp -d "${TMPDIR:-/tmp}/dyt-drill.XXXXXX")"
ANVIL_PID=""
SERVER_PID=""
CHILD_PIDS=()
FAILED=0

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

cleanup() {
  local pid
  for pid in "${CHILD_PIDS[@]}" "$SERVER_PID" "$ANVIL_PID"; do
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -CONT "$pid" 2>/dev/null || true
      kill -9 "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  if [ "$FAILED" = 0 ] && [ -z "${KEEP:-}" ]; then
    rm -rf "$WORK"
  else
    echo "drill files kept in $WORK (server.log, anvil.log, the database)" >&2
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

require() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "this drill needs $tool on PATH" >&2; exit 2; }
  done
}

# Builds bootstrap/target/dytallix-api.jar only when it is missing or older than the sources.
ensure_jar() {
  "$ROOT/dyt" version >/dev/null
}

ensure_anvil() {
  if [ ! -x "$ANVIL" ]; then
    require npm
    log "installing anvil $ANVIL_VERSION under .tools/anvil"
    npm install --no-save --no-audit --no-fund --prefix "$ROOT/.tools/anvil" "@foundry-rs/anvil-linux-amd64@$ANVIL_VERSION" >&2
  fi
}

free_port() {
  local port
  while true; do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

# start_anvil PORT [options...]: anvil on loopback with chain id 31337
start_anvil() {
  local port="$1"
  shift
  "$ANVIL" --host 127.0.0.1 --port "$port" --chain-id 31337 "$@" >>"$WORK/anvil.log" 2>&1 &
  ANVIL_PID=$!
  RPC_URL="http://127.0.0.1:$port"
  local i
  for i in $(seq 1 100); do
    if rpc eth_chainId '[]' >/dev/null 2>&1; then return; fi
    sleep 0.1
  done
  echo "anvil did not start; see $WORK/anvil.log" >&2
  FAILED=1
  exit 1
}

# rpc METHOD PARAMS_JSON: prints the result (JSON); fails on an RPC error
rpc() {
  local answer
  answer="$(curl -sf --max-time 5 -H 'Content-Type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$RPC_URL")" || return 1
  jq -e 'has("result")' >/dev/null <<<"$answer" || { echo "$1: $answer" >&2; return 1; }
  jq -c '.result' <<<"$answer"
}

# a small quantity (a nonce, a block number) from the node, in decimal
quantity() { local h="${1//\"/}"; echo $((16#${h#0x})); }

# The server on SERVER_PORT with the drill's settings, through the launcher; waits for /readyz.
start_server() {
  (cd "$WORK" && exec env -i PATH="$PATH" HOME="$HOME" \
      RPC_URL="$RPC_URL" CHAIN_ID=31337 FAUCET_PRIVATE_KEY="$FAUCET_KEY" ADMIN_TOKEN="$ADMIN_TOKEN" \
      HOST=127.0.0.1 PORT="$SERVER_PORT" DB_PATH=data/dytallix.db FAUCET_KEY_FILE=data/faucet.key \
      RATE_LIMIT_PER_IP_PER_DAY=1000000 RATE_LIMIT_PER_ADDRESS_PER_DAY=1 SUSPICIOUS_ADDRESSES_PER_IP_PER_HOUR=1000000 \
      FAUCET_DAILY_CAP=1000000 RATE_LIMIT_REQUESTS_PER_MINUTE=10000000 STATUS_REFRESH_MS=500 LOG_LEVEL=info \
      ${EXTRA_SETTINGS:-} "$ROOT/dyt" serve) >>"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  local i
  for i in $(seq 1 300); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$BASE/readyz")" = 200 ]; then return; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "the server did not become ready; see $WORK/server.log" >&2
  FAILED=1
  exit 1
}

random_address() { echo "0x$(od -An -tx1 -N20 /dev/urandom | tr -d ' \n')"; }

# a balance as the node's hex quantity, e.g. 0x0
balance_of() { local b; b="$(rpc eth_getBalance "[\"$1\",\"latest\"]")"; echo "${b//\"/}"; }

nonce_of() { quantity "$(rpc eth_getTransactionCount "[\"$1\",\"$2\"]")"; }

ledger() { sqlite3 -readonly -separator ' ' "$WORK/data/dytallix.db" "$1"; }
