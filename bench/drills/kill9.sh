#!/usr/bin/env bash
# kill -9 drill: the server is killed with SIGKILL at random moments while clients ask the faucet
# for money, and restarted each time on the same database and key. A reorg phase follows: a few
# more payments are confirmed, the server is killed, anvil replaces the blocks that hold them with
# empty ones (anvil_reorg), and the server is started again: it must re-open those grants and pay
# each once more. Then the ledger and the chain are reconciled: every grant a client was promised
# is paid exactly once, nobody is paid without a confirmed grant, no grant is left unfinished, and
# the faucet's nonce matches what it sent.
#
#   bench/drills/kill9.sh                      # KILLS=4 CLIENTS=4 MAX_REQUESTS=300 by default
#   KILLS=5 MAX_REQUESTS=500 bench/drills/kill9.sh
#   KEEP=1 bench/drills/kill9.sh               # keep the logs and the database afterwards
# Prints its findings and PASS or FAIL; exits 0 on PASS. Everything it starts listens on 127.0.0.1.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

KILLS="${KILLS:-4}"
CLIENTS="${CLIENTS:-4}"
MAX_REQUESTS="${MAX_REQUESTS:-300}"
SETTLE_SECONDS="${SETTLE_SECONDS:-60}"
# the default drip, 10 DYT, as the node writes quantities (no big-number arithmetic needed in bash)
DRIP_HEX=0x8ac7230489e80000
FAUCET_ADDRESS="$ANVIL_ADDRESS"
CLIENT_PIDS=()

ensure_tools curl jq sqlite3
ensure_anvil
ensure_server_built
start_anvil anvil --block-time 1
# the clients keep the server's address across its restarts
SERVER_PORT="$(free_port)"
launch_drill_server
BASE="$SERVER_URL"
log "anvil pid $ANVIL_PID, server pid $SERVER_PID on $BASE; work dir $WORK"

# One client: requests to fresh addresses, every other one with an Idempotency-Key; a request
# whose answer is lost (the server died) is sent again until some answer comes.
# Writes "address key attempts http_status grantId status" per request.
client() {
  local id="$1" out="$WORK/client-$1.txt" address key attempts code body
  while [ ! -e "$WORK/stop" ] && [ "$(cat "$WORK"/client-*.txt 2>/dev/null | wc -l)" -lt "$MAX_REQUESTS" ]; do
    address="$(random_address)"
    key="-"
    if [ $((RANDOM % 2)) = 0 ]; then key="drill-$id-$RANDOM$RANDOM"; fi
    attempts=0
    while true; do
      attempts=$((attempts + 1))
      if [ "$key" = "-" ]; then
        body="$(curl -s --max-time 15 -w '\n%{http_code}' -H 'Content-Type: application/json' \
          -d "{\"address\":\"$address\"}" "$BASE/api/faucet")" || body=$'\n000'
      else
        body="$(curl -s --max-time 15 -w '\n%{http_code}' -H 'Content-Type: application/json' -H "Idempotency-Key: $key" \
          -d "{\"address\":\"$address\"}" "$BASE/api/faucet")" || body=$'\n000'
      fi
      code="${body##*$'\n'}"
      body="${body%$'\n'*}"
      if [ "$code" != 000 ]; then break; fi
      sleep 0.2
    done
    echo "$address $key $attempts $code $(jq -r '.grantId // "-"' <<<"$body" 2>/dev/null || echo -) $(jq -r '.status // .code // "-"' <<<"$body" 2>/dev/null || echo -)" >>"$out"
    sleep 0.0$((RANDOM % 8 + 2))
  done
}

for c in $(seq 1 "$CLIENTS"); do
  client "$c" &
  CLIENT_PIDS+=($!)
  STARTED_PIDS+=($!)
done

for k in $(seq 1 "$KILLS"); do
  sleep "$((RANDOM % 3 + 1)).$((RANDOM % 10))"
  log "kill -9 #$k (pid $SERVER_PID)"
  { kill -9 "$SERVER_PID"; wait "$SERVER_PID"; } 2>/dev/null || true
  launch_drill_server
  log "restarted: pid $SERVER_PID"
done
sleep 1.5
touch "$WORK/stop"
for pid in "${CLIENT_PIDS[@]}"; do wait "$pid"; done
cat "$WORK"/client-*.txt >"$WORK/requests.txt"

# promised: a 200/202 answer for a grant that is not failed
awk '($4 == 200 || $4 == 202) && $6 != "failed" {print $5}' "$WORK/requests.txt" >"$WORK/promised.txt"
log "waiting for every promised grant to finish (at most ${SETTLE_SECONDS}s)"
deadline=$((SECONDS + SETTLE_SECONDS))
while [ "$SECONDS" -lt "$deadline" ] && [ "$(ledger "SELECT count(*) FROM faucet_grants WHERE status IN ('pending','signed','submitted')")" != 0 ]; do
  sleep 1
done

problems=()

# Reorg phase. Mining is paused around the reorg so that no block slips in between reading the
# height and replacing the blocks.
REORG_GRANTS="${REORG_GRANTS:-4}"
log "reorg phase: $REORG_GRANTS payments, then their blocks replaced while the server is dead"
reorg_ids=()
lowest=""
for _ in $(seq 1 "$REORG_GRANTS"); do
  address="$(random_address)"
  grant="$(curl -s -m 15 -H 'Content-Type: application/json' -d "{\"address\":\"$address\"}" "$BASE/api/faucet" | jq -r '.grantId // "-"')"
  echo "$address - 1 200 $grant submitted" >>"$WORK/requests.txt"
  echo "$grant" >>"$WORK/promised.txt"
  reorg_ids+=("$grant")
done
for grant in "${reorg_ids[@]}"; do
  deadline=$((SECONDS + SETTLE_SECONDS))
  while [ "$SECONDS" -lt "$deadline" ] && [ "$(curl -s "$BASE/api/faucet/grants/$grant" | jq -r .status)" != confirmed ]; do sleep 0.5; done
  block="$(curl -s "$BASE/api/faucet/grants/$grant" | jq -r '.blockNumber // empty')"
  if [ -z "$block" ]; then problems+=("reorg phase: grant $grant never confirmed before the reorg"); continue; fi
  if [ -z "$lowest" ] || [ "$block" -lt "$lowest" ]; then lowest="$block"; fi
done
{ kill -9 "$SERVER_PID"; wait "$SERVER_PID"; } 2>/dev/null || true
reorg_depth=0
if [ -n "$lowest" ]; then
  rpc evm_setIntervalMining '[0]' >/dev/null
  reorg_depth=$(( $(quantity "$(rpc eth_blockNumber '[]')") - lowest + 1 ))
  rpc anvil_reorg "[$reorg_depth, []]" >/dev/null
  rpc evm_setIntervalMining '[1]' >/dev/null
  log "replaced the newest $reorg_depth blocks (from block $lowest)"
fi
launch_drill_server
log "restarted after the reorg: pid $SERVER_PID"
# The grants still read confirmed until the new server holds the payer lease and its tracker sees the
# replaced blocks: wait for that first, then for each grant to be confirmed again.
reorgs_seen=0
deadline=$((SECONDS + SETTLE_SECONDS))
while [ "$SECONDS" -lt "$deadline" ]; do
  reorgs_seen="$(curl -s "$BASE/metrics" | awk '$1 == "dytallix_reorgs_total" { print int($2) }')"
  [ "${reorgs_seen:-0}" -ge 1 ] && break
  sleep 0.5
done
[ "${reorgs_seen:-0}" -ge 1 ] || problems+=("reorg phase: dytallix_reorgs_total is ${reorgs_seen:-missing} ${SETTLE_SECONDS}s after the restart")
for grant in "${reorg_ids[@]}"; do
  deadline=$((SECONDS + SETTLE_SECONDS))
  while [ "$SECONDS" -lt "$deadline" ] && [ "$(curl -s "$BASE/api/faucet/grants/$grant" | jq -r .status)" != confirmed ]; do sleep 0.5; done
  [ "$(curl -s "$BASE/api/faucet/grants/$grant" | jq -r .status)" = confirmed ] \
    || problems+=("reorg phase: grant $grant not confirmed again ${SETTLE_SECONDS}s after the reorg")
done
reopened=$(grep -c 're-opened grants' "$LOGFILE" || true)
[ "$reopened" -ge 1 ] || problems+=("reorg phase: the log names no re-opened grants")

requests=$(wc -l <"$WORK/requests.txt")
promised=$(wc -l <"$WORK/promised.txt")
retried=$(awk '$3 > 1' "$WORK/requests.txt" | wc -l)
told_failed=$(awk '$6 == "failed"' "$WORK/requests.txt" | wc -l)
other=$(awk '$4 != 200 && $4 != 202 && $4 != 429' "$WORK/requests.txt" | wc -l)
[ "$other" = 0 ] || problems+=("$other answers other than 200/202/429 (see $WORK/requests.txt)")
unfinished=$(ledger "SELECT count(*) FROM faucet_grants WHERE status IN ('pending','signed','submitted')")
[ "$unfinished" = 0 ] || problems+=("$unfinished grants unfinished after ${SETTLE_SECONDS}s")

reconcile "$DRIP_HEX" "$FAUCET_ADDRESS" "$WORK/requests.txt" "$WORK/promised.txt"

cat <<REPORT
kill -9 drill findings
  kills:                          $KILLS
  requests:                       $requests ($retried sent again after a lost answer)
  acknowledged (promised) grants: $promised
  paid exactly once:              $R_PAID
  missing (promised, not paid):   $R_MISSING
  duplicates (paid twice):        $R_DUPLICATES
  paid without a confirmed grant: $R_UNEXPLAINED
  failed grants in the ledger:    $R_FAILED ($told_failed keyed retries told so)
  faucet nonce:                   $R_NONCE ($R_SENT transactions on chain, $R_FILLERS gap fillers, $R_STUCK stuck)
  reorg phase:                    ${#reorg_ids[@]} payments, $reorg_depth blocks replaced, dytallix_reorgs_total ${reorgs_seen:-0}
REPORT
verdict
