#!/usr/bin/env bash
# Filter-flood drill: eth_newFilter and eth_newBlockFilter through the relay as fast as it answers,
# from FLOOD_CLIENTS client IPs (X-Forwarded-For from a trusted proxy, 127.0.0.1) for FLOOD_SECONDS,
# against a real anvil (a block a second). Then anvil itself is asked, id by id, which of the filters
# the relay handed out it still holds. Expected, and checked: anvil holds at most RPC_MAX_FILTERS
# (as dytallix_rpc_filters says), whatever the crowd does; the rest were refused (scope filters) or
# uninstalled (a client past RPC_MAX_FILTERS_PER_CLIENT). Prints anvil's RSS before and after, and the
# server's live heap after a full collection.
#
#   bench/drills/filter-flood.sh          # FLOOD_SECONDS=60 FLOOD_CLIENTS=1000 FLOOD_CONCURRENCY=16
#   FILTER_SETTINGS="--RPC_MAX_FILTERS_PER_CLIENT=1000000 --RPC_MAX_FILTERS=10000000" bench/drills/filter-flood.sh
#                                         # as good as unbounded: what the node got before round 21 (anvil holds all)
# Prints its figures and PASS or FAIL; exits 0 on PASS.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

SECONDS_EACH="${FLOOD_SECONDS:-60}"
CLIENTS="${FLOOD_CLIENTS:-1000}"
CONCURRENCY="${FLOOD_CONCURRENCY:-16}"
read -r -a EXTRA <<<"${FILTER_SETTINGS:-}"

ensure_tools curl jq node
ensure_anvil
ensure_server_built
start_anvil flood --block-time 1
launch_server_on flood "$ANVIL_URL" --CHAIN_ID=31337 --TRUSTED_PROXIES=127.0.0.1 "${EXTRA[@]}"
wait_ready 60
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
metric() { curl -sf -m 5 "$SERVER_URL/metrics" | awk -v m="$1" '$1 == m { printf "%d", $2 }'; }

ANVIL_RSS_BEFORE="$(rss_kb "$ANVIL_PID")"
log "flood: $CLIENTS clients, $CONCURRENCY at a time, ${SECONDS_EACH}s (load $(cut -d' ' -f1-3 /proc/loadavg))"
RESULT="$(node "$BENCH_DIR/drills/filter-flood.mjs" "$SERVER_URL/api/rpc" "$ANVIL_URL" "$SECONDS_EACH" "$CLIENTS" "$CONCURRENCY")"
ANVIL_RSS_AFTER="$(rss_kb "$ANVIL_PID")"
HELD="$(metric dytallix_rpc_filters)"
BOUND="$(echo "${EXTRA[*]}" | sed -n 's/.*--RPC_MAX_FILTERS=\([0-9]*\).*/\1/p')"
BOUND="${BOUND:-4096}"
jcmd "$SERVER_PID" GC.run >/dev/null 2>&1 || true
LIVE_KB="$(jcmd "$SERVER_PID" GC.heap_info 2>/dev/null | awk '/used/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?/, "", v); s += v } } END { print s + 0 }')"

echo "flood: $RESULT"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (at the start: $LOAD_AT_START)"
echo "anvil RSS: $((ANVIL_RSS_BEFORE / 1024)) MiB before, $((ANVIL_RSS_AFTER / 1024)) MiB after"
echo "server: dytallix_rpc_filters $HELD (RPC_MAX_FILTERS $BOUND), evicted $(metric dytallix_rpc_filters_evicted_total), live heap after a full GC $((LIVE_KB / 1024)) MiB, RSS $(($(rss_kb "$SERVER_PID") / 1024)) MiB"

problems=()
ALIVE="$(jq -r .aliveOnAnvil <<<"$RESULT")"
[ "$ALIVE" -le "$BOUND" ] || problems+=("anvil holds $ALIVE of the relay's filters, more than RPC_MAX_FILTERS $BOUND")
[ "$HELD" -le "$BOUND" ] || problems+=("dytallix_rpc_filters $HELD is over RPC_MAX_FILTERS $BOUND")
[ "$(jq -r .other <<<"$RESULT")" = 0 ] || problems+=("answers that were neither a filter nor a refusal: $(jq -r .other <<<"$RESULT")")
verdict
