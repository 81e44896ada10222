#!/usr/bin/env bash
# Node-fault drill: the chain node hangs (kill -STOP) and later crashes (kill -9, restarted on its
# saved state) while the server keeps running. The server must keep answering fast (status shows
# nodeStatus unreachable, readiness goes red, the faucet answers 502 or 202), and recover fully
# once the node is back: readiness green, every 202 grant sent and confirmed, new grants paid,
# without restarting the server.
#
#   bench/drills/node-faults.sh          # HANG_SECONDS=6 by default
#   KEEP=1 bench/drills/node-faults.sh   # keep the logs and the database afterwards
# Prints its findings and PASS or FAIL; exits 0 on PASS. Everything it starts listens on 127.0.0.1.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

HANG_SECONDS="${HANG_SECONDS:-6}"
NODE_TIMEOUT_MS=1000
# an answer that does not wait on the node comes well within a second; one that tries the node once within its timeout
FAST_SECONDS=1
FAUCET_SECONDS=3
FAUCET_ADDRESS="$ANVIL_ADDRESS"

ensure_tools curl jq sqlite3
ensure_anvil
ensure_server_built
# the node comes back on the same address, and keeps its chain across a crash: state saved every
# second, loaded on restart
ANVIL_PORT="$(free_port)"
ANVIL_OPTIONS=(--block-time 1 --state "$WORK/anvil-state.json" --state-interval 1)
start_anvil anvil "${ANVIL_OPTIONS[@]}"
launch_drill_server --NODE_TIMEOUT_MS="$NODE_TIMEOUT_MS"
BASE="$SERVER_URL"
log "anvil pid $ANVIL_PID, server pid $SERVER_PID on $BASE; work dir $WORK"
SERVER_AT_START=$SERVER_PID

problems=()
problem() { problems+=("$*"); log "problem: $*"; }

# timed GET: prints "http_status seconds" and leaves the body in $WORK/body.json
timed_get() {
  curl -s --max-time 10 -o "$WORK/body.json" -w '%{http_code} %{time_total}\n' "$BASE$1" || echo "000 10"
}

# one faucet request: prints "http_status seconds grantId status"
drip() {
  local answer
  answer="$(curl -s --max-time 15 -o "$WORK/drip.json" -w '%{http_code} %{time_total}' -H 'Content-Type: application/json' \
    -d "{\"address\":\"$(random_address)\"}" "$BASE/api/faucet")" || answer="000 15"
  echo "$answer $(jq -r '.grantId // "-"' "$WORK/drip.json" 2>/dev/null || echo -) $(jq -r '.status // .code // "-"' "$WORK/drip.json" 2>/dev/null || echo -)"
}

slower_than() { awk -v t="$1" -v limit="$2" 'BEGIN { exit !(t > limit) }'; }

# the node is down: status, readiness and the faucet all answer, fast, and say so
check_outage() {
  local phase="$1" code t i answer grant
  for i in $(seq 1 50); do
    read -r code t < <(timed_get /api/status)
    [ "$(jq -r .nodeStatus "$WORK/body.json" 2>/dev/null)" = unreachable ] && break
    sleep 0.2
  done
  if [ "$(jq -r .nodeStatus "$WORK/body.json" 2>/dev/null)" != unreachable ]; then
    problem "$phase: status never showed nodeStatus unreachable"
  fi
  for i in 1 2 3; do
    read -r code t < <(timed_get /api/status)
    [ "$code" = 200 ] || problem "$phase: /api/status answered $code"
    if slower_than "$t" "$FAST_SECONDS"; then problem "$phase: /api/status took ${t}s"; fi
  done
  for i in $(seq 1 30); do
    read -r code t < <(timed_get /readyz)
    [ "$code" = 503 ] && break
    sleep 0.2
  done
  [ "$code" = 503 ] || problem "$phase: /readyz stayed $code while the node was down"
  for i in 1 2 3 4 5; do
    answer="$(drip)"
    read -r code t grant _ <<<"$answer"
    echo "$phase $answer" >>"$WORK/faucet-answers.txt"
    case "$code" in
      502) ;;
      202) echo "$grant" >>"$WORK/deferred.txt" ;;
      *) problem "$phase: the faucet answered $code (want 502 or 202): $(cat "$WORK/drip.json")" ;;
    esac
    if slower_than "$t" "$FAUCET_SECONDS"; then problem "$phase: a faucet answer took ${t}s"; fi
  done
}

# the node is back: readiness green, deferred grants confirmed, a new grant paid; the same server process
check_recovery() {
  local phase="$1" code t i grant status answer started=$SECONDS
  for i in $(seq 1 100); do
    read -r code t < <(timed_get /readyz)
    [ "$code" = 200 ] && break
    sleep 0.2
  done
  [ "$code" = 200 ] || problem "$phase: not ready again 20s after the node came back"
  log "$phase: ready again after $((SECONDS - started))s"
  [ "$(jq -r .nodeStatus < <(curl -s "$BASE/api/status"))" = ok ] || problem "$phase: nodeStatus not ok after recovery"
  answer="$(drip)"
  read -r code t grant status <<<"$answer"
  [ "$code" = 200 ] || problem "$phase: a new request after recovery answered $code ($status)"
  [ "$code" = 200 ] && echo "$grant" >>"$WORK/deferred.txt"
  touch "$WORK/deferred.txt"
  while read -r grant; do
    for i in $(seq 1 60); do
      status="$(curl -s "$BASE/api/faucet/grants/$grant" | jq -r .status)"
      [ "$status" = confirmed ] || [ "$status" = failed ] && break
      sleep 0.5
    done
    [ "$status" = confirmed ] || problem "$phase: grant $grant ended $status"
  done <"$WORK/deferred.txt"
  log "$phase: $(wc -l <"$WORK/deferred.txt") grants accepted during or after the outage are confirmed"
  : >"$WORK/deferred.txt"
  kill -0 "$SERVER_PID" 2>/dev/null && [ "$SERVER_PID" = "$SERVER_AT_START" ] || problem "$phase: the server process did not survive"
}

log "baseline"
answer="$(drip)"
[ "${answer%% *}" = 200 ] || problem "baseline: the faucet answered ${answer%% *}"

log "fault 1: the node hangs (kill -STOP) for ${HANG_SECONDS}s"
kill -STOP "$ANVIL_PID"
hang_started=$SECONDS
check_outage "hang"
sleep $((HANG_SECONDS - (SECONDS - hang_started) > 0 ? HANG_SECONDS - (SECONDS - hang_started) : 0))
kill -CONT "$ANVIL_PID"
check_recovery "hang"

log "fault 2: the node crashes (kill -9) and is restarted on its saved state"
sleep 2.5 # the last grant's block is in the saved state
{ kill -9 "$ANVIL_PID"; wait "$ANVIL_PID"; } 2>/dev/null || true
check_outage "crash"
start_anvil anvil "${ANVIL_OPTIONS[@]}"
check_recovery "crash"

mined=$(nonce_of "$FAUCET_ADDRESS" latest)
pending=$(nonce_of "$FAUCET_ADDRESS" pending)
[ "$mined" = "$pending" ] || problem "$((pending - mined)) faucet transactions stuck in the pool (a nonce gap)"
unfinished=$(ledger "SELECT count(*) FROM faucet_grants WHERE status IN ('pending','signed','submitted')")
[ "$unfinished" = 0 ] || problem "$unfinished grants unfinished"

cat <<REPORT
node-fault drill findings
  faucet answers while the node was down (phase status seconds grantId status):
$(sed 's/^/    /' "$WORK/faucet-answers.txt")
  confirmed grants:   $(ledger "SELECT count(*) FROM faucet_grants WHERE status = 'confirmed'")
  failed grants:      $(ledger "SELECT count(*) FROM faucet_grants WHERE status = 'failed'") (refused with 502 before anything was sent)
  unfinished grants:  $unfinished
  faucet nonce:       $mined mined, $pending pending
  server restarted:   no (pid $SERVER_PID throughout)
REPORT
verdict
