#!/usr/bin/env bash
# Several-nodes drill: RPC_URL lists two endpoints in front of one anvil (two nodes of one chain)
# and an anvil that does not mine (its head stops). Under relay load the first endpoint is killed.
# Expected: no failed read a second after the kill, the stalled node gets no reads once it is
# UPSTREAM_MAX_LAG_BLOCKS behind, faucet grants made after the kill land exactly once, and
# /api/status, /readyz and /metrics name the node that is down.
#
#   bench/drills/several-nodes.sh            # LOAD_SECONDS=8, CLIENTS=4 by default
#   KEEP=1 bench/drills/several-nodes.sh     # keep the logs and the database afterwards
# Prints its figures and PASS or FAIL; exits 0 on PASS. Everything it starts listens on 127.0.0.1.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

LOAD_SECONDS="${LOAD_SECONDS:-8}"
CLIENTS="${CLIENTS:-4}"
GRANTS=5

ensure_tools curl jq nginx
ensure_anvil
ensure_server_built
start_anvil mining --block-time 1
MINING_URL="$ANVIL_URL"
start_anvil stalled --no-mining
STALLED_URL="$ANVIL_URL"
ANVIL_URL="$MINING_URL"
start_nginx "$MINING_URL"
FIRST_PID="$NGINX_PID" FIRST_URL="$NGINX_URL"
start_nginx "$MINING_URL"
SECOND_URL="$NGINX_URL"
launch_server_on nodes "$FIRST_URL,$SECOND_URL,$STALLED_URL" --CHAIN_ID=31337 --NODE_TIMEOUT_MS=3000 \
  --UPSTREAM_MAX_LAG_BLOCKS=3 --STATUS_REFRESH_MS=500 --RPC_RATE_LIMIT_PER_MINUTE=100000000
wait_ready 180
BASE="$SERVER_URL"
log "nodes: $FIRST_URL (nginx, killed later) $SECOND_URL (nginx) $STALLED_URL (not mining); server $BASE"

problems=()
problem() { problems+=("$*"); log "problem: $*"; }
upstream_requests() { # NAME OUTCOME
  curl -s "$BASE/metrics" | awk -v want="dytallix_upstream_requests_total{outcome=\"$2\",upstream=\"$1\"}" '$1 == want { print int($2) }'
}

# the stalled node falls behind as the other chain grows
wait_until "$SERVER_PID" "the stalled node to lag" 30 \
  bash -c "curl -s $BASE/api/status | jq -e '.upstreams[2].status == \"lagging\"' >/dev/null"
stalled_before="$(upstream_requests "$STALLED_URL" ok)"

# load: CLIENTS loops of eth_getBalance and eth_blockNumber, one line "ms code ok|error" per call
body_balance="{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getBalance\",\"params\":[\"$ANVIL_ADDRESS\",\"latest\"]}"
end_ms=$(($(now_ms) + LOAD_SECONDS * 1000))
load_pids=()
for c in $(seq "$CLIENTS"); do
  (
    while [ "$(now_ms)" -lt "$end_ms" ]; do
      code="$(curl -s -m 5 -o "$WORK/load-$c.json" -w '%{http_code}' -H 'Content-Type: application/json' -d "$body_balance" "$BASE/api/rpc" || echo 000)"
      jq -e 'has("result")' "$WORK/load-$c.json" >/dev/null 2>&1 && r=ok || r=error
      echo "$(now_ms) $code $r" >>"$WORK/load.txt"
    done
  ) &
  load_pids+=($!)
done
sleep 2
killed_ms="$(now_ms)"
stop_pid "$FIRST_PID"
log "killed the first endpoint (nginx pid $FIRST_PID)"
grants=()
for i in $(seq "$GRANTS"); do
  answer="$(curl -s -m 15 -H 'Content-Type: application/json' -d "{\"address\":\"$(random_address)\"}" "$BASE/api/faucet")"
  grants+=("$(jq -r '.grantId // empty' <<<"$answer")")
  [ -n "${grants[-1]}" ] || problem "grant $i refused: $answer"
done
wait "${load_pids[@]}"

total="$(wc -l <"$WORK/load.txt")"
failed="$(awk '$3 != "ok"' "$WORK/load.txt" | wc -l)"
failed_late="$(awk -v t=$((killed_ms + 1000)) '$1 > t && $3 != "ok"' "$WORK/load.txt" | wc -l)"
failed_first_second="$(awk -v k="$killed_ms" '$1 >= k && $1 <= k + 1000 && $3 != "ok"' "$WORK/load.txt" | wc -l)"
after="$(awk -v t=$((killed_ms + 1000)) '$1 > t' "$WORK/load.txt" | wc -l)"
[ "$failed_late" = 0 ] || problem "$failed_late reads failed more than a second after the kill"
[ "$after" -gt 0 ] || problem "no reads answered after the kill"

for g in "${grants[@]}"; do
  [ -n "$g" ] || continue
  wait_until "$SERVER_PID" "grant $g to confirm" 60 \
    bash -c "curl -s $BASE/api/faucet/grants/$g | jq -e '.status == \"confirmed\"' >/dev/null" || problem "grant $g not confirmed"
done
nonce="$(nonce_of "$ANVIL_ADDRESS" latest)"
[ "$nonce" = "$GRANTS" ] || problem "faucet nonce is $nonce after $GRANTS grants (each must land exactly once)"

stalled_after="$(upstream_requests "$STALLED_URL" ok)"
[ "$stalled_after" = "$stalled_before" ] || problem "the lagging node answered $((stalled_after - stalled_before)) calls"
status="$(curl -s "$BASE/api/status")"
first_status="$(jq -r '.upstreams[0].status' <<<"$status")"
[ "$first_status" = down ] || problem "status shows the killed endpoint as $first_status"
ready_code="$(curl -s -o "$WORK/ready.json" -w '%{http_code}' "$BASE/readyz")"
[ "$ready_code" = 200 ] || problem "/readyz answered $ready_code with one node serving"
grep -q "$FIRST_URL down" "$WORK/ready.json" || problem "/readyz does not name the endpoint that is down"

cat <<REPORT
several nodes drill ($(date -u +%FT%TZ), load at start $LOAD_AT_START)
  relay reads:            $total in ${LOAD_SECONDS}s from $CLIENTS clients, $failed failed
  failed in the second after the kill: $failed_first_second; later: $failed_late (of $after)
  lagging node answers during the load: $((stalled_after - stalled_before))
  faucet grants after the kill: ${#grants[@]}, faucet nonce $nonce
  upstreams: $(jq -c '[.upstreams[] | {name, status, height, lag}]' <<<"$status")
  readyz: $ready_code $(jq -c '.checks.node' "$WORK/ready.json")
REPORT
if [ ${#problems[@]} -eq 0 ]; then
  echo PASS
else
  FAILED=1
  printf 'FAIL: %s\n' "${problems[@]}"
  exit 1
fi
