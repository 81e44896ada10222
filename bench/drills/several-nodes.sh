#!/usr/bin/env bash
# Several-nodes drill: RPC_URL lists four nodes, every one a real process on loopback:
#   1. nginx in front of anvil A (chain 31337, a block a second) — killed under load
#   2. another nginx in front of anvil A                       — the node that stays
#   3. anvil S (chain 31337, a block a second)                 — its head is stopped (evm_setIntervalMining 0)
#   4. anvil F of chain 31338                                  — another chain
# Expected, and checked: S serves reads while healthy and none once UPSTREAM_MAX_LAG_BLOCKS behind;
# F is never used; under relay load (wrk) no read fails after the first second following the kill;
# faucet grants made after the kill land exactly once; /api/status, /readyz and /metrics name the
# node that is down, the one that lags and the one of another chain, without credentials.
#
#   bench/drills/several-nodes.sh              # LOAD_SECONDS=10 CONNECTIONS=8 THREADS=2 by default
#   KEEP=1 bench/drills/several-nodes.sh       # keep the logs and the database afterwards
# Prints its figures and PASS or FAIL; exits 0 on PASS.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

LOAD_SECONDS="${LOAD_SECONDS:-10}"
CONNECTIONS="${CONNECTIONS:-8}"
THREADS="${THREADS:-2}"
GRANTS=5
MAX_LAG=3

ensure_tools curl jq nginx wrk
ensure_anvil
ensure_server_built
# The two anvils of chain 31337 must be one chain to the server, which compares the nodes' genesis
# blocks (a node whose genesis differs is a relaunched chain, never used): anvil's genesis hash
# includes its timestamp, the second of its start unless given, so both get the same one
GENESIS_TIME="$(date +%s)"
start_anvil mining --block-time 1 --timestamp "$GENESIS_TIME"
MINING_URL="$ANVIL_URL"
start_anvil stalling --block-time 1 --timestamp "$GENESIS_TIME"
STALL_URL="$ANVIL_URL"
ANVIL_CHAIN_ID=31338 start_anvil foreign --block-time 1
FOREIGN_URL="$ANVIL_URL"
ANVIL_URL="$MINING_URL"
start_nginx "$MINING_URL"
FIRST_PID="$NGINX_PID" FIRST_URL="$NGINX_URL"
start_nginx "$MINING_URL"
SECOND_URL="$NGINX_URL"
# the first node carries credentials, as a provider URL would: they must show nowhere
FIRST_WITH_SECRET="http://ops:drill-secret@${FIRST_URL#http://}/?apikey=drill-key"
launch_server_on nodes "$FIRST_WITH_SECRET,$SECOND_URL,$STALL_URL,$FOREIGN_URL" --CHAIN_ID=31337 --NODE_TIMEOUT_MS=3000 \
  --UPSTREAM_MAX_LAG_BLOCKS=$MAX_LAG --STATUS_REFRESH_MS=500 --RPC_RATE_LIMIT_PER_MINUTE=100000000
wait_ready 180
BASE="$SERVER_URL"
log "nodes: $FIRST_URL (nginx, killed later), $SECOND_URL (nginx), $STALL_URL (head stopped later), $FOREIGN_URL (chain 31338); server $BASE"

problems=()
problem() { problems+=("$*"); log "problem: $*"; }
upstream_requests() { # NAME OUTCOME: calls routed to that node, by outcome (0 when none yet)
  curl -s "$BASE/metrics" | awk -v want="dytallix_upstream_requests_total{outcome=\"$2\",upstream=\"$1\"}" \
    '$1 == want { n = int($2) } END { print n + 0 }'
}
upstream_status() { curl -s "$BASE/api/status" | jq -r --argjson i "$1" '.upstreams[$i].status'; }
load() { # SECONDS OUTPUT: relay reads from wrk
  READ_ADDRESS="$ANVIL_ADDRESS" wrk -t "$THREADS" -c "$CONNECTIONS" -d "${1}s" --timeout 10s -s "$BENCH_DIR/wrk/several-nodes.lua" \
    "$BASE/api/rpc" >"$2" 2>&1
}

# S serves reads while it keeps up
wait_until "$SERVER_PID" "every node of the chain to be healthy" 60 \
  bash -c "curl -s $BASE/api/status | jq -e '[.upstreams[0,1,2].status] == [\"ok\",\"ok\",\"ok\"]' >/dev/null"
load 3 "$WORK/warmup.txt"
stall_served_healthy="$(upstream_requests "$STALL_URL" ok)"
[ "$stall_served_healthy" -gt 0 ] || problem "the third node served no reads while healthy"

# stop S's head: once MAX_LAG blocks behind it gets no more reads
rpc_call "$STALL_URL" evm_setIntervalMining '[0]' >/dev/null
stalled_ms="$(now_ms)"
wait_until "$SERVER_PID" "the stalled node to be lagging" 60 bash -c "[ \"\$(curl -s $BASE/api/status | jq -r '.upstreams[2].status')\" = lagging ]"
lagging_after_ms=$(($(now_ms) - stalled_ms))
stall_before="$(upstream_requests "$STALL_URL" ok)"

# relay load; the first endpoint is killed at the start of a wall-clock second, 3 s in
load "$LOAD_SECONDS" "$WORK/load.txt" &
LOAD_PID=$!
sleep 3
sleep "$(awk -v ms=$((1000 - $(now_ms) % 1000)) 'BEGIN { print ms / 1000 }')"
killed_s="$(date +%s)"
killed_ms="$(now_ms)"
stop_pid "$FIRST_PID"
log "killed the first endpoint (nginx pid $FIRST_PID) at $killed_s"
wait_until "$SERVER_PID" "status to show the killed node down" 30 bash -c "[ \"\$(curl -s $BASE/api/status | jq -r '.upstreams[0].status')\" = down ]"
down_after_ms=$(($(now_ms) - killed_ms))
grants=()
for i in $(seq "$GRANTS"); do
  answer="$(curl -s -m 15 -H 'Content-Type: application/json' -d "{\"address\":\"$(random_address)\"}" "$BASE/api/faucet")"
  grants+=("$(jq -r '.grantId // empty' <<<"$answer")")
  [ -n "${grants[-1]}" ] || problem "grant $i refused: $answer"
done
wait "$LOAD_PID" || { cat "$WORK/load.txt" >&2; die "wrk failed"; }
result="$(grep '^RESULT ' "$WORK/load.txt")" || die "wrk printed no RESULT line"

# answers per wall-clock second: the kill's second is "the first second"
read -r ok_total failed_total failed_before failed_first failed_late ok_late < <(awk -v k="$killed_s" '
  $1 == "SECOND" { ok += $3; failed += $4
    if ($2 < k) before += $4; else if ($2 == k) first += $4; else { late += $4; oklate += $3 } }
  END { print ok + 0, failed + 0, before + 0, first + 0, late + 0, oklate + 0 }' "$WORK/load.txt")
[ "$failed_before" = 0 ] || problem "$failed_before reads failed before the kill"
[ "$failed_late" = 0 ] || problem "$failed_late reads failed more than a second after the kill"
[ "$ok_late" -gt 0 ] || problem "no reads answered after the kill"
[ "$(field socket_errors "$result")" = 0 ] || problem "wrk saw $(field socket_errors "$result") socket errors"

for g in "${grants[@]}"; do
  [ -n "$g" ] || continue
  wait_until "$SERVER_PID" "grant $g to confirm" 60 \
    bash -c "curl -s $BASE/api/faucet/grants/$g | jq -e '.status == \"confirmed\"' >/dev/null" || problem "grant $g not confirmed"
done
nonce="$(nonce_of "$ANVIL_ADDRESS" latest)"
[ "$nonce" = "$GRANTS" ] || problem "faucet nonce is $nonce after $GRANTS grants (each must land exactly once)"

stall_after="$(upstream_requests "$STALL_URL" ok)"
[ "$stall_after" = "$stall_before" ] || problem "the lagging node answered $((stall_after - stall_before)) calls"
foreign_used=$(($(upstream_requests "$FOREIGN_URL" ok) + $(upstream_requests "$FOREIGN_URL" failed)))
[ "$foreign_used" = 0 ] || problem "the node of another chain was routed $foreign_used calls"
status="$(curl -s "$BASE/api/status")"
[ "$(jq -r '[.upstreams[].status] | join(" ")' <<<"$status")" = "down ok lagging wrong_chain" ] \
  || problem "status shows $(jq -c '[.upstreams[].status]' <<<"$status"), not down ok lagging wrong_chain"
ready_code="$(curl -s -o "$WORK/ready.json" -w '%{http_code}' "$BASE/readyz")"
[ "$ready_code" = 200 ] || problem "/readyz answered $ready_code with one node serving"
grep -q "$FIRST_URL down" "$WORK/ready.json" || problem "/readyz does not name the endpoint that is down"
if grep -q -e drill-secret -e drill-key -e 'ops:drill' <(echo "$status"; cat "$WORK/ready.json"; curl -s "$BASE/metrics"; cat "$SERVER_DIR/server.log"); then
  problem "the first node's credentials show in status, readiness, metrics or the log"
fi

cat <<REPORT
== several nodes drill: four nodes in RPC_URL (UPSTREAM_MAX_LAG_BLOCKS $MAX_LAG, checks every 500 ms) ==
$(machine_info)
relay reads (wrk -t$THREADS -c$CONNECTIONS, ${LOAD_SECONDS}s, eth_getBalance): $ok_total ok, $failed_total failed; $(field rps "$result") req/s, p50 $(field p50_ms "$result") ms, p99 $(field p99_ms "$result") ms, max $(field max_ms "$result") ms
  killed node: failed reads before the kill $failed_before, in the first second after it $failed_first, later $failed_late (of $((ok_late + failed_late)) later reads); status said down after $down_after_ms ms
  stopped head: served $stall_served_healthy reads while healthy; lagging after $lagging_after_ms ms; answered $((stall_after - stall_before)) calls after that
  other chain: routed $foreign_used calls
  sends: $GRANTS faucet grants after the kill, all confirmed; faucet nonce $nonce (each landed once)
  upstreams: $(jq -c '[.upstreams[] | {name, status, height, lag}]' <<<"$status")
  readyz: $ready_code $(jq -c '.checks.node' "$WORK/ready.json")
REPORT
verdict
