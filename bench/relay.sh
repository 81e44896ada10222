#!/usr/bin/env bash
# The JSON-RPC relay beside the node itself and nginx as a plain reverse proxy to the same node, on
# five workloads, each the same wrk bodies for every target:
#   blockNumber  eth_blockNumber only
#   mix          a dapp's reads: balances, eth_call, blocks by number, receipts, nonces, gas price
#                (blocks and receipts are final, so a third of the mix can come from our cache)
#   final        only answers that cannot change any more (blocks by number, receipts): our cache's case
#   live         the mix's calls tied to the head (balances, eth_call, nonces, gas price), which no cache may
#                hold: what the shipped server's cache misses are made of
#   large        one large answer: eth_getBlockByNumber with full transactions of a block of LARGE_TXS (400)
#                transfers, about 0.4 MB (final, so ours holds it in its cache; ours-nocache reads it each time)
# Targets: direct (anvil), nginx, ours (finality cache on, the default) and ours-nocache (a second
# server with RPC_CACHE_MAX_BYTES=0: every call reaches the node). Each cell shows the target's CPU per call
# and anvil's (the node's work behind each answer); for ours, the server's own p50/p99 (its access log's durationMs)
# and its young and full collections during the cell (jstat -gc): wrk's percentiles weigh slow answers above their share. Then a JFR profile of
# ours-nocache on the mix (RELAY_PROFILE_WORKLOAD) names where its CPU goes. RELAY_BASELINE=<another checkout, built with
# ./dyt build> adds its server (cache off) as baseline-nocache, measured in turn with the others:
# an A/B of two builds under the same load.
#   bench/relay.sh   (RELAY_SECONDS=10 RELAY_CONNECTIONS="16 64" RELAY_THREADS=2 RELAY_WORKLOADS="blockNumber mix final live large" RELAY_PROFILE=1 RELAY_PROFILE_WORKLOAD=mix RELAY_BASELINE=)
source "$(dirname "$0")/lib.sh"

SECONDS_EACH="${RELAY_SECONDS:-10}"
CONNECTIONS="${RELAY_CONNECTIONS:-16 64}"
THREADS="${RELAY_THREADS:-2}"
WARMUP="${RELAY_WARMUP_SECONDS:-10}"
PROFILE="${RELAY_PROFILE:-1}"
PROFILE_WORKLOAD="${RELAY_PROFILE_WORKLOAD:-mix}"
BASELINE="${RELAY_BASELINE:-}"
[ -z "$BASELINE" ] || [ -f "$BASELINE/bootstrap/target/dytallix-api.jar" ] || die "RELAY_BASELINE: no bootstrap/target/dytallix-api.jar under $BASELINE (./dyt build there first)"
TXS=20

ensure_tools wrk curl jq
ensure_tools nginx
ensure_anvil
ensure_server_built

start_anvil anvil
start_nginx "$ANVIL_URL"

prepare_relay_chain "$TXS"

launch_server_on relay "$ANVIL_URL" --STATUS_REFRESH_MS=500
OURS_PID="$SERVER_PID" OURS_URL="$SERVER_URL"
wait_ready
launch_server_on relay-nocache "$ANVIL_URL" --STATUS_REFRESH_MS=500 --RPC_CACHE_MAX_BYTES=0
NOCACHE_PID="$SERVER_PID" NOCACHE_URL="$SERVER_URL"
wait_ready
if [ -n "$BASELINE" ]; then
  JAR="$BASELINE/bootstrap/target/dytallix-api.jar" AOT_CACHE="$BASELINE/bootstrap/target/dytallix-api.aot" \
    launch_server_on relay-baseline "$ANVIL_URL" --STATUS_REFRESH_MS=500 --RPC_CACHE_MAX_BYTES=0
  BASELINE_PID="$SERVER_PID" BASELINE_URL="$SERVER_URL"
  wait_ready
fi
sleep 1 # both status snapshots have seen the head, so the transfers count as final

declare -A URL=([direct]="$ANVIL_URL" [nginx]="$NGINX_URL" [ours]="$OURS_URL/api/rpc" [ours-nocache]="$NOCACHE_URL/api/rpc")
declare -A PID=([nginx]="$NGINX_PID" [ours]="$OURS_PID" [ours-nocache]="$NOCACHE_PID")
declare -A LOGS=([ours]="$WORK/relay/server.log" [ours-nocache]="$WORK/relay-nocache/server.log")
# nginx's CPU is its master's and its workers' together: what a proxied call costs the proxy
# The CPU seconds so far of a server's JIT compiler threads: still compiling after the warm-up, they are
# a cost of the process's first minutes, not of each call, so the tables show them apart (as bench/faucet.sh)
jit_cpu_seconds() { threads_cpu_seconds "${PID[$1]}" 'C1 Compiler' 'C2 Compiler'; } # TARGET
# "count p50 p99" of the server's own time (the access log's durationMs) for the relayed calls it answered 200
# after byte FROM of its log (read from there: the log holds every call of the run, hundreds of MB)
own_times() { # LOGFILE FROM
  tail -c +"$(($2 + 1))" "$1" | grep -F '"message":"POST /api/rpc 200"' | sed -n 's/.*"durationMs":\([0-9.]*\).*/\1/p' | percentiles
}
target_cpu_seconds() { # TARGET
  local p total=0
  for p in "${PID[$1]}" $([ "$1" != nginx ] || pgrep -P "$NGINX_PID"); do
    total="$(awk -v t="$total" -v c="$(cpu_seconds "$p")" 'BEGIN { printf "%.2f", t + c }')"
  done
  echo "$total"
}
TARGETS="direct nginx ours ours-nocache"
OURS_TARGETS="ours ours-nocache"
if [ -n "$BASELINE" ]; then
  URL[baseline-nocache]="$BASELINE_URL/api/rpc" PID[baseline-nocache]="$BASELINE_PID" LOGS[baseline-nocache]="$WORK/relay-baseline/server.log"
  TARGETS="$TARGETS baseline-nocache" OURS_TARGETS="$OURS_TARGETS baseline-nocache"
fi
WORKLOADS="${RELAY_WORKLOADS:-blockNumber mix final live large}"
for target in $TARGETS; do
  while read -r body; do
    curl -sf -m 5 -H 'Content-Type: application/json' -d "$body" "${URL[$target]}" | grep -q '"result":' \
      || die "$target does not answer $body"
  done < <(cat "$WORK/mix.bodies" "$WORK/large.bodies")
done
LARGE_BYTES="$(curl -sf -m 5 -H 'Content-Type: application/json' -d "$(cat "$WORK/large.bodies")" "$ANVIL_URL" | wc -c)"

# The JVMs compile their hot paths during their first seconds under load; anvil and nginx get a
# short warm-up too, so every target starts with open connections and warm caches.
log "warming up: ours ${WARMUP}s per workload, the others 3s"
for w in $WORKLOADS; do
  for target in $TARGETS; do
    BODIES="$WORK/$w.bodies" run_wrk "$THREADS" 16 "$(case $target in ours*|baseline*) echo "$WARMUP" ;; *) echo 3 ;; esac)" \
      bodies.lua "${URL[$target]}" >/dev/null
  done
done

declare -A R CPU_US JIT_US NODE_US OWN YOUNG FULL
for w in $WORKLOADS; do
  for c in $CONNECTIONS; do
    for target in $TARGETS; do
      log "$w: $target, $c connections, ${SECONDS_EACH}s"
      pid="${PID[$target]:-}"
      [ -z "$pid" ] || cpu_before="$(target_cpu_seconds "$target")" jit_before="$(jit_cpu_seconds "$target")"
      node_before="$(cpu_seconds "$ANVIL_PID")"
      log_file="${LOGS[$target]:-}"
      [ -z "$log_file" ] || log_before="$(stat -c %s "$log_file")" gc_before="$(gc_counts "$pid")"
      R[$w.$target.$c]="$(BODIES="$WORK/$w.bodies" run_wrk "$THREADS" "$c" "$SECONDS_EACH" bodies.lua "${URL[$target]}")"
      NODE_US[$w.$target.$c]="$(awk -v a="$node_before" -v b="$(cpu_seconds "$ANVIL_PID")" \
        -v n="$(field requests "${R[$w.$target.$c]}")" 'BEGIN { printf "%.0f", 1e6 * (b - a) / n }')"
      [ -z "$pid" ] || CPU_US[$w.$target.$c]="$(awk -v a="$cpu_before" -v b="$(target_cpu_seconds "$target")" \
        -v n="$(field requests "${R[$w.$target.$c]}")" 'BEGIN { printf "%.0f", 1e6 * (b - a) / n }')"
      [ -z "$pid" ] || [ "$target" = nginx ] || JIT_US[$w.$target.$c]="$(awk -v a="$jit_before" -v b="$(jit_cpu_seconds "$target")" \
        -v n="$(field requests "${R[$w.$target.$c]}")" 'BEGIN { printf "%.0f", 1e6 * (b - a) / n }')"
      if [ -n "$log_file" ]; then
        gc_after="$(gc_counts "$pid")"
        YOUNG[$w.$target.$c]="$(gc_delta "$gc_before" "$gc_after" 1)" FULL[$w.$target.$c]="$(gc_delta "$gc_before" "$gc_after" 3)"
        sleep 0.2 # the access log is written in batches within 100 ms
        OWN[$w.$target.$c]="$(own_times "$log_file" "$log_before")"
      fi
    done
  done
done

# The floor: what the same server spends on a request that does no work of its own (GET /healthz,
# no node call, no JSON parsed): Helidon's HTTP handling, our edge (request id, access line, metrics).
log "floor: GET /healthz on ours-nocache, 16 connections, ${SECONDS_EACH}s"
cpu_before="$(cpu_seconds "$NOCACHE_PID")"
FLOOR="$(run_wrk "$THREADS" 16 "$SECONDS_EACH" get.lua "$NOCACHE_URL/healthz")"
FLOOR_US="$(awk -v a="$cpu_before" -v b="$(cpu_seconds "$NOCACHE_PID")" -v n="$(field requests "$FLOOR")" 'BEGIN { printf "%.0f", 1e6 * (b - a) / n }')"

echo "== relay: JSON-RPC 2.0 POSTs, wrk -t$THREADS, ${SECONDS_EACH}s per cell =="
machine_info
echo "node: anvil $ANVIL_VERSION (automine); nginx $(nginx -v 2>&1 | sed 's/.*nginx\///') reverse proxy with upstream keepalive"
echo "ours: the server as shipped (finality cache on); ours-nocache: RPC_CACHE_MAX_BYTES=0, every call reaches the node"
[ -z "$BASELINE" ] || echo "baseline-nocache: the build in $BASELINE ($(git -C "$BASELINE" rev-parse --short HEAD 2>/dev/null || echo 'not a git checkout')), RPC_CACHE_MAX_BYTES=0"
echo "workloads: blockNumber; mix = balance, eth_call, block by number, receipt, nonce, gas price in turn ($TXS of each); final = block by number, receipt; live = the mix without them; large = a block of $LARGE_TXS transfers with full transactions ($LARGE_BYTES bytes)"
for w in $WORKLOADS; do
  echo
  echo "-- $w --"
  printf '%-16s %5s %10s %9s %9s %9s %8s %12s %8s %12s\n' target conns 'req/s' 'p50 ms' 'p90 ms' 'p99 ms' errors 'CPU us/call' 'of it JIT' 'node us/call'
  for c in $CONNECTIONS; do
    for target in $TARGETS; do
      r="${R[$w.$target.$c]}"
      printf '%-16s %5s %10s %9s %9s %9s %8s %12s %8s %12s\n' "$target" "$c" "$(field rps "$r")" "$(field p50_ms "$r")" \
        "$(field p90_ms "$r")" "$(field p99_ms "$r")" "$(($(field socket_errors "$r") + $(field non2xx "$r")))" \
        "${CPU_US[$w.$target.$c]:--}" "${JIT_US[$w.$target.$c]:--}" "${NODE_US[$w.$target.$c]}"
    done
  done
  printf '%5s %-16s %16s %16s %16s %18s %18s\n' conns target 'server answers' 'server p50 ms' 'server p99 ms' 'young GCs' 'full GCs'
  for c in $CONNECTIONS; do
    for target in $OURS_TARGETS; do
      read -r answers p50 p99 <<<"${OWN[$w.$target.$c]}"
      printf '%5s %-16s %16s %16s %16s %18s %18s\n' "$c" "$target" "$answers" "$p50" "$p99" "${YOUNG[$w.$target.$c]}" "${FULL[$w.$target.$c]}"
    done
  done
  printf '%5s %-16s %15s %20s\n' conns target 'rps vs nginx' 'p50 added vs direct'
  for c in $CONNECTIONS; do
    for target in $OURS_TARGETS; do
      o="${R[$w.$target.$c]}" d="${R[$w.direct.$c]}" n="${R[$w.nginx.$c]}"
      printf '%5s %-16s %14sx %17s ms\n' "$c" "$target" "$(ratio "$(field rps "$o")" "$(field rps "$n")")" \
        "$(minus "$(field p50_ms "$o")" "$(field p50_ms "$d")")"
    done
  done
done
echo
echo "floor: GET /healthz on ours-nocache at 16 connections: $(field rps "$FLOOR") req/s, ${FLOOR_US} us CPU per request (the HTTP edge alone, no node call)"
echo "peak RSS (VmHWM): ours $(peak_rss_mb "$OURS_PID") MB, ours-nocache $(peak_rss_mb "$NOCACHE_PID") MB${BASELINE:+, baseline-nocache $(peak_rss_mb "$BASELINE_PID") MB}"
echo "cache: $(curl -sf "$OURS_URL/metrics" | grep '^dytallix_rpc_cache_requests_total' | sed 's/dytallix_rpc_cache_requests_total//' | tr '\n' ' ')"
echo "targets: rps >= 1.0x nginx and p50 added <= 0.3 ms at 16 and 64 connections on each workload; <= 40 us CPU per call that misses the cache; peak RSS within the memory target"

if [ "$PROFILE" = 1 ]; then
  JCMD="$(dirname "$JAVA")/jcmd" JFR="$(dirname "$JAVA")/jfr"
  log "profiling ours-nocache on $PROFILE_WORKLOAD (JFR, ${SECONDS_EACH}s at 16 connections)"
  "$JCMD" "$NOCACHE_PID" JFR.start name=relay settings=profile "jdk.CPUTimeSample#enabled=true" "jdk.CPUTimeSample#throttle=1ms" >/dev/null
  BODIES="$WORK/$PROFILE_WORKLOAD.bodies" run_wrk "$THREADS" 16 "$SECONDS_EACH" bodies.lua "${URL[ours-nocache]}" >/dev/null
  "$JCMD" "$NOCACHE_PID" JFR.dump name=relay filename="$WORK/relay.jfr" >/dev/null
  "$JCMD" "$NOCACHE_PID" JFR.stop name=relay >/dev/null
  echo
  echo "-- where ours-nocache spends its CPU on $PROFILE_WORKLOAD (JFR execution samples, top frames) --"
  "$JFR" view --width 160 hot-methods "$WORK/relay.jfr" | head -n 30
fi
