#!/usr/bin/env bash
# An A/B of two builds' refusals, for a machine whose load moves: this checkout's server and
# REFUSAL_BASELINE's (another checkout, built with ./dyt build), each on the embedded dev chain with
# the same block list, paid recipient and proof-of-work setting, measured in alternating rounds (A B,
# then B A, ...) on one kind of refused request (as bench/refusal.sh makes them), so that a change
# of load falls on both alike. Prints each round and the totals: the server's CPU per request
# (user + system time of all its threads over the answers), and apart from it the JIT compilers'
# share (compiling is a cost of the process's first minutes, not of each request; it moves most
# between runs) and the background fingerprint writer's.
#   REFUSAL_BASELINE=/path/to/checkout bench/refusal-ab.sh
#   (REFUSAL_AB_KIND=blocked REFUSAL_AB_ROUNDS=6 REFUSAL_AB_SECONDS=5 REFUSAL_CONNECTIONS=16 REFUSAL_THREADS=2 REFUSAL_WARMUP_SECONDS=20)
source "$(dirname "$0")/lib.sh"

ab_baseline REFUSAL_BASELINE
refusal_kind REFUSAL_AB_KIND blocked
ROUNDS="${REFUSAL_AB_ROUNDS:-6}"
SECONDS_EACH="${REFUSAL_AB_SECONDS:-5}"
CONNECTIONS="${REFUSAL_CONNECTIONS:-16}"
THREADS="${REFUSAL_THREADS:-2}"
WARMUP="${REFUSAL_WARMUP_SECONDS:-20}"

ensure_tools wrk curl jq
ensure_server_built

# start_refusal_server NAME: a server as bench/refusal.sh's, with the block and the paid recipient
start_refusal_server() {
  launch_server "$1" --ADMIN_TOKEN="$BENCH_ADMIN_TOKEN" --TRUSTED_PROXIES=127.0.0.1 \
    --RATE_LIMIT_PER_ADDRESS_PER_DAY=1 --FAUCET_POW_DIFFICULTY="$POW" --DEV_BLOCK_TIME_MS=200
  wait_ready
  curl -sf -m 5 -H "Authorization: Bearer $BENCH_ADMIN_TOKEN" -H 'Content-Type: application/json' \
    -X POST "$SERVER_URL/api/admin/blocks" -d '{"target":"198.51.100.0/24","reason":"bench"}' >/dev/null || die "could not add the block"
  if [ "$POW" = 0 ]; then
    curl -sf -m 10 -X POST "$SERVER_URL/api/faucet" -H 'Content-Type: application/json' \
      -H 'X-Forwarded-For: 192.0.2.1' -d "{\"address\":\"$PAID\"}" >/dev/null || die "the first grant failed"
  fi
}
start_refusal_server a
A_PID="$SERVER_PID" A_URL="$SERVER_URL"
with_build b start_refusal_server b
B_PID="$SERVER_PID" B_URL="$SERVER_URL"

load() { # URL SECONDS CONNECTIONS
  local path=/api/faucet
  REFUSAL_KIND="$KIND" REFUSAL_PAID_ADDRESS="$PAID" run_wrk "$THREADS" "$3" "$2" refusal.lua "$1$path"
}

log "warming up: ${WARMUP}s each"
for url in "$A_URL" "$B_URL"; do
  load "$url" "$WARMUP" 4 >/dev/null
done

declare -A URL=([a]="$A_URL" [b]="$B_URL") PID=([a]="$A_PID" [b]="$B_PID") CPU=([a]=0 [b]=0) JITS=([a]=0 [b]=0) WRITERS=([a]=0 [b]=0) REQ=([a]=0 [b]=0) SECS=([a]=0 [b]=0)
echo "== refusal A/B: $KIND, $CONNECTIONS connections, $ROUNDS rounds of ${SECONDS_EACH}s each =="
machine_info
ab_builds
printf '%5s %-6s %10s %9s %12s %10s %10s %14s\n' round build 'req/s' 'p50 ms' 'CPU us/req' 'JIT us' 'writer us' 'load (1 min)'
# one_round ROUND BUILD: one slice of load on that build's server, and its row
one_round() {
  local round="$1" t="$2" before after jit writer r n
  before="$(cpu_seconds "${PID[$t]}")"
  jit="$(threads_cpu_seconds "${PID[$t]}" 'C1 Compiler' 'C2 Compiler')"
  writer="$(threads_cpu_seconds "${PID[$t]}" fingerprint-wri)"
  r="$(load "${URL[$t]}" "$SECONDS_EACH" "$CONNECTIONS")"
  after="$(cpu_seconds "${PID[$t]}")"
  jit="$(minus "$(threads_cpu_seconds "${PID[$t]}" 'C1 Compiler' 'C2 Compiler')" "$jit")"
  writer="$(minus "$(threads_cpu_seconds "${PID[$t]}" fingerprint-wri)" "$writer")"
  n="$(field requests "$r")"
  CPU[$t]="$(plus "${CPU[$t]}" "$(minus "$after" "$before")")"
  JITS[$t]="$(plus "${JITS[$t]}" "$jit")"
  WRITERS[$t]="$(plus "${WRITERS[$t]}" "$writer")"
  REQ[$t]=$((REQ[$t] + n))
  SECS[$t]=$((SECS[$t] + SECONDS_EACH))
  printf '%5s %-6s %10s %9s %12s %10s %10s %14s\n' "$round" "$t" "$(field rps "$r")" "$(field p50_ms "$r")" \
    "$(awk -v a="$before" -v b="$after" -v n="$n" 'BEGIN { printf "%.0f", 1e6 * (b - a) / n }')" \
    "$(awk -v j="$jit" -v n="$n" 'BEGIN { printf "%.1f", 1e6 * j / n }')" \
    "$(awk -v w="$writer" -v n="$n" 'BEGIN { printf "%.1f", 1e6 * w / n }')" "$(cut -d' ' -f1 /proc/loadavg)"
}
ab_rounds "$ROUNDS" one_round
for t in a b; do
  printf 'total %-3s %8.0f req/s %8.1f us CPU per request, %5.1f of it the JIT, %5.1f the fingerprint writer: %5.1f without the JIT\n' \
    "$t" "$(awk -v n="${REQ[$t]}" -v s="${SECS[$t]}" 'BEGIN { print n / s }')" \
    "$(awk -v c="${CPU[$t]}" -v n="${REQ[$t]}" 'BEGIN { print 1e6 * c / n }')" \
    "$(awk -v c="${JITS[$t]}" -v n="${REQ[$t]}" 'BEGIN { print 1e6 * c / n }')" \
    "$(awk -v c="${WRITERS[$t]}" -v n="${REQ[$t]}" 'BEGIN { print 1e6 * c / n }')" \
    "$(awk -v c="${CPU[$t]}" -v j="${JITS[$t]}" -v n="${REQ[$t]}" 'BEGIN { print 1e6 * (c - j) / n }')"
done
