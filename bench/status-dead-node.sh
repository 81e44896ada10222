#!/usr/bin/env bash
# GET /api/status while the node is up, then after the node was killed: the status is served from
# a snapshot, so it should stay fast whatever the node does.
#   bench/status-dead-node.sh     (STATUS_SECONDS=10 STATUS_CONNECTIONS="16 64" STATUS_THREADS=2)
source "$(dirname "$0")/lib.sh"

SECONDS_EACH="${STATUS_SECONDS:-10}"
CONNECTIONS="${STATUS_CONNECTIONS:-16 64}"
THREADS="${STATUS_THREADS:-2}"
WARMUP="${STATUS_WARMUP_SECONDS:-5}"

ensure_tools wrk curl jq
ensure_anvil
ensure_server_built

start_anvil anvil --block-time 1
launch_server_on status "$ANVIL_URL"
wait_ready

status_field() { curl -sf -m 5 "$SERVER_URL/api/status" | jq -r ".$1"; }

log "node up: warm-up ${WARMUP}s, then 16 connections ${SECONDS_EACH}s"
run_wrk "$THREADS" 16 "$WARMUP" get.lua "$SERVER_URL/api/status" >/dev/null
ALIVE="$(run_wrk "$THREADS" 16 "$SECONDS_EACH" get.lua "$SERVER_URL/api/status")"
alive_state="$(status_field nodeStatus)"

log "killing the node"
stop_pid "$ANVIL_PID"
start="$(now_ms)"
until [ "$(status_field nodeStatus)" = unreachable ]; do
  [ $(($(now_ms) - start)) -lt 30000 ] || die "the status never showed the node as unreachable"
  sleep 0.1
done
noticed_ms=$(($(now_ms) - start))

declare -A R
for c in $CONNECTIONS; do
  log "node dead: $c connections, ${SECONDS_EACH}s"
  R[$c]="$(run_wrk "$THREADS" "$c" "$SECONDS_EACH" get.lua "$SERVER_URL/api/status")"
done
dead_body="$(curl -sf -m 5 "$SERVER_URL/api/status" | jq -c '{api, nodeStatus, height, headAgeSeconds, lastError}')"

echo "== status: GET /api/status with the node up, then killed; wrk -t$THREADS, ${SECONDS_EACH}s per row =="
machine_info
echo "node: anvil $ANVIL_VERSION --block-time 1 (status said nodeStatus=$alive_state), killed (SIGTERM) after the first row;"
echo "      /api/status showed it unreachable ${noticed_ms} ms later"
echo
printf '%-9s %5s %10s %9s %9s %9s %8s\n' node conns 'req/s' 'p50 ms' 'p90 ms' 'p99 ms' errors
row() {
  printf '%-9s %5s %10s %9s %9s %9s %8s\n' "$1" "$2" "$(field rps "$3")" "$(field p50_ms "$3")" \
    "$(field p90_ms "$3")" "$(field p99_ms "$3")" "$(($(field socket_errors "$3") + $(field non2xx "$3")))"
}
row up 16 "$ALIVE"
for c in $CONNECTIONS; do
  row dead "$c" "${R[$c]}"
done
echo
echo "answer with the node dead: $dead_body"
echo "server: peak RSS $(peak_rss_mb "$SERVER_PID") MB (VmHWM)"
