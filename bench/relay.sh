#!/usr/bin/env bash
# The JSON-RPC relay against the node itself and against nginx as a plain reverse proxy to the
# same node: eth_blockNumber as JSON-RPC 2.0, the same wrk script for all three targets.
#   bench/relay.sh                      (RELAY_SECONDS=12 RELAY_CONNECTIONS="16 64" RELAY_THREADS=2)
source "$(dirname "$0")/lib.sh"

SECONDS_EACH="${RELAY_SECONDS:-12}"
CONNECTIONS="${RELAY_CONNECTIONS:-16 64}"
THREADS="${RELAY_THREADS:-2}"
WARMUP="${RELAY_WARMUP_SECONDS:-10}"

ensure_tools wrk curl
ensure_tools nginx
ensure_anvil
ensure_server_built

start_anvil anvil
start_nginx "$ANVIL_URL"
launch_server_on relay "$ANVIL_URL"
wait_ready

declare -A URL=([direct]="$ANVIL_URL" [nginx]="$NGINX_URL" [ours]="$SERVER_URL/api/rpc")
for target in direct nginx ours; do
  rpc_call "${URL[$target]}" eth_blockNumber | grep -q '"result":"0x' || die "$target does not answer eth_blockNumber"
done

# The JVM compiles its hot paths during its first seconds under load; anvil and nginx get a short
# warm-up too, so every target starts with open connections and warm caches.
log "warming up: ours ${WARMUP}s, the others 3s"
for target in direct nginx ours; do
  run_wrk "$THREADS" 16 "$([ $target = ours ] && echo "$WARMUP" || echo 3)" rpc.lua "${URL[$target]}" >/dev/null
done

declare -A R CPU_US
for c in $CONNECTIONS; do
  for target in direct nginx ours; do
    log "$target, $c connections, ${SECONDS_EACH}s"
    cpu_before="$(cpu_seconds "$SERVER_PID")"
    R[$target.$c]="$(run_wrk "$THREADS" "$c" "$SECONDS_EACH" rpc.lua "${URL[$target]}")"
    [ "$target" != ours ] || CPU_US[$c]="$(awk -v a="$cpu_before" -v b="$(cpu_seconds "$SERVER_PID")" -v n="$(field requests "${R[$target.$c]}")" \
      'BEGIN { printf "%.0f", 1e6 * (b - a) / n }')"
  done
done

echo "== relay: eth_blockNumber (JSON-RPC 2.0 POST), wrk -t$THREADS, ${SECONDS_EACH}s per cell =="
machine_info
echo "node: anvil $ANVIL_VERSION (automine); nginx $(nginx -v 2>&1 | sed 's/.*nginx\///') reverse proxy with upstream keepalive"
echo
printf '%-7s %5s %10s %9s %9s %9s %8s\n' target conns 'req/s' 'p50 ms' 'p90 ms' 'p99 ms' errors
for c in $CONNECTIONS; do
  for target in direct nginx ours; do
    r="${R[$target.$c]}"
    printf '%-7s %5s %10s %9s %9s %9s %8s\n' "$target" "$c" "$(field rps "$r")" "$(field p50_ms "$r")" \
      "$(field p90_ms "$r")" "$(field p99_ms "$r")" "$(($(field socket_errors "$r") + $(field non2xx "$r")))"
  done
done
echo
printf '%5s %16s %15s %20s %20s %18s\n' conns 'ours/direct rps' 'ours/nginx rps' 'p50 added vs direct' 'p50 added vs nginx' 'p99 ours/nginx'
for c in $CONNECTIONS; do
  o="${R[ours.$c]}" d="${R[direct.$c]}" n="${R[nginx.$c]}"
  printf '%5s %16s %15s %17s ms %17s ms %18s\n' "$c" \
    "$(ratio "$(field rps "$o")" "$(field rps "$d")")" "$(ratio "$(field rps "$o")" "$(field rps "$n")")" \
    "$(minus "$(field p50_ms "$o")" "$(field p50_ms "$d")")" "$(minus "$(field p50_ms "$o")" "$(field p50_ms "$n")")" \
    "$(ratio "$(field p99_ms "$o")" "$(field p99_ms "$n")")"
done
echo
echo "server: CPU per relayed request $(for c in $CONNECTIONS; do printf '%s us at %s connections; ' "${CPU_US[$c]}" "$c"; done)peak RSS $(peak_rss_mb "$SERVER_PID") MB (VmHWM)"
echo "targets: ours/nginx rps >= 0.80, p50 added <= 1 ms"
