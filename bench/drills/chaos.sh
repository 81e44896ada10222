#!/usr/bin/env bash
# Chaos drill: every fault of the other drills at once, against the money rules. Three instances on
# one PostgreSQL database behind nginx, in front of anvil mining a block a second; clients ask the
# faucet for grants (a third with an Idempotency-Key, replayed at once and again at the end; a
# quarter with ?wait=confirmed) for CHAOS_SECONDS, while at random moments one fault strikes:
#   kill9     an instance killed with SIGKILL, restarted a moment later on the same database
#   term      an instance stopped with SIGTERM (it must exit 0), restarted
#   reorg     a live reorg: anvil replaces its newest 1-3 blocks with empty ones (anvil_reorg)
#   rollback  a live rollback: anvil drops its newest 1-3 blocks (anvil_rollback); mining goes on
#   pause     mining stopped for 3-10 s (evm_setIntervalMining 0), then resumed
#   stop      the node unreachable for 2-6 s (SIGSTOP, then SIGCONT of anvil)
# Then every instance is up, the node mines, and the drill waits for the ledger to settle and
# reconciles it with the chain (lib.sh's reconcile): every grant a client was promised (200/202 with
# a grantId) is paid exactly once on the canonical chain, nobody is paid without a confirmed grant,
# no grant is left unfinished, none failed (the faucet has the funds and nothing reverts: no failure
# is justified here), the faucet's nonce is what it sent with none stuck, each idempotent replay
# answered the first grant and paid once, SIGTERM exited 0, and no answer was a 500.
#
#   bench/drills/chaos.sh                          # CHAOS_SECONDS=300, three instances, all faults
#   CHAOS_SECONDS=600 KEEP=1 bench/drills/chaos.sh # longer, keeping the logs and the database
#   CHAOS_FAULTS="reorg rollback" bench/drills/chaos.sh
# Prints its findings and PASS or FAIL; exits 0 on PASS. Everything it starts listens on 127.0.0.1.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

CHAOS_SECONDS="${CHAOS_SECONDS:-300}"
CHAOS_INSTANCES="${CHAOS_INSTANCES:-3}"
CHAOS_CLIENTS="${CHAOS_CLIENTS:-6}"
CHAOS_FAULTS="${CHAOS_FAULTS:-kill9 term reorg rollback pause stop}"
# seconds between two faults: a random pick in [MIN, MAX]
CHAOS_GAP_MIN="${CHAOS_GAP_MIN:-4}"
CHAOS_GAP_MAX="${CHAOS_GAP_MAX:-12}"
SETTLE_SECONDS="${SETTLE_SECONDS:-180}"
# short enough that a killed payer is replaced within the run, long enough for a loaded machine
LEASE_MS="${LEASE_MS:-5000}"
# a small drip: anvil's account #0 holds 10,000 ETH and a long run makes thousands of grants
DRIP=0.01
DRIP_HEX=0x2386f26fc10000
FAUCET_ADDRESS="$ANVIL_ADDRESS"

ensure_tools curl jq nginx
ensure_anvil
ensure_server_built
start_anvil anvil --block-time 1
ANVIL_PORT="${ANVIL_URL##*:}"
start_postgres

# --- instances (each in its own directory, on its own fixed port) and the load balancer --------
ALL_NAMES=(A B C D E F G H)
NAMES=("${ALL_NAMES[@]:0:$CHAOS_INSTANCES}")
declare -A PID PORT
instance() { # NAME: (re)starts one instance on the shared database and its own port, waits until ready
  SERVER_PORT="${PORT[$1]}" launch_server_on "$1" "$ANVIL_URL" --CHAIN_ID=31337 --RATE_LIMIT_PER_ADDRESS_PER_DAY=1 \
    --STATUS_REFRESH_MS=500 --DATABASE_URL="$DATABASE_URL" --INSTANCE_ID="$1" --PAYER_LEASE_MS="$LEASE_MS" \
    --FAUCET_DRIP_AMOUNT="$DRIP" --TRUSTED_PROXIES=127.0.0.1
  PID[$1]="$SERVER_PID"
  wait_until "$SERVER_PID" "instance $1" 120 ready
}
for name in "${NAMES[@]}"; do
  PORT[$name]="$(free_port)"
  instance "$name"
done
servers=()
for name in "${NAMES[@]}"; do servers+=("127.0.0.1:${PORT[$name]}"); done
# a dead instance is left out for two seconds; a request that never reached one goes to another
NGINX_SERVER_OPTIONS="max_fails=1 fail_timeout=2s" start_nginx "${servers[@]}"
LB="$NGINX_URL"
log "anvil $ANVIL_URL (pid $ANVIL_PID), postgres $PG_PORT, instances ${NAMES[*]} (${servers[*]}), nginx $LB; work dir $WORK"

# --- clients -------------------------------------------------------------------------------------
# post ADDRESS KEY WAIT: one POST /api/faucet through nginx, sent again while its answer is lost (no
# answer, or nginx's 502/504: the instance died under it) or the instance is going away (503), at
# most 40 times; prints "attempts code grantId status"
post() {
  local address="$1" key="$2" wait="$3" attempts=0 body code args=()
  [ "$key" = - ] || args=(-H "Idempotency-Key: $key")
  while true; do
    attempts=$((attempts + 1))
    body="$(curl -s -m 120 -w '\n%{http_code}' -H 'Content-Type: application/json' "${args[@]}" \
      -d "{\"address\":\"$address\"}" "$LB/api/faucet$([ "$wait" = - ] || echo '?wait=confirmed')")" || body=$'\n000'
    code="${body##*$'\n'}"
    body="${body%$'\n'*}"
    case "$code" in 000 | 502 | 503 | 504) [ "$attempts" -lt 40 ] && { sleep 0.5; continue; } ;; esac
    break
  done
  echo "$attempts $code $(jq -r '"\(.grantId // "-") \(.status // .error.code // .code // "-")"' <<<"$body" 2>/dev/null || echo '- -')"
}

# One client: requests to fresh addresses until told to stop. Writes per request
# "address key wait attempts code grantId status replay-code replay-grantId".
client() {
  local id="$1" out="$WORK/client-$1.txt" address key wait answer replay
  while [ ! -e "$WORK/stop" ]; do
    address="$(random_address)"
    key=-
    wait=-
    [ $((RANDOM % 3)) != 0 ] || key="chaos-$id-$RANDOM$RANDOM"
    [ $((RANDOM % 4)) != 0 ] || wait=confirmed
    answer="$(post "$address" "$key" "$wait")"
    replay="- -"
    if [ "$key" != - ]; then
      read -r _ rc rg _ < <(post "$address" "$key" -)
      replay="$rc $rg"
    fi
    echo "$address $key $wait $answer $replay" >>"$out"
    sleep 0.0$((RANDOM % 5 + 1))
  done
}
CLIENT_PIDS=()
for c in $(seq "$CHAOS_CLIENTS"); do
  client "$c" &
  CLIENT_PIDS+=($!)
done

# --- faults ----------------------------------------------------------------------------------------
declare -A FAULTS_DONE
problems=()
read -r -a FAULT_KINDS <<<"$CHAOS_FAULTS"
between() { echo $(($1 + RANDOM % ($2 - $1 + 1))); }
height() { quantity "$(rpc eth_blockNumber '[]')"; }
end=$((SECONDS + CHAOS_SECONDS))
while [ "$SECONDS" -lt "$end" ]; do
  sleep "$(between "$CHAOS_GAP_MIN" "$CHAOS_GAP_MAX")"
  [ "$SECONDS" -lt "$end" ] || break
  fault="${FAULT_KINDS[RANDOM % ${#FAULT_KINDS[@]}]}"
  # the payer half the time (its death moves the payer lease), else any instance
  victim="${NAMES[RANDOM % ${#NAMES[@]}]}"
  payer="$(curl -s -m 2 "$LB/api/status" | jq -r '.payer // ""' 2>/dev/null || true)"
  if [ $((RANDOM % 2)) = 0 ] && [ -n "$payer" ] && [ -n "${PID[$payer]:-}" ]; then victim="$payer"; fi
  case "$fault" in
    kill9)
      log "fault: kill -9 instance $victim (pid ${PID[$victim]}; the payer: ${payer:-?})"
      { kill -KILL "${PID[$victim]}"; wait "${PID[$victim]}"; } 2>/dev/null || true
      sleep "0.$((RANDOM % 10))"
      instance "$victim"
      ;;
    term)
      log "fault: SIGTERM to instance $victim (pid ${PID[$victim]}; the payer: ${payer:-?})"
      kill -TERM "${PID[$victim]}"
      rc=0
      wait "${PID[$victim]}" || rc=$?
      [ "$rc" = 0 ] || problems+=("instance $victim exited $rc after SIGTERM (see $WORK/$victim/server.log)")
      instance "$victim"
      ;;
    reorg)
      depth="$(between 1 3)"
      log "fault: live reorg of the newest $depth blocks (head $(height))"
      rpc anvil_reorg "[$depth, []]" >/dev/null || problems+=("anvil_reorg $depth failed")
      ;;
    rollback)
      depth="$(between 1 3)"
      log "fault: live rollback of the newest $depth blocks (head $(height))"
      rpc anvil_rollback "[$depth]" >/dev/null || problems+=("anvil_rollback $depth failed")
      ;;
    pause)
      pause="$(between 3 10)"
      log "fault: mining paused for $pause s"
      rpc evm_setIntervalMining '[0]' >/dev/null
      sleep "$pause"
      rpc evm_setIntervalMining '[1]' >/dev/null
      ;;
    stop)
      pause="$(between 2 6)"
      log "fault: the node stopped (SIGSTOP) for $pause s"
      kill -STOP "$ANVIL_PID"
      sleep "$pause"
      kill -CONT "$ANVIL_PID"
      ;;
    *) die "unknown fault '$fault' in CHAOS_FAULTS (kill9 term reorg rollback pause stop)" ;;
  esac
  FAULTS_DONE[$fault]=$((${FAULTS_DONE[$fault]:-0} + 1))
done
touch "$WORK/stop"
log "load over; waiting for the clients' last answers"
for pid in "${CLIENT_PIDS[@]}"; do wait "$pid"; done
cat "$WORK"/client-*.txt >"$WORK/requests.txt"

# --- settle --------------------------------------------------------------------------------------
# promised: an answer 200/202 with a grantId, not failed
awk '($5 == 200 || $5 == 202) && $6 != "-" && $7 != "failed" { print $6 }' "$WORK/requests.txt" >"$WORK/promised.txt"
log "settling: no grant unfinished, then four more blocks (at most ${SETTLE_SECONDS}s)"
deadline=$((SECONDS + SETTLE_SECONDS))
wait_settled "$SETTLE_SECONDS"
# past the reorg watch's last pass over the newest blocks: a few more blocks, and the ledger again
target=$(($(height) + 4))
while [ "$SECONDS" -lt "$deadline" ] && [ "$(height)" -lt "$target" ]; do sleep 1; done
unfinished="$(unfinished_grants)"
[ "$unfinished" = 0 ] || problems+=("$unfinished grants unfinished after ${SETTLE_SECONDS}s to settle")

# each keyed request, replayed once more now: the same grant, nothing paid
awk '$2 != "-" && ($5 == 200 || $5 == 202) && $6 != "-" { print $1, $2, $6 }' "$WORK/requests.txt" >"$WORK/keyed.txt"
late_mismatch=0
while read -r address key grant; do
  read -r _ code got _ < <(post "$address" "$key" -)
  if [ "$code" != 200 ] && [ "$code" != 202 ] || [ "$got" != "$grant" ]; then
    late_mismatch=$((late_mismatch + 1))
    [ "$late_mismatch" -gt 10 ] || problems+=("late replay of $key answered $code $got, first answer was grant $grant")
  fi
done <"$WORK/keyed.txt"

# --- reconcile -----------------------------------------------------------------------------------
reconcile "$DRIP_HEX" "$FAUCET_ADDRESS" "$WORK/requests.txt" "$WORK/promised.txt"

requests=$(wc -l <"$WORK/requests.txt")
keyed=$(awk '$2 != "-"' "$WORK/requests.txt" | wc -l)
waited=$(awk '$3 != "-"' "$WORK/requests.txt" | wc -l)
waited_confirmed=$(awk '$3 != "-" && $5 == 200 && $7 == "confirmed"' "$WORK/requests.txt" | wc -l)
retried=$(awk '$4 > 1' "$WORK/requests.txt" | wc -l)
# the immediate replay: the same grant as the first answer whenever both carry one
replay_mismatch=$(awk '$2 != "-" && $6 != "-" && $9 != "-" && $6 != $9' "$WORK/requests.txt" | wc -l)
[ "$replay_mismatch" = 0 ] || problems+=("$replay_mismatch immediate replays answered another grant than the first answer")
codes="$(awk '{ n[$5]++ } END { for (c in n) printf "%s:%d ", c, n[c] }' "$WORK/requests.txt")"
# the answers a client may get here: granted, or refused as already granted (a retry without a key
# whose first try was granted but its answer lost)
others=$(awk '$5 != 200 && $5 != 202 && $5 != 429' "$WORK/requests.txt" | wc -l)
[ "$others" = 0 ] || problems+=("$others answers other than 200/202/429 (codes $codes; see $WORK/requests.txt)")
[ "$R_FAILED" = 0 ] || problems+=("$R_FAILED failed grants: $(ledger "SELECT failure_reason, count(*) FROM faucet_grants WHERE status = 'failed' GROUP BY failure_reason" | tr '\n' ';')")
[ "$R_PROMISED" -gt 0 ] || problems+=("no grant was promised: the load did not run")
reorgs=0
for name in "${NAMES[@]}"; do
  n="$(curl -s -m 5 "http://127.0.0.1:${PORT[$name]}/metrics" | awk '$1 == "dytallix_reorgs_total" { print int($2) }')"
  reorgs=$((reorgs + ${n:-0}))
done
reopened=$(cat "$WORK"/*/server.log | grep -c 're-opened grants' || true)
# transactions a node forgot (a rollback, a reorg): sent again as they were, or (before round 20, or when the
# node would not take them back) replaced with raised fees and a new hash after TX_REPLACE_AFTER_MS
resent=$(cat "$WORK"/*/server.log | grep 'does not hold transactions' | grep -o 'grants \[[^]]*\]' | tr ',' '\n' | grep -c '[0-9a-z]' || true)
replaced=$(ledger "SELECT count(*) FROM (SELECT grant_id FROM grant_tx_hashes GROUP BY grant_id HAVING count(*) > 1) r")
# seconds from admission to the last confirmation: p50 p99 max, and grants over 20 s
latency="$(ledger "SELECT round(percentile_disc(0.5) WITHIN GROUP (ORDER BY s)::numeric, 1), round(percentile_disc(0.99) WITHIN GROUP
  (ORDER BY s)::numeric, 1), round(max(s)::numeric, 1), count(*) FILTER (WHERE s > 20) FROM (SELECT extract(epoch FROM updated_at -
  created_at) AS s FROM faucet_grants WHERE status = 'confirmed') t")"
read -r lat_p50 lat_p99 lat_max lat_slow <<<"$latency"
faults=""
for f in "${FAULT_KINDS[@]}"; do faults+="$f ${FAULTS_DONE[$f]:-0}, "; done

machine_info
cat <<REPORT
chaos drill findings
  run:                            $CHAOS_SECONDS s, $CHAOS_INSTANCES instances on PostgreSQL behind nginx, $CHAOS_CLIENTS clients, PAYER_LEASE_MS=$LEASE_MS
  faults:                         ${faults%, }
  requests:                       $requests ($retried sent again after a lost answer; answers $codes)
  keyed / waited:                 $keyed with an Idempotency-Key (replayed at once and after settling: $replay_mismatch and $late_mismatch answered another grant), $waited with ?wait=confirmed ($waited_confirmed answered confirmed)
  acknowledged (promised) grants: $R_PROMISED
  paid exactly once:              $R_PAID
  missing (promised, not paid):   $R_MISSING
  duplicates (paid twice):        $R_DUPLICATES
  paid without a confirmed grant: $R_UNEXPLAINED
  failed grants in the ledger:    $R_FAILED
  unfinished grants:              $unfinished
  faucet nonce:                   $R_NONCE ($R_SENT transactions on chain, $R_FILLERS gap fillers, $R_STUCK stuck)
  reorgs seen by the instances:   $reorgs since their last start (dytallix_reorgs_total), $reopened log lines re-opening grants
  forgotten transactions:         $resent sent again with their stored bytes (log), $replaced grants replaced with a new hash (ledger)
  admission to confirmation:      p50 ${lat_p50}s, p99 ${lat_p99}s, max ${lat_max}s; $lat_slow grants over 20 s
REPORT
verdict
