#!/usr/bin/env bash
# Scale-out drill on PostgreSQL: faucet load through nginx, first at one instance, then at three
# instances (each in its own directory, as on its own host) sharing one PostgreSQL database; then
# the payer is killed with SIGKILL mid-load. Another instance must take the payer lease over once it
# runs out (PAYER_LEASE_MS) and pay: no acknowledged grant lost, nobody paid twice, no nonce gap.
# Reports grants/s with one and with three instances, and the takeover time.
#
#   bench/drills/scale-out.sh                     # CLIENTS=8, SECONDS_PER_PHASE=10, LEASE_MS=3000
#   KEEP=1 bench/drills/scale-out.sh              # keep the logs and the database directory
# Needs PostgreSQL's server programs (Debian's postgresql package; installed when missing). Prints
# its findings and PASS or FAIL; exits 0 on PASS. Everything it starts listens on 127.0.0.1.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

CLIENTS="${CLIENTS:-8}"
SECONDS_PER_PHASE="${SECONDS_PER_PHASE:-10}"
LEASE_MS="${LEASE_MS:-3000}"
# a small drip: anvil's account #0 holds 10,000 ETH and the drill makes thousands of grants
DRIP=0.01
DRIP_HEX=0x2386f26fc10000

ensure_tools curl jq nginx psql
ensure_anvil
ensure_server_built
start_anvil anvil --block-time 1

# --- PostgreSQL: a throwaway cluster in the work directory, trusting local connections ----------
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  apt_install postgresql
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
fi
PG_DIR="$WORK/pg"
mkdir -p "$PG_DIR"
AS_PG=()
if [ "$(id -u)" = 0 ]; then
  # PostgreSQL refuses to run as root: run it as nobody, who must reach its directory
  chmod 711 "$WORK"
  chown -R 65534:65534 "$PG_DIR"
  AS_PG=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
"${AS_PG[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 >"$PG_DIR/initdb.log" 2>&1 \
  || { LOGFILE="$PG_DIR/initdb.log"; exited "initdb"; }
PG_PORT="$(free_port)"
LOGFILE="$PG_DIR/postgres.log"
"${AS_PG[@]}" "$PG_BIN/postgres" -D "$PG_DIR/data" -p "$PG_PORT" -h 127.0.0.1 -k "$PG_DIR" >"$LOGFILE" 2>&1 &
PG_PID=$!
STARTED_PIDS+=("$PG_PID")
wait_until "$PG_PID" "postgres" 30 "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"
psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "CREATE DATABASE dytallix" >/dev/null
DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/dytallix"
sql() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d dytallix -At -F ' ' -c "$1"; }

# --- instances and the load balancer ------------------------------------------------------------
declare -A PID URL
instance() { # NAME: starts one instance on the shared database, waits until it is ready
  launch_server_on "$1" "$ANVIL_URL" --CHAIN_ID=31337 --RATE_LIMIT_PER_ADDRESS_PER_DAY=1 --STATUS_REFRESH_MS=500 \
    --DATABASE_URL="$DATABASE_URL" --INSTANCE_ID="$1" --PAYER_LEASE_MS="$LEASE_MS" --FAUCET_DRIP_AMOUNT="$DRIP"
  wait_ready 90
  PID[$1]="$SERVER_PID"
  URL[$1]="$SERVER_URL"
}
instance A

NGINX_DIR="$WORK/nginx"; mkdir -p "$NGINX_DIR/tmp"
LB_PORT="$(free_port)"
echo "server ${URL[A]#http://} max_fails=1 fail_timeout=30s;" >"$NGINX_DIR/upstream.conf"
cat >"$NGINX_DIR/nginx.conf" <<NGINX
daemon off;
worker_processes 1;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $NGINX_DIR/tmp/body;
  proxy_temp_path $NGINX_DIR/tmp/proxy;
  fastcgi_temp_path $NGINX_DIR/tmp/fastcgi;
  uwsgi_temp_path $NGINX_DIR/tmp/uwsgi;
  scgi_temp_path $NGINX_DIR/tmp/scgi;
  upstream dytallix_api { include $NGINX_DIR/upstream.conf; keepalive 32; }
  server {
    listen 127.0.0.1:$LB_PORT;
    location / {
      proxy_pass http://dytallix_api;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_read_timeout 120s;
      # another instance only when the request never reached one (a POST is never sent twice)
      proxy_next_upstream error timeout;
    }
  }
}
NGINX
NGINX_BIN="$(command -v nginx || echo /usr/sbin/nginx)"
LOGFILE="$NGINX_DIR/error.log"
"$NGINX_BIN" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" >"$NGINX_DIR/stdout.log" 2>&1 &
NGINX_PID=$!
STARTED_PIDS+=("$NGINX_PID")
LB="http://127.0.0.1:$LB_PORT"
wait_until "$NGINX_PID" "nginx" 10 curl -sf -m 2 -o /dev/null "$LB/readyz"
log "anvil $ANVIL_URL, postgres 127.0.0.1:$PG_PORT, A ${URL[A]}, nginx $LB; work dir $WORK"

# One client: faucet requests to fresh addresses, one line each: "phase code grantId status address"
client() {
  local id="$1" out="$WORK/client-$1.txt" address body code phase
  while [ ! -e "$WORK/stop" ]; do
    phase="$(cat "$WORK/phase")"
    address="$(random_address)"
    body="$(curl -s -m 60 -w '\n%{http_code}' -X POST "$LB/api/faucet" -H 'Content-Type: application/json' \
      -d "{\"address\":\"$address\"}" || true)"
    code="$(tail -n 1 <<<"$body")"
    echo "$phase $code $(head -n -1 <<<"$body" | jq -r '"\(.grantId // "-") \(.status // "-")"' 2>/dev/null || echo '- -') $address" >>"$out"
  done
}
# grants acknowledged in PHASE per second of it
rate() { awk -v p="$1" -v s="$2" '$1 == p && ($2 == 200 || $2 == 202) && $4 != "failed" { n++ } END { printf "%.1f", n / s }' "$WORK"/client-*.txt; }

echo one >"$WORK/phase"
CLIENT_PIDS=()
for i in $(seq "$CLIENTS"); do client "$i" & CLIENT_PIDS+=($!); done
sleep "$SECONDS_PER_PHASE"
echo between >"$WORK/phase"

# --- three instances ---------------------------------------------------------------------------
instance B
instance C
log "B and C ready; status from C: $(curl -s "${URL[C]}/api/status" | jq -c '{instance, payer}')"
{ for n in A B C; do echo "server ${URL[$n]#http://} max_fails=1 fail_timeout=30s;"; done; } >"$NGINX_DIR/upstream.conf"
"$NGINX_BIN" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -s reload
sleep 2
echo three >"$WORK/phase"
sleep "$SECONDS_PER_PHASE"

# --- kill -9 the payer mid-load ----------------------------------------------------------------
PAYER="$(curl -s "${URL[B]}/api/status" | jq -r .payer)"
[ -n "${PID[$PAYER]:-}" ] || die "no payer named (got '$PAYER')"
echo takeover >"$WORK/phase"
KILLED_AT="$(now_ms)"
kill -KILL "${PID[$PAYER]}"
SURVIVOR=B; [ "$PAYER" = B ] && SURVIVOR=C
NEW_PAYER=""
for i in $(seq $((LEASE_MS / 100 + 150))); do
  NEW_PAYER="$(curl -s -m 2 "${URL[$SURVIVOR]}/api/status" | jq -r '.payer // ""')"
  [ -n "$NEW_PAYER" ] && [ "$NEW_PAYER" != "$PAYER" ] && break
  sleep 0.1
done
TAKEOVER_MS=$(($(now_ms) - KILLED_AT))
log "payer $PAYER killed; $NEW_PAYER is the payer $TAKEOVER_MS ms later (lease $LEASE_MS ms)"
# the first grant the new payer sent after the kill
FIRST_PAID_MS=""
for i in $(seq 300); do
  n="$(sql "SELECT COUNT(*) FROM faucet_grants WHERE status IN ('submitted', 'confirmed') AND updated_at > to_timestamp($KILLED_AT / 1000.0)")"
  if [ "$n" -gt 0 ]; then FIRST_PAID_MS=$(($(now_ms) - KILLED_AT)); break; fi
  sleep 0.1
done
sleep "$SECONDS_PER_PHASE"
touch "$WORK/stop"
wait "${CLIENT_PIDS[@]}"

# --- findings --------------------------------------------------------------------------------
cat "$WORK"/client-*.txt >"$WORK/all.txt"
REQUESTS="$(wc -l <"$WORK/all.txt")"
FAILED_REQUESTS="$(awk '$2 != 200 && $2 != 202' "$WORK/all.txt" | wc -l)"
FAILED_TAKEOVER="$(awk '$1 == "takeover" && $2 != 200 && $2 != 202' "$WORK/all.txt" | wc -l)"
awk '($2 == 200 || $2 == 202) && $4 != "failed" { print $3 }' "$WORK/all.txt" >"$WORK/acked.txt"
ACKED="$(wc -l <"$WORK/acked.txt")"
for i in $(seq 180); do
  PENDING="$(sql "SELECT id, status FROM faucet_grants" | awk 'NR == FNR { s[$1] = $2; next } s[$1] != "confirmed"' - "$WORK/acked.txt" | wc -l)"
  [ "$PENDING" = 0 ] && break
  sleep 1
done
sql "SELECT lower(address), COUNT(*) FROM faucet_grants WHERE status = 'confirmed' GROUP BY lower(address)" >"$WORK/confirmed.txt"
DOUBLE_PAID="$(awk '$2 > 1' "$WORK/confirmed.txt" | wc -l)"
# every recipient's balance on the chain: the drip when a grant to it is confirmed, else nothing
WRONG_BALANCES=0
while read -r phase code id status address; do
  want=0x0
  grep -q "^${address,,} 1$" "$WORK/confirmed.txt" && want="$DRIP_HEX"
  [ "$(balance_of "$address")" = "$want" ] || WRONG_BALANCES=$((WRONG_BALANCES + 1))
done <"$WORK/all.txt"
MINED="$(nonce_of "$ANVIL_ADDRESS" latest)"
PENDING_NONCE="$(nonce_of "$ANVIL_ADDRESS" pending)"
CONFIRMED="$(sql "SELECT COUNT(*) FROM faucet_grants WHERE status = 'confirmed'")"

machine_info
echo "postgres:  $("$PG_BIN/postgres" --version)"
echo "load:      $CLIENTS concurrent faucet clients through nginx, $SECONDS_PER_PHASE s per phase, PAYER_LEASE_MS=$LEASE_MS"
echo "grants/s:  $(rate one "$SECONDS_PER_PHASE") with 1 instance, $(rate three "$SECONDS_PER_PHASE") with 3 instances"
echo "takeover:  payer $PAYER killed (SIGKILL); $NEW_PAYER named payer after $TAKEOVER_MS ms, first payment after ${FIRST_PAID_MS:-none} ms"
echo "requests:  $REQUESTS, failed: $FAILED_REQUESTS ($FAILED_TAKEOVER around the kill: in flight to the killed instance)"
echo "grants:    $ACKED acknowledged, $CONFIRMED confirmed, $PENDING acknowledged not confirmed, $DOUBLE_PAID recipients with two grants, $WRONG_BALANCES balances other than the ledger says"
echo "nonce:     faucet mined $MINED, pending $PENDING_NONCE"
if [ "$PENDING" = 0 ] && [ "$DOUBLE_PAID" = 0 ] && [ "$WRONG_BALANCES" = 0 ] && [ "$MINED" = "$PENDING_NONCE" ] \
  && [ "$MINED" -ge "$CONFIRMED" ] && [ "$ACKED" -gt 0 ] && [ -n "$FIRST_PAID_MS" ] && [ "$NEW_PAYER" != "$PAYER" ] \
  && [ "$FAILED_REQUESTS" = "$FAILED_TAKEOVER" ]; then
  echo PASS
else
  FAILED=1
  echo FAIL
  exit 1
fi
