#!/usr/bin/env bash
# Zero-downtime deployment drill, the runbook's procedure verbatim, on the default store (SQLite):
# continuous faucet and relay traffic through nginx to instance A; B is started on another port in
# the same working directory; once B is ready nginx is switched to B (reload); A gets SIGTERM.
# Then: no request failed, every acknowledged grant is confirmed and paid exactly once, the
# faucet's nonces have no gap, and B is the payer.
#
#   bench/drills/zero-downtime.sh                # CLIENTS=3, SECONDS_PER_PHASE=4 by default
#   KEEP=1 bench/drills/zero-downtime.sh         # keep the logs and the database afterwards
# Prints its findings and PASS or FAIL; exits 0 on PASS. Everything it starts listens on 127.0.0.1.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

CLIENTS="${CLIENTS:-3}"
SECONDS_PER_PHASE="${SECONDS_PER_PHASE:-4}"
DRIP_HEX=0x8ac7230489e80000

ensure_tools curl jq sqlite3 nginx
ensure_anvil
ensure_server_built
start_anvil anvil --block-time 1

# Both instances run in one directory: launch_server with the same name, each on its own port.
launch_drill_server --INSTANCE_ID=A
A_PID="$SERVER_PID"; A_URL="$SERVER_URL"
start_nginx "$A_URL"
LB="$NGINX_URL"
log "anvil $ANVIL_URL, A $A_URL (pid $A_PID), nginx $LB; work dir $WORK"

# One client: faucet requests to fresh addresses ("faucet code grantId status address"), or relay calls.
client() {
  local id="$1" kind="$2" out="$WORK/client-$1.txt" address body code
  while [ ! -e "$WORK/stop" ]; do
    if [ "$kind" = faucet ]; then
      address="$(random_address)"
      body="$(curl -s -m 60 -w '\n%{http_code}' -X POST "$LB/api/faucet" -H 'Content-Type: application/json' \
        -d "{\"address\":\"$address\"}" || true)"
      code="$(tail -n 1 <<<"$body")"
      echo "faucet $code $(head -n -1 <<<"$body" | jq -r '"\(.grantId // "-") \(.status // "-")"' 2>/dev/null || echo '- -') $address" >>"$out"
    else
      code="$(curl -s -m 30 -o /dev/null -w '%{http_code}' -X POST "$LB/api/rpc" -H 'Content-Type: application/json' \
        -d '{"method":"eth_blockNumber","params":[]}' || true)"
      echo "relay $code" >>"$out"
    fi
    sleep 0.05
  done
}
CLIENT_PIDS=()
for i in $(seq "$CLIENTS"); do client "$i" faucet & CLIENT_PIDS+=($!); done
client relay relay & CLIENT_PIDS+=($!)
sleep "$SECONDS_PER_PHASE"

# 1. start the new instance on another port, same working directory and configuration
launch_drill_server --INSTANCE_ID=B
B_PID="$SERVER_PID"; B_URL="$SERVER_URL"
# 2. its health checks pass (wait_ready above); it names A as the payer
log "B ready at $B_URL: $(curl -s "$B_URL/api/status" | jq -c '{instance, payer}')"
sleep "$SECONDS_PER_PHASE"
# 3. the load balancer points at the new instance
switch_nginx "$B_URL"
log "nginx switched to B (the workers of the old configuration have finished)"
# 4.-5. drain and stop the old instance
STOP_START="$(now_ms)"
kill -TERM "$A_PID"
while kill -0 "$A_PID" 2>/dev/null; do sleep 0.1; done
log "A stopped in $(($(now_ms) - STOP_START)) ms"
SWITCH_START="$(now_ms)"
until [ "$(curl -s "$B_URL/api/status" | jq -r .payer)" = B ]; do sleep 0.1; done
log "B is the payer $(($(now_ms) - SWITCH_START)) ms after A stopped"
sleep "$SECONDS_PER_PHASE"
touch "$WORK/stop"
wait "${CLIENT_PIDS[@]}"

# --- findings --------------------------------------------------------------------------------
cat "$WORK"/client-*.txt >"$WORK/all.txt"
REQUESTS="$(wc -l <"$WORK/all.txt")"
FAILED_REQUESTS="$(awk '($1 == "faucet" && $2 != 200 && $2 != 202) || ($1 == "relay" && $2 != 200)' "$WORK/all.txt" | wc -l)"
awk '$1 == "faucet" && ($2 == 200 || $2 == 202) && $4 != "failed" { print $3 }' "$WORK/all.txt" >"$WORK/acked.txt"
ACKED="$(wc -l <"$WORK/acked.txt")"
# every acknowledged grant confirmed (waiting for the last ones)
for i in $(seq 120); do
  PENDING="$(while read -r id; do ledger "SELECT status FROM faucet_grants WHERE id = '$id'"; done <"$WORK/acked.txt" | grep -vc '^confirmed$' || true)"
  [ "$PENDING" = 0 ] && break
  sleep 1
done
WRONG_BALANCES=0
while read -r kind code id status address; do
  [ "$kind" = faucet ] || continue
  confirmed="$(ledger "SELECT COUNT(*) FROM faucet_grants WHERE lower(address) = lower('$address') AND status = 'confirmed'")"
  want=0x0; [ "$confirmed" = 1 ] && want="$DRIP_HEX"
  [ "$confirmed" -le 1 ] && [ "$(balance_of "$address")" = "$want" ] || WRONG_BALANCES=$((WRONG_BALANCES + 1))
done <"$WORK/all.txt"
MINED="$(nonce_of "$ANVIL_ADDRESS" latest)"
PENDING_NONCE="$(nonce_of "$ANVIL_ADDRESS" pending)"
CONFIRMED="$(ledger "SELECT COUNT(*) FROM faucet_grants WHERE status = 'confirmed'")"

machine_info
echo "requests:  $REQUESTS ($(grep -c '^relay' "$WORK/all.txt") relay), failed: $FAILED_REQUESTS"
echo "grants:    $ACKED acknowledged, $CONFIRMED confirmed, $PENDING acknowledged not confirmed, $WRONG_BALANCES recipients paid other than once"
echo "nonce:     faucet mined $MINED, pending $PENDING_NONCE"
if [ "$FAILED_REQUESTS" = 0 ] && [ "$PENDING" = 0 ] && [ "$WRONG_BALANCES" = 0 ] && [ "$MINED" = "$PENDING_NONCE" ] \
  && [ "$MINED" -ge "$CONFIRMED" ] && [ "$ACKED" -gt 0 ]; then
  echo PASS
else
  FAILED=1
  echo FAIL
  exit 1
fi
