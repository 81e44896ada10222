#!/usr/bin/env bash
# An A/B of two builds' uncached relay, for a machine whose load moves: this checkout's server and
# RELAY_BASELINE's (another checkout, built with ./dyt build), both with RPC_CACHE_MAX_BYTES=0 in
# front of one anvil, measured in alternating rounds (A B, then B A, ...) on one workload, so that a
# change of load in the middle of the run falls on both alike. Prints each round and the totals:
# the server's CPU per call (user + system time over answered calls), requests/s, p50.
#   RELAY_BASELINE=/path/to/checkout bench/relay-ab.sh
#   (RELAY_AB_WORKLOAD=mix RELAY_AB_ROUNDS=6 RELAY_AB_SECONDS=5 RELAY_CONNECTIONS=16 RELAY_THREADS=2 RELAY_WARMUP_SECONDS=10)
# RELAY_A_JAVA_OPTS / RELAY_B_JAVA_OPTS replace each server's memory options (BENCH_JAVA_OPTS), so one
# build (RELAY_BASELINE=.) A/Bs two sets of JVM options; RELAY_A_ARGS / RELAY_B_ARGS add settings to
# each server (e.g. RELAY_B_ARGS=--MAX_CONCURRENCY=64: one build with two settings). Each round also
# shows anvil's CPU per call (the node's own work, which what the relay sends it can change); the totals
# show the share of calls answered by joining an identical call in flight (dytallix_rpc_shared_total).
# Each round also shows each server's young and full collections (jstat -gc), and the totals its young
# collections per 10,000 calls: the same eden in both, so that is what a call allocates, which the load
# does not change. RELAY_AB_CACHE_BYTES=N (default 0) runs both servers with RPC_CACHE_MAX_BYTES=N
# instead, for an A/B of the cache's hits (RELAY_AB_WORKLOAD=final or large).
source "$(dirname "$0")/lib.sh"

ab_baseline RELAY_BASELINE
WORKLOAD="${RELAY_AB_WORKLOAD:-mix}"
ROUNDS="${RELAY_AB_ROUNDS:-6}"
SECONDS_EACH="${RELAY_AB_SECONDS:-5}"
CONNECTIONS="${RELAY_CONNECTIONS:-16}"
THREADS="${RELAY_THREADS:-2}"
WARMUP="${RELAY_WARMUP_SECONDS:-10}"
CACHE_BYTES="${RELAY_AB_CACHE_BYTES:-0}"

ensure_tools wrk curl jq
ensure_anvil
ensure_server_built
start_anvil anvil
prepare_relay_chain 20

BENCH_JAVA_OPTS="${RELAY_A_JAVA_OPTS:-$BENCH_JAVA_OPTS}" launch_server_on a "$ANVIL_URL" --STATUS_REFRESH_MS=500 --RPC_CACHE_MAX_BYTES="$CACHE_BYTES" ${RELAY_A_ARGS:-}
A_PID="$SERVER_PID" A_URL="$SERVER_URL/api/rpc"
wait_ready
BENCH_JAVA_OPTS="${RELAY_B_JAVA_OPTS:-$BENCH_JAVA_OPTS}" with_build b launch_server_on b "$ANVIL_URL" --STATUS_REFRESH_MS=500 --RPC_CACHE_MAX_BYTES="$CACHE_BYTES" ${RELAY_B_ARGS:-}
B_PID="$SERVER_PID" B_URL="$SERVER_URL/api/rpc"
wait_ready
sleep 1 # both status snapshots have seen the head, so the prepared blocks count as final (for the cache)
for url in "$A_URL" "$B_URL"; do
  while read -r body; do
    curl -sf -m 5 -H 'Content-Type: application/json' -d "$body" "$url" | grep -q '"result":' || die "$url does not answer $body"
  done <"$WORK/$WORKLOAD.bodies"
done

log "warming up: ${WARMUP}s each"
for url in "$A_URL" "$B_URL"; do
  BODIES="$WORK/$WORKLOAD.bodies" run_wrk "$THREADS" "$CONNECTIONS" "$WARMUP" bodies.lua "$url" >/dev/null
done

declare -A URL=([a]="$A_URL" [b]="$B_URL") PID=([a]="$A_PID" [b]="$B_PID") CPU=([a]=0 [b]=0) NODE_CPU=([a]=0 [b]=0) REQ=([a]=0 [b]=0) SECS=([a]=0 [b]=0)
declare -A YOUNG=([a]=0 [b]=0) FULL=([a]=0 [b]=0)
echo "== relay A/B: $WORKLOAD, $([ "$CACHE_BYTES" = 0 ] && echo uncached || echo "cached") (RPC_CACHE_MAX_BYTES=$CACHE_BYTES), $CONNECTIONS connections, $ROUNDS rounds of ${SECONDS_EACH}s each =="
machine_info
ab_builds
[ -z "${RELAY_A_JAVA_OPTS:-}${RELAY_B_JAVA_OPTS:-}" ] || echo "memory options: a ${RELAY_A_JAVA_OPTS:-$BENCH_JAVA_OPTS}; b ${RELAY_B_JAVA_OPTS:-$BENCH_JAVA_OPTS}"
[ -z "${RELAY_A_ARGS:-}${RELAY_B_ARGS:-}" ] || echo "settings: a ${RELAY_A_ARGS:-(none added)}; b ${RELAY_B_ARGS:-(none added)}"
# calls answered by joining an identical call in flight (RPC_SHARE_INFLIGHT), summed over methods
shared_calls() { curl -sf -m 5 "${URL[$1]%/api/rpc}/metrics" | awk '/^dytallix_rpc_shared_total/ { s += $NF } END { printf "%.0f", s }'; }
declare -A SHARED_BEFORE=([a]="$(shared_calls a)" [b]="$(shared_calls b)")
printf '%5s %-6s %10s %9s %12s %14s %14s %16s %16s\n' round build 'req/s' 'p50 ms' 'CPU us/call' 'load (1 min)' 'anvil us/call' 'young GCs' 'full GCs'
# one_round ROUND BUILD: one slice of load on that build's server, and its row
one_round() {
  local round="$1" t="$2" before after node_before node_after r n gc_before gc_after
  before="$(cpu_seconds "${PID[$t]}")" node_before="$(cpu_seconds "$ANVIL_PID")" gc_before="$(gc_counts "${PID[$t]}")"
  r="$(BODIES="$WORK/$WORKLOAD.bodies" run_wrk "$THREADS" "$CONNECTIONS" "$SECONDS_EACH" bodies.lua "${URL[$t]}")"
  after="$(cpu_seconds "${PID[$t]}")" node_after="$(cpu_seconds "$ANVIL_PID")" gc_after="$(gc_counts "${PID[$t]}")"
  n="$(field requests "$r")"
  CPU[$t]="$(plus "${CPU[$t]}" "$(minus "$after" "$before")")"
  REQ[$t]=$((REQ[$t] + n))
  SECS[$t]=$((SECS[$t] + SECONDS_EACH))
  NODE_CPU[$t]="$(plus "${NODE_CPU[$t]}" "$(minus "$node_after" "$node_before")")"
  YOUNG[$t]=$((YOUNG[$t] + $(gc_delta "$gc_before" "$gc_after" 1 | cut -d' ' -f1)))
  FULL[$t]=$((FULL[$t] + $(gc_delta "$gc_before" "$gc_after" 3 | cut -d' ' -f1)))
  printf '%5s %-6s %10s %9s %12s %14s %14s %16s %16s\n' "$round" "$t" "$(field rps "$r")" "$(field p50_ms "$r")" \
    "$(awk -v a="$before" -v b="$after" -v n="$n" 'BEGIN { printf "%.0f", 1e6 * (b - a) / n }')" "$(cut -d' ' -f1 /proc/loadavg)" \
    "$(awk -v a="$node_before" -v b="$node_after" -v n="$n" 'BEGIN { printf "%.0f", 1e6 * (b - a) / n }')" \
    "$(gc_delta "$gc_before" "$gc_after" 1)" "$(gc_delta "$gc_before" "$gc_after" 3)"
}
ab_rounds "$ROUNDS" one_round
for t in a b; do
  printf 'total %-3s %10.0f req/s %24.1f us CPU per call; anvil %.1f us per call; %s %% of the calls joined one in flight; %.1f young collections per 10,000 calls, %d full in all\n' "$t" \
    "$(awk -v n="${REQ[$t]}" -v s="${SECS[$t]}" 'BEGIN { print n / s }')" \
    "$(awk -v c="${CPU[$t]}" -v n="${REQ[$t]}" 'BEGIN { print 1e6 * c / n }')" \
    "$(awk -v c="${NODE_CPU[$t]}" -v n="${REQ[$t]}" 'BEGIN { print 1e6 * c / n }')" \
    "$(awk -v a="${SHARED_BEFORE[$t]:-0}" -v b="$(shared_calls "$t")" -v n="${REQ[$t]}" 'BEGIN { printf "%.0f", 100 * (b - a) / n }')" \
    "$(awk -v y="${YOUNG[$t]}" -v n="${REQ[$t]}" 'BEGIN { print 1e4 * y / n }')" "${FULL[$t]}"
done
