# The one harness of bench/ and bench/drills/ (sourced, not run). Installs what is missing, starts
# anvil, nginx and the server on loopback ports in a temporary directory, and stops every process
# it started when the script exits, however it exits. KEEP=1 (or BENCH_KEEP=1) keeps the directory
# and its logs; a run that failed keeps it too.
#
# The stop is by process id, never by process group: a benchmark run as `flock <lock file>
# bench/x.sh` shares its group with the flock that holds the lock, and a signal to the group would
# end that flock too. Everything the script starts inherits the lock's file descriptor, so the lock
# is free only once the script and every process it started have ended: the cleanup stops all of
# them (STARTED_PIDS, then any background job of the script's own shell still running), not only
# the servers, so that none outlives the run holding the lock.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
ANVIL_VERSION="1.7.1"
ANVIL="$ROOT/.tools/anvil/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
JAR="$ROOT/bootstrap/target/dytallix-api.jar"
# anvil's account #0: a well-known development key, funded with 10,000 ETH on every fresh anvil
ANVIL_KEY="0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
ANVIL_ADDRESS="0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
BENCH_ADMIN_TOKEN="bench-admin-token-not-a-secret-0123456789"
# The memory options the shipped systemd unit (docs/deploy/dytallix-api.service) gives the server.
BENCH_JAVA_OPTS="${BENCH_JAVA_OPTS--Xms48m -Xmx128m -Xmn32m -XX:SurvivorRatio=4 -XX:+UseSerialGC}"
# JVM options after the shipped ones, which a later -XX:Name=value overrides (BENCH_MORE_JAVA_OPTS=
# "-XX:TrimNativeHeapInterval=500": one option tried against the shipped set; the environment's own
# variables, MALLOC_* say, reach the server's JVM as they are)
BENCH_MORE_JAVA_OPTS="${BENCH_MORE_JAVA_OPTS:-}"
# The AOT caches ./dyt build makes (this one, and beside it the one for a server in front of a node), used
# as the unit and ./dyt serve use theirs (BENCH_AOT=0: without them)
AOT_CACHE="$ROOT/bootstrap/target/dytallix-api.aot"

LOAD_AT_START="$(cut -d' ' -f1-3 /proc/loadavg)"
# the CPUs' stolen time and all their time so far, in ticks (/proc/stat): what went to other guests of the host
cpu_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= 9; i++) t += $i; print $9, t; exit }' /proc/stat; }
CPU_TICKS_AT_START="$(cpu_ticks)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/dyt-bench.XXXXXX")"
STARTED_PIDS=()
FAILED=0

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; FAILED=1; exit 1; }

# A drill's last words: PASS when the array named problems is empty, else each problem and FAIL
# (exit 1).
verdict() {
  if [ "${#problems[@]}" -eq 0 ]; then
    echo "PASS"
  else
    FAILED=1
    printf '  problem: %s\n' "${problems[@]}"
    echo "FAIL"
    exit 1
  fi
}
# exited WHAT: dies saying so, with the end of the process's log (LOGFILE)
exited() {
  [ -f "${LOGFILE:-}" ] && tail -n 5 "$LOGFILE" | sed 's/^/    /' >&2
  die "$1 exited early (log above, from ${LOGFILE:-nowhere})"
}

stop_pid() {
  local pid="$1" i
  kill -0 "$pid" 2>/dev/null || return 0
  # a process a drill stopped (kill -STOP) would hold SIGTERM until continued
  kill -CONT "$pid" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
  local i pid
  for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do
    stop_pid "${STARTED_PIDS[$i]}"
  done
  # what the script started in the background and did not list (a wrk or perf beside the load): this
  # shell's own jobs, each by its id
  for pid in $(jobs -p); do
    stop_pid "$pid"
  done
  if [ "${KEEP:-${BENCH_KEEP:-0}}" = 1 ] || [ "$FAILED" != 0 ]; then
    log "kept $WORK (logs, and the database of each server)"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools ---------------------------------------------------------------------------------

apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  command -v apt-get >/dev/null || die "need $* (no apt-get here: install them by hand)"
  log "installing $* from Debian"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_tools() {
  local missing=() tool
  for tool in "$@"; do
    case "$tool" in
      nginx) [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || missing+=(nginx-light) ;;
      *) command -v "$tool" >/dev/null || missing+=("$tool") ;;
    esac
  done
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

ensure_anvil() {
  [ -x "$ANVIL" ] && return 0
  ensure_tools npm
  log "installing anvil $ANVIL_VERSION from npm into .tools/anvil"
  npm install --no-save --no-audit --no-fund --prefix "$ROOT/.tools/anvil" \
    "@foundry-rs/anvil-linux-amd64@$ANVIL_VERSION" >/dev/null
  [ -x "$ANVIL" ] || die "anvil not found at $ANVIL after npm install"
}

find_java() {
  local c
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] || continue
    if "$c/bin/java" -XshowSettings:properties -version 2>&1 \
      | awk -F' = ' '/java.specification.version/ { exit !($2 >= 21) }'; then
      echo "$c/bin/java"
      return 0
    fi
  done
  die "no JDK 21+ found (set JAVA_HOME)"
}

ensure_server_built() {
  JAVA="$(find_java)"
  local aot_stale=0
  if [ ! "$AOT_CACHE" -nt "$JAR" ] && "$JAVA" -XX:AOTCacheOutput="$WORK/probe.aot" -version >/dev/null 2>&1; then aot_stale=1; fi
  # the launcher's rule of what makes the jar out of date (./dyt stale)
  if [ "$aot_stale" = 1 ] || "$ROOT/dyt" stale >/dev/null; then
    log "building the server (./dyt build)"
    # ./dyt build marks the jar current and makes the AOT cache after it
    (cd "$ROOT" && ./dyt build -q) >&2 || die "the server does not build"
  fi
}

# --- machine ---------------------------------------------------------------------------------

machine_info() {
  local cpu mem
  cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  mem="$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "machine: $(nproc) CPUs ($cpu), $mem RAM, $(uname -sr)"
  echo "jdk:     $("${JAVA:-java}" -version 2>&1 | head -n 1); server JVM options: $(JAVA_OPTS="$BENCH_JAVA_OPTS" "$ROOT/dyt" jvm-options)${BENCH_MORE_JAVA_OPTS:+ $BENCH_MORE_JAVA_OPTS}, environment: $(jvm_env | tr '\n' ' ')"
  echo "load:    $LOAD_AT_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (1/5/15-min load averages; other work on the machine shows here)"
  echo "steal:   $(cpu_ticks | awk -v s="$CPU_TICKS_AT_START" 'BEGIN { split(s, a, " ") } { d = $2 - a[2]; printf "%.1f %%", (d > 0 ? 100 * ($1 - a[1]) / d : 0) }') of the CPUs' time since the start (taken by the host for other guests: a slow hour that the load does not show)"
  echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
}

# --- processes ---------------------------------------------------------------------------------

# free_port: a loopback port nothing listens on, below the kernel's ephemeral range (where client
# sockets, wrk's and curl's included, get their ports: a port chosen there could be taken by one of them
# between the check and the bind) and never one this script handed out before (two launches in a row
# could otherwise be given the same port before either binds). BENCH_PORTS=LOW-HIGH (e.g. 24000-24099)
# keeps every port in that range instead, for a machine whose users share out the ports.
free_port() {
  local p i low first=10000
  low="$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)"
  [ "$low" -gt 12000 ] || low=32768
  if [ -n "${BENCH_PORTS:-}" ]; then
    [[ "$BENCH_PORTS" =~ ^([0-9]+)-([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -lt "${BASH_REMATCH[2]}" ] \
      || die "BENCH_PORTS must be LOW-HIGH, e.g. 24000-24099 (got '$BENCH_PORTS')"
    first="${BASH_REMATCH[1]}" low=$((BASH_REMATCH[2] + 1))
  fi
  for i in $(seq 200); do
    p=$((first + RANDOM % (low - first)))
    ! grep -qx "$p" "$WORK/ports-given" 2>/dev/null || continue # (called in $(...): a file, not a variable, remembers)
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p" >>"$WORK/ports-given"
      echo "$p"
      return 0
    fi
  done
  die "no free port found"
}

# wait_until PID WHAT SECONDS COMMAND...: runs COMMAND until it succeeds, while PID lives.
wait_until() {
  local pid="$1" what="$2" seconds="$3" deadline
  shift 3
  deadline=$((SECONDS + seconds))
  while ! "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || exited "$what"
    [ $SECONDS -lt $deadline ] || die "$what not ready after ${seconds}s"
    sleep 0.05
  done
  # another process may hold the port we probed: ours must still be alive
  sleep 0.2
  kill -0 "$pid" 2>/dev/null || exited "$what (port taken?)"
}

rpc_call() { # URL METHOD [PARAMS-JSON]
  curl -sf -m 5 -H 'Content-Type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":${3:-[]}}" "$1"
}

# rpc METHOD [PARAMS-JSON]: the result (JSON) from the node at ANVIL_URL; fails on an RPC error
rpc() {
  local answer
  answer="$(rpc_call "$ANVIL_URL" "$1" "${2:-[]}")" || return 1
  jq -e 'has("result")' >/dev/null <<<"$answer" || { log "$1: $answer"; return 1; }
  jq -c '.result' <<<"$answer"
}

# start_anvil NAME [anvil args...]: sets ANVIL_PID and ANVIL_URL. On ANVIL_PORT when set (a node
# restarted on the same address), else on a free port; chain id ANVIL_CHAIN_ID (31337 unless set).
start_anvil() {
  local name="$1" port
  shift
  port="${ANVIL_PORT:-$(free_port)}"
  LOGFILE="$WORK/$name.log"
  # --prune-history: without it anvil keeps up to a gigabyte of state under ~/.foundry per run.
  # --quiet: logging every call would spend on the node CPU that the load generator and the server share
  "$ANVIL" --host 127.0.0.1 --port "$port" --chain-id "${ANVIL_CHAIN_ID:-31337}" --prune-history 256 --quiet "$@" >>"$LOGFILE" 2>&1 &
  ANVIL_PID=$!
  # how it mines (prepare_relay_chain stops mining for a while and puts it back as it was)
  ANVIL_BLOCK_TIME=""
  while [ $# -gt 0 ]; do
    if [ "$1" = --block-time ]; then ANVIL_BLOCK_TIME="${2:-}"; fi
    shift
  done
  STARTED_PIDS+=("$ANVIL_PID")
  ANVIL_URL="http://127.0.0.1:$port"
  wait_until "$ANVIL_PID" "anvil" 20 rpc_call "$ANVIL_URL" eth_chainId
}

# start_nginx SERVER...: the load balancer (bench/nginx.conf) on 127.0.0.1 in front of these servers
# (URLs or host:port; NGINX_SERVER_OPTIONS, e.g. "max_fails=1 fail_timeout=30s", goes on each
# line), in a directory of its own; sets NGINX_PID, NGINX_URL and NGINX_DIR (of the last started).
start_nginx() {
  local port
  NGINX_BIN="$(command -v nginx || echo /usr/sbin/nginx)"
  port="$(free_port)"
  NGINX_DIR="$WORK/nginx-$port"
  mkdir -p "$NGINX_DIR/tmp"
  sed -e "s|@DIR@|$NGINX_DIR|g" -e "s|@PORT@|$port|g" "$BENCH_DIR/nginx.conf" >"$NGINX_DIR/nginx.conf"
  nginx_upstreams "$@"
  LOGFILE="$NGINX_DIR/error.log"
  "$NGINX_BIN" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" >"$NGINX_DIR/stdout.log" 2>&1 &
  NGINX_PID=$!
  STARTED_PIDS+=("$NGINX_PID")
  NGINX_URL="http://127.0.0.1:$port"
  wait_until "$NGINX_PID" "nginx" 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"
}

# nginx_upstreams SERVER...: the upstream file of the nginx in NGINX_DIR (replaced, never half-written)
nginx_upstreams() {
  local server
  for server in "$@"; do
    server="${server#http://}"
    echo "server ${server%%/*} ${NGINX_SERVER_OPTIONS:-};"
  done >"$NGINX_DIR/upstream.conf.new"
  mv "$NGINX_DIR/upstream.conf.new" "$NGINX_DIR/upstream.conf"
}

# switch_nginx SERVER...: points the last started nginx at these servers, as an operator does (the
# upstream file rewritten, `nginx -s reload`); returns once every worker of the old configuration
# has finished its requests and exited, so nothing reaches the old servers any more.
switch_nginx() {
  local old pid i
  old="$(cat /proc/"$NGINX_PID"/task/*/children 2>/dev/null || true)"
  nginx_upstreams "$@"
  "$NGINX_BIN" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -s reload >>"$NGINX_DIR/reload.log" 2>&1 \
    || { cat "$NGINX_DIR/reload.log" >&2; die "nginx -s reload failed"; }
  for pid in $old; do
    for i in $(seq 600); do
      kill -0 "$pid" 2>/dev/null || break
      [ "$i" -lt 600 ] || die "an nginx worker of the old configuration (pid $pid) still runs after 60 s"
      sleep 0.1
    done
  done
}

# jvm_env: the environment the shipped JVM runs with (./dyt jvm-env; none from a checkout older than it)
jvm_env() { if grep -q '^  jvm-env)' "$ROOT/dyt"; then "$ROOT/dyt" jvm-env; fi; }

# launch_server NAME [--KEY=value...]: starts the server in its own directory (so no .env or
# application.yaml of the checkout applies) and returns at once; sets SERVER_PID, SERVER_URL and
# SERVER_DIR. Launched again with the same NAME it runs on the same database; on SERVER_PORT when
# set (clients that keep the address across restarts), else on a free port.
# The faucet and request quotas, and the connections one client may open, are lifted: the benchmarks
# measure the machinery, not the limits (their load comes from one address).
launch_server() {
  local name="$1" port dir
  shift
  port="${SERVER_PORT:-$(free_port)}"
  dir="$WORK/$name"
  mkdir -p "$dir"
  SERVER_DIR="$dir"
  LOGFILE="$dir/server.log"
  local aot="" launcher
  # the cache for the way this server starts, as ./dyt serve and the unit choose it: the node one in front of a node
  local cache="$AOT_CACHE"
  if [[ " $* " == *" --RPC_URL="* ]] && [ -f "${AOT_CACHE%.aot}-node.aot" ]; then cache="${AOT_CACHE%.aot}-node.aot"; fi
  if [ "${BENCH_AOT:-1}" = 1 ] && [ -f "$cache" ]; then aot="-XX:AOTCache=$cache"; fi
  # the shipped JVM options (./dyt jvm-options), BENCH_JAVA_OPTS as their memory part; BENCH_VIA_DYT=1:
  # through the launcher itself (./dyt serve, which adds the cache it made), as an operator starts it
  # shellcheck disable=SC2206 # a list of JVM options
  # shellcheck disable=SC2046 # NAME=value lines
  launcher=(env $(jvm_env) "$JAVA" $(JAVA_OPTS="$BENCH_JAVA_OPTS" "$ROOT/dyt" jvm-options) $BENCH_MORE_JAVA_OPTS $aot -jar "$JAR")
  [ "${BENCH_VIA_DYT:-0}" = 0 ] || launcher=(env JAVA_OPTS="$BENCH_JAVA_OPTS" "$ROOT/dyt")
  (cd "$dir" && exec "${launcher[@]}" serve \
    --PORT="$port" --HOST=127.0.0.1 --DB_PATH="$dir/data/dytallix.db" --FAUCET_KEY_FILE="$dir/data/faucet.key" \
    --RATE_LIMIT_REQUESTS_PER_MINUTE=10000000 --RPC_RATE_LIMIT_PER_MINUTE=100000000 --RATE_LIMIT_PER_IP_PER_DAY=1000000 --RATE_LIMIT_PER_SUBNET_PER_DAY=1000000 \
    --RATE_LIMIT_PER_ADDRESS_PER_DAY=1000000 --SUSPICIOUS_ADDRESSES_PER_IP_PER_HOUR=1000000 \
    --FAUCET_DAILY_CAP=1000000000 --HTTP_MAX_CONNECTIONS_PER_CLIENT=1500 "$@" >>"$LOGFILE" 2>&1) &
  SERVER_PID=$!
  STARTED_PIDS+=("$SERVER_PID")
  SERVER_URL="http://127.0.0.1:$port"
}

# launch_server_on NAME NODE-URL [--KEY=value...]: the server in front of a node, faucet key = anvil #0
launch_server_on() {
  local name="$1" node="$2"
  shift 2
  launch_server "$name" --RPC_URL="$node" --FAUCET_PRIVATE_KEY="$ANVIL_KEY" \
    --ADMIN_TOKEN="$BENCH_ADMIN_TOKEN" "$@"
}

# launch_drill_server [--KEY=value...]: the drills' server in front of the node at ANVIL_URL, on one
# database across restarts, waited for until ready. One grant per address stays: a drill's retry
# without an Idempotency-Key must be refused, not paid twice.
launch_drill_server() {
  launch_server_on drill "$ANVIL_URL" --CHAIN_ID=31337 --RATE_LIMIT_PER_ADDRESS_PER_DAY=1 --STATUS_REFRESH_MS=500 "$@"
  wait_ready 60
}

ready() { curl -sf -m 2 -o /dev/null "$SERVER_URL/readyz"; }

wait_ready() { wait_until "$SERVER_PID" "the server" "${1:-60}" ready; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# prepare_relay_chain TXS: the chain a dapp reads and the relay benchmarks' wrk bodies in $WORK
# (blockNumber.bodies, mix.bodies, final.bodies, live.bodies, large.bodies), on the anvil start_anvil started.
LARGE_TXS="${LARGE_TXS:-400}"
prepare_relay_chain() {
  local TXS="$1" i CONTRACT LARGE NONCE
  # The chain a dapp reads: $TXS blocks with a transfer each (automine), a contract that answers
  # eth_call (returns 42), a block of $LARGE_TXS transfers (its full-transaction form is the large
  # answer), and ten blocks on top so the transfers are final (FAUCET_CONFIRMATIONS=2).
  log "preparing the chain: $TXS transfers, a contract, a block of $LARGE_TXS transfers, 10 more blocks"
  CONTRACT=0x00000000000000000000000000000000000c0de1
  rpc anvil_setCode "[\"$CONTRACT\",\"0x602a60005260206000f3\"]" >/dev/null
  declare -a RECIPIENTS HASHES
  for i in $(seq "$TXS"); do
    RECIPIENTS[i]="$(random_address)"
    HASHES[i]="$(rpc eth_sendTransaction "[{\"from\":\"$ANVIL_ADDRESS\",\"to\":\"${RECIPIENTS[i]}\",\"value\":\"0x1\"}]" | tr -d '"')"
  done
  rpc anvil_setAutomine '[false]' >/dev/null
  NONCE="$(rpc eth_getTransactionCount "[\"$ANVIL_ADDRESS\",\"pending\"]" | tr -d '"')"
  # one batch; anvil runs its items at once, so each names its nonce
  for i in $(seq "$LARGE_TXS"); do
    printf '{"jsonrpc":"2.0","id":%d,"method":"eth_sendTransaction","params":[{"from":"%s","to":"%s","value":"0x1","nonce":"0x%x"}]}\n' \
      "$i" "$ANVIL_ADDRESS" "$(random_address)" "$((NONCE + i - 1))"
  done | jq -s -c . | curl -sf -m 60 -H 'Content-Type: application/json' --data-binary @- "$ANVIL_URL" \
    | jq -e 'map(select(has("result"))) | length == '"$LARGE_TXS" >/dev/null || die "the large block's transfers were not all accepted"
  rpc evm_mine >/dev/null
  # mining as it was: a block a second for an anvil started with --block-time (anvil_setAutomine true would
  # make it mine on each transaction instead, and under the soak's load that miner stopped for good), else automine
  if [ -n "$ANVIL_BLOCK_TIME" ]; then
    rpc evm_setIntervalMining "[$ANVIL_BLOCK_TIME]" >/dev/null
  else
    rpc anvil_setAutomine '[true]' >/dev/null
  fi
  LARGE="$(rpc eth_blockNumber | tr -d '"')"
  rpc anvil_mine '["0xa"]' >/dev/null
  echo "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getBlockByNumber\",\"params\":[\"$LARGE\",true]}" >"$WORK/large.bodies"
  for i in $(seq "$TXS"); do
    printf '%s\n' "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getBalance\",\"params\":[\"${RECIPIENTS[i]}\",\"latest\"]}" \
      "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"eth_call\",\"params\":[{\"to\":\"$CONTRACT\",\"data\":\"0x12345678\"},\"latest\"]}" \
      "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"eth_getBlockByNumber\",\"params\":[\"$(printf '0x%x' "$i")\",false]}" \
      "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"eth_getTransactionReceipt\",\"params\":[\"${HASHES[i]}\"]}" \
      "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"eth_getTransactionCount\",\"params\":[\"$ANVIL_ADDRESS\",\"latest\"]}" \
      "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"eth_gasPrice\",\"params\":[]}" >>"$WORK/mix.bodies"
  done
  # final: the mix's answers that cannot change any more (our cache's case); live: the mix's calls tied to the
  # chain's head, which no cache may hold (what a shipped server's misses are made of)
  grep -e '"eth_getBlockByNumber"' -e '"eth_getTransactionReceipt"' "$WORK/mix.bodies" >"$WORK/final.bodies"
  grep -v -e '"eth_getBlockByNumber"' -e '"eth_getTransactionReceipt"' "$WORK/mix.bodies" >"$WORK/live.bodies"
  echo '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}' >"$WORK/blockNumber.bodies"
}

# --- process accounting ------------------------------------------------------------------------

cpu_seconds() { # PID: user + system CPU time so far
  awk -v tck="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / tck }' "/proc/$1/stat"
}

# "young-count young-seconds full-count full-seconds" of a JVM's collections so far (jstat -gc, by column name)
gc_counts() { # PID
  "$(dirname "$JAVA")/jstat" -gc "$1" | awk 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i }
    NR == 2 { print $col["YGC"], $col["YGCT"], $col["FGC"], $col["FGCT"] }'
}
# "n (ms)" of the collections of one kind between two gc_counts: count field 1 (young) or 3 (full), its seconds the next
gc_delta() { # BEFORE AFTER COUNT-FIELD
  awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%d (%.0f ms)", y[f] - x[f], 1000 * (y[f + 1] - x[f + 1]) }'
}

# CPU seconds so far of a process's threads whose name starts with one of the prefixes (Linux keeps 15
# characters of a name): the JIT compilers ('C1 Compiler' 'C2 Compiler') or the fingerprint writer
# (fingerprint-wri) shown apart; a thread that ended meanwhile takes its share with it
threads_cpu_seconds() { # PID NAME-PREFIX...
  local pid="$1" tck t n=0 name prefix
  shift
  tck="$(getconf CLK_TCK)"
  for t in /proc/"$pid"/task/*; do
    name="$(cat "$t/comm" 2>/dev/null)" || continue
    for prefix in "$@"; do
      if [[ "$name" == "$prefix"* ]]; then
        n=$((n + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "$t/stat" 2>/dev/null || echo 0)))
        break
      fi
    done
  done
  awk -v n="$n" -v tck="$tck" 'BEGIN { printf "%.2f", n / tck }'
}

# async-profiler (tools.profiler:async-profiler from Maven Central, its SHA-1 checked) in .tools/async-profiler, for
# the *-cpu-split.sh scripts; a measuring tool, not a part of the server. Sets AP_VERSION and AP_LIB (the agent).
ensure_async_profiler() {
  AP_VERSION=4.2
  local dir="$ROOT/.tools/async-profiler/$AP_VERSION" base
  AP_LIB="$dir/linux-x64/libasyncProfiler.so"
  [ ! -f "$AP_LIB" ] || return 0
  base="https://repo1.maven.org/maven2/tools/profiler/async-profiler/$AP_VERSION/async-profiler-$AP_VERSION.jar"
  log "fetching async-profiler $AP_VERSION from Maven Central into .tools/async-profiler"
  mkdir -p "$dir"
  curl -sfL -o "$WORK/ap.jar" "$base" || die "cannot fetch $base"
  [ "$(curl -sfL "$base.sha1" | cut -c1-40)" = "$(sha1sum "$WORK/ap.jar" | cut -c1-40)" ] || die "async-profiler: SHA-1 mismatch"
  (cd "$dir" && "$(dirname "$JAVA")/jar" xf "$WORK/ap.jar" linux-x64/libasyncProfiler.so)
  [ -f "$AP_LIB" ] || die "async-profiler: no linux-x64 library in the jar"
}

# The agent's sample files (loop=10s) in DIR that lie wholly inside the window FROM..TO (epoch seconds), one a line:
# a file written at t holds the samples of (t - 10 s, t], so the start-up and the warm-up stay out.
samples_within() { # DIR FROM TO
  local f m
  for f in "$1"/*.collapsed; do
    m="$(stat -c %Y "$f")"
    if [ $((m - 11)) -ge "$2" ] && [ "$m" -le "$3" ]; then echo "$f"; fi
  done
}

# refusal_kind VARIABLE DEFAULT: KIND from the named setting (a kind refusal.lua makes: blocked address quota pow
# status), POW (the proof-of-work difficulty its server runs with: 8 for a made-up proof, else none) and PAID (the
# address the quota kind asks for again, paid once first)
refusal_kind() {
  KIND="${!1:-$2}"
  case "$KIND" in
    blocked | address | quota | pow | status) ;;
    *) die "$1: one of blocked address quota pow status" ;;
  esac
  POW=0
  [ "$KIND" != pow ] || POW=8
  PAID="0x00000000000000000000000000000000000000aa"
}

# profiled_window PID COMMAND...: runs COMMAND (a run_wrk) while the agent samples the server PID and sets RUN (its
# RESULT line), US (the server's CPU microseconds per request over the run, the agent included) and SAMPLES (the
# agent's files wholly inside the run); dies when the run was too short for one
profiled_window() {
  local pid="$1" t0 t1 s0 s1
  shift
  t0="$(date +%s)" s0="$(cpu_seconds "$pid")"
  RUN="$("$@")"
  s1="$(cpu_seconds "$pid")" t1="$(date +%s)"
  US="$(awk -v a="$s0" -v b="$s1" -v n="$(field requests "$RUN")" 'BEGIN { printf "%.1f", 1e6 * (b - a) / n }')"
  sleep 1
  mapfile -t SAMPLES < <(samples_within "$WORK/samples" "$t0" "$t1")
  [ "${#SAMPLES[@]}" -gt 0 ] || die "no sample file lies inside the measured window"
}

peak_rss_mb() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

# --- load --------------------------------------------------------------------------------------

# run_wrk THREADS CONNECTIONS SECONDS LUA-SCRIPT URL: prints wrk's "RESULT k=v ..." line (the script
# reads the thread count from WRK_THREADS)
run_wrk() {
  local out="$WORK/wrk-$RANDOM.out"
  WRK_THREADS="$1" wrk -t "$1" -c "$2" -d "${3}s" --timeout 10s --latency -s "$BENCH_DIR/wrk/$4" "$5" >"$out" 2>&1 \
    || { cat "$out" >&2; die "wrk failed"; }
  grep '^RESULT ' "$out" || { cat "$out" >&2; die "wrk printed no RESULT line"; }
}

# answer_durations LOGFILE FROM TO STATUS [ROUTE]: the server's own time to answer (the access log's
# durationMs), one a line, of the requests to ROUTE (default POST /api/faucet) answered STATUS among
# the log's lines FROM+1..TO. The access log is written in batches within 100 ms: wait that long
# after the load before taking TO.
answer_durations() {
  sed -n "$(($2 + 1)),${3}p" "$1" | grep -F "\"message\":\"${5:-POST /api/faucet} $4\"" |
    sed -n 's/.*"durationMs":\([0-9.]*\).*/\1/p' || true # none is an answer too
}
# percentiles: "count p50 p99" of the numbers on stdin, one a line ("0 - -" when none)
percentiles() {
  sort -n | awk '
    function at(p,   i) { i = int(NR * p); if (i < NR * p) i++; return v[i < 1 ? 1 : i] }
    { v[NR] = $1 }
    END { if (NR == 0) print "0 - -"; else printf "%d %.1f %.1f\n", NR, at(0.5), at(0.99) }'
}
# answer_times LOGFILE FROM TO STATUS [ROUTE]: "count p50 p99" of answer_durations
answer_times() { answer_durations "$@" | percentiles; }
# lines LOGFILE: how many lines the file has now
lines() { wc -l <"$1" | tr -d ' '; }

# field KEY LINE: the value of key=value in a RESULT line
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.2f", a - b }'; }

# --- chain and ledger (the drills) -------------------------------------------------------------

# a small quantity (a nonce, a block number) from the node, in decimal
quantity() { local h="${1//\"/}"; echo $((16#${h#0x})); }

random_address() { echo "0x$(od -An -tx1 -N20 /dev/urandom | tr -d ' \n')"; }

# a balance as the node's hex quantity, e.g. 0x0
balance_of() { local b; b="$(rpc eth_getBalance "[\"$1\",\"latest\"]")"; echo "${b//\"/}"; }

nonce_of() { quantity "$(rpc eth_getTransactionCount "[\"$1\",\"$2\"]")"; }

# ledger SQL: a query on the ledger, fields separated by one space: the PostgreSQL database at
# DATABASE_URL when set (start_postgres sets it), else (read-only) the SQLite database of the last
# server launched
ledger() {
  if [ -n "${DATABASE_URL:-}" ]; then
    psql "$DATABASE_URL" -X -q -At -F ' ' -c "$1"
  else
    sqlite3 -readonly -separator ' ' "$SERVER_DIR/data/dytallix.db" "$1"
  fi
}

# unfinished_grants: how many grants the ledger holds pending, signed or submitted
unfinished_grants() { ledger "SELECT count(*) FROM faucet_grants WHERE status IN ('pending','signed','submitted')"; }
# wait_settled SECONDS: until the ledger holds no unfinished grant, at most SECONDS
wait_settled() {
  local deadline=$((SECONDS + $1))
  while [ "$SECONDS" -lt "$deadline" ] && [ "$(unfinished_grants)" != 0 ]; do sleep 1; done
}

# start_postgres [STATEMENTS]: a throwaway PostgreSQL cluster in the work directory (Debian's postgresql
# server programs, installed when missing), trusting local connections, with an empty database
# dytallix; as nobody when run as root (PostgreSQL refuses root). Sets PG_BIN, PG_PID, PG_PORT and
# DATABASE_URL (which ledger then reads). STATEMENTS=1: with pg_stat_statements loaded (pg_statements counts).
start_postgres() {
  local preload=()
  [ "${1:-0}" = 0 ] || preload=(-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_utility=on)
  ensure_tools psql
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    apt_install postgresql
    PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  fi
  local dir="$WORK/pg" as_pg=()
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    # nobody must reach its directory
    chmod 711 "$WORK"
    chown -R 65534:65534 "$dir"
    as_pg=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  fi
  "${as_pg[@]}" "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 >"$dir/initdb.log" 2>&1 \
    || { LOGFILE="$dir/initdb.log"; exited "initdb"; }
  PG_PORT="$(free_port)"
  LOGFILE="$dir/postgres.log"
  "${as_pg[@]}" "$PG_BIN/postgres" -D "$dir/data" -p "$PG_PORT" -h 127.0.0.1 -k "$dir" "${preload[@]}" >"$LOGFILE" 2>&1 &
  PG_PID=$!
  STARTED_PIDS+=("$PG_PID")
  wait_until "$PG_PID" "postgres" 30 "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"
  psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "CREATE DATABASE dytallix" >/dev/null
  [ "${1:-0}" = 0 ] || psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "CREATE EXTENSION pg_stat_statements" >/dev/null
  DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/dytallix"
}

# pg_statements DATABASE: the statements the server ran on that database of start_postgres's cluster so far (started
# with STATEMENTS=1): pg_stat_statements' calls, BEGIN included, the driver's commits and this count's own query not
pg_statements() {
  psql -X -q -At -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "SELECT COALESCE(SUM(s.calls), 0)
    FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = '$1'"
}
# pg_statements_top DATABASE N: that database's N statements run most often, "calls query" a line, the query cut short
pg_statements_top() {
  psql -X -q -At -F ' ' -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "SELECT s.calls,
    left(regexp_replace(s.query, '\s+', ' ', 'g'), 110) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
    WHERE d.datname = '$1' ORDER BY s.calls DESC LIMIT $2"
}
# pg_statements_reset: every database's counts back to zero
pg_statements_reset() { psql -X -q -At -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "SELECT pg_stat_statements_reset()" >/dev/null; }

# rpc_batch METHOD PARAMS-TEMPLATE: one JSON-RPC batch per 200 lines of stdin, PARAMS-TEMPLATE a jq
# expression of the line ($x); prints "line result" per line, in order (a failed call dies)
rpc_batch() {
  local method="$1" template="$2" chunk f
  chunk="$WORK/rpc-batch"
  rm -f "$chunk".*
  split -l 200 - "$chunk."
  for f in "$chunk".*; do
    [ -e "$f" ] || continue # no lines
    jq -R -s -c --arg m "$method" 'split("\n") | map(select(. != "")) | to_entries
      | map(.value as $x | {jsonrpc: "2.0", id: .key, method: $m, params: ('"$template"')})' "$f" >"$f.json"
    curl -sf -m 60 -H 'Content-Type: application/json' --data-binary @"$f.json" "$ANVIL_URL" >"$f.out" \
      || die "a $method batch failed"
    jq -e 'type == "array" and all(has("result"))' "$f.out" >/dev/null || die "a $method batch answered $(head -c 300 "$f.out")"
    jq -r --rawfile lines "$f" '($lines | split("\n") | map(select(. != ""))) as $l
      | sort_by(.id)[] | "\($l[.id]) \(.result | if type == "string" then . else tojson end)"' "$f.out"
    rm -f "$f" "$f.json" "$f.out"
  done
}

# reconcile DRIP-HEX FAUCET-ADDRESS ADDRESSES PROMISED: the ledger against the canonical chain, the
# drills' last check. ADDRESSES is a file with every address a client asked for (first field of each
# line), PROMISED one with the grantId of every grant a client was promised. Checks that every
# promised grant is confirmed; that each address holds the drip if and only if the ledger has one
# confirmed grant for it (nothing, else; more is a double payment); that the faucet's transactions on
# the chain are exactly the confirmed grants' landed hashes (and gap fillers: 0-value to itself); that
# the faucet's nonce equals its transactions on chain, with none stuck in the pool. Appends what is
# wrong to the array problems and sets R_PROMISED R_MISSING R_PAID R_DUPLICATES R_UNEXPLAINED R_STRAYS
# R_UNSEEN R_FILLERS R_SENT R_NONCE R_STUCK R_FAILED (failed grants in the ledger).
reconcile() {
  local drip="$1" faucet="$2" addresses="$3" promised="$4" height n
  ledger "SELECT id, lower(address), status, coalesce(lower(landed_hash), '-') FROM faucet_grants" >"$WORK/r-grants.txt"
  R_PROMISED=$(sort -u "$promised" | wc -l)
  # promised grants not confirmed: "id status" (status "absent" when the ledger has no such grant)
  sort -u "$promised" | awk 'NR == FNR { s[$1] = $3; next } !($1 in s) { print $1, "absent"; next } s[$1] != "confirmed" { print $1, s[$1] }' \
    "$WORK/r-grants.txt" - >"$WORK/r-missing.txt"
  R_MISSING=$(wc -l <"$WORK/r-missing.txt")
  while read -r id status; do problems+=("promised grant $id is $status"); done < <(head -n 20 "$WORK/r-missing.txt")
  R_FAILED=$(awk '$3 == "failed"' "$WORK/r-grants.txt" | wc -l)
  # every address: its balance and its confirmed grants
  awk '{ print tolower($1) }' "$addresses" | sort -u | rpc_batch eth_getBalance '[$x, "latest"]' >"$WORK/r-balances.txt"
  awk -v drip="$drip" 'NR == FNR { if ($3 == "confirmed") c[$2]++; next }
    { n = c[$1] + 0
      if ($2 == drip && n == 1) print "paid", $1
      else if ($2 == "0x0" && n == 0) print "unpaid", $1
      else if (n > 1 || ($2 != "0x0" && $2 != drip)) print "duplicate", $1, $2, n
      else print "unexplained", $1, $2, n }' "$WORK/r-grants.txt" "$WORK/r-balances.txt" >"$WORK/r-addresses.txt"
  R_PAID=$(grep -c '^paid ' "$WORK/r-addresses.txt" || true)
  R_DUPLICATES=$(grep -c '^duplicate ' "$WORK/r-addresses.txt" || true)
  R_UNEXPLAINED=$(grep -c '^unexplained ' "$WORK/r-addresses.txt" || true)
  while read -r _ address balance n; do problems+=("$address paid more than once: balance $balance, $n confirmed grants")
  done < <(grep '^duplicate ' "$WORK/r-addresses.txt" | head -n 20)
  while read -r _ address balance n; do problems+=("$address: balance $balance but $n confirmed grants")
  done < <(grep '^unexplained ' "$WORK/r-addresses.txt" | head -n 20)
  # the faucet's transactions on the canonical chain: each a confirmed grant's landed hash, or a gap filler
  awk '$3 == "confirmed" { print $4 }' "$WORK/r-grants.txt" | sort >"$WORK/landed.txt"
  height=$(quantity "$(rpc eth_blockNumber '[]')")
  for ((n = 0; n <= height; n++)); do printf '0x%x\n' "$n"; done | rpc_batch eth_getBlockByNumber '[$x, true]' \
    | cut -d' ' -f2- | jq -r --arg f "$faucet" '.transactions[] | select((.from | ascii_downcase) == $f)
      | "\(.hash | ascii_downcase) \(if (.to | ascii_downcase) == $f and .value == "0x0" then "filler" else "payment" end)"' \
      >"$WORK/faucet-txs.txt"
  R_FILLERS=$(grep -c ' filler$' "$WORK/faucet-txs.txt" || true)
  { grep ' payment$' "$WORK/faucet-txs.txt" || true; } | cut -d' ' -f1 | sort >"$WORK/payments.txt"
  R_STRAYS=$(comm -23 "$WORK/payments.txt" "$WORK/landed.txt" | wc -l)
  [ "$R_STRAYS" = 0 ] || problems+=("$R_STRAYS faucet payments on chain that no confirmed grant landed")
  R_UNSEEN=$(comm -13 "$WORK/payments.txt" "$WORK/landed.txt" | wc -l)
  [ "$R_UNSEEN" = 0 ] || problems+=("$R_UNSEEN confirmed grants whose landed hash is not on chain")
  R_NONCE=$(nonce_of "$faucet" latest)
  R_STUCK=$(($(nonce_of "$faucet" pending) - R_NONCE))
  R_SENT=$(wc -l <"$WORK/faucet-txs.txt")
  [ "$R_NONCE" = "$R_SENT" ] || problems+=("faucet nonce $R_NONCE but $R_SENT faucet transactions on chain")
  [ "$R_STUCK" = 0 ] || problems+=("$R_STUCK faucet transactions stuck in the pool (a nonce gap)")
}

# --- A/B of two builds (the bench/*-ab.sh scripts) ---------------------------------------------
# Build a is this checkout, build b the checkout named by the script's *_BASELINE variable (built with
# ./dyt build there; `.` for this one, to compare two settings). The rounds alternate their order
# (a b, then b a, ...) so that a change of the machine's load falls on both builds alike.

# ab_baseline VARIABLE: the checkout the variable names, as an absolute path, in BASELINE (dies
# when it is unset or has no built server)
ab_baseline() {
  local dir="${!1:-}"
  [ -n "$dir" ] || die "$1=<another checkout, built with ./dyt build> is required"
  [ -f "$dir/bootstrap/target/dytallix-api.jar" ] || die "$1: no bootstrap/target/dytallix-api.jar under $dir (./dyt build there first)"
  BASELINE="$(cd "$dir" && pwd)" # the servers start in directories of their own
}

# with_build a|b COMMAND...: runs COMMAND (launch_server, a function that calls it...) with that
# build's jar and AOT cache; BUILD_ROOT=1 also with its checkout as ROOT (its own ./dyt jvm-options)
with_build() {
  local build="$1"
  shift
  if [ "$build" = a ]; then
    "$@"
  elif [ "${BUILD_ROOT:-0}" = 1 ]; then
    ROOT="$BASELINE" JAR="$BASELINE/bootstrap/target/dytallix-api.jar" AOT_CACHE="$BASELINE/bootstrap/target/dytallix-api.aot" "$@"
  else
    JAR="$BASELINE/bootstrap/target/dytallix-api.jar" AOT_CACHE="$BASELINE/bootstrap/target/dytallix-api.aot" "$@"
  fi
}

# ab_builds [A-NOTE [B-NOTE]]: the two lines that say which build is which (commit, uncommitted
# changes), each with its note (settings of its own, say)
ab_builds() {
  echo "a: this checkout ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ', with uncommitted changes'))${1:+ $1}"
  echo "b: $BASELINE ($(git -C "$BASELINE" rev-parse --short HEAD 2>/dev/null || echo 'not a git checkout'))${2:+ $2}"
}

# ab_rounds ROUNDS FUNCTION: calls FUNCTION ROUND BUILD for each round and each build, a b in the
# odd rounds and b a in the even ones
ab_rounds() {
  local round t order
  for round in $(seq "$1"); do
    order="a b"
    [ $((round % 2)) = 1 ] || order="b a"
    for t in $order; do
      "$2" "$round" "$t"
    done
  done
}

# plus A B: their sum, to two decimals (a running total of CPU seconds, say)
plus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a + b }'; }

# median: the median of the numbers on stdin, one a line (the mean of the middle two when even,
# rounded down; "-" when none)
median() {
  sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
