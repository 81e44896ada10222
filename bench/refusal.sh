#!/usr/bin/env bash
# What a refused faucet request costs the server: the same load of POST /api/faucet that must be
# refused, one kind at a time — a blocked client (403 BLOCKED, the block list's door check), a
# recipient address with a wrong EIP-55 checksum (400 INVALID_ADDRESS), a recipient already paid
# (429 address: refused once by the ledger, then from memory) and a made-up proof of work (400
# POW_INVALID, proof of work on) — each from a distinct client IP: answers/s, latency, and the
# server's CPU time per refused request. The embedded dev chain: no node involved.
#   bench/refusal.sh   (REFUSAL_SECONDS=8 REFUSAL_CONNECTIONS=16 REFUSAL_WARMUP_SECONDS=8
#                       REFUSAL_KINDS="status blocked address quota pow" REFUSAL_PROFILE=0)
source "$(dirname "$0")/lib.sh"

SECONDS_EACH="${REFUSAL_SECONDS:-8}"
CONNECTIONS="${REFUSAL_CONNECTIONS:-16}"
THREADS="${REFUSAL_THREADS:-2}"
WARMUP_SECONDS="${REFUSAL_WARMUP_SECONDS:-8}"
KINDS="${REFUSAL_KINDS:-status blocked address quota pow}"
PROFILE="${REFUSAL_PROFILE:-0}"
PAID="0x00000000000000000000000000000000000000aa"

ensure_tools wrk curl jq
ensure_server_built

launch_server refusal --ADMIN_TOKEN="$BENCH_ADMIN_TOKEN" --TRUSTED_PROXIES=127.0.0.1 \
  --RATE_LIMIT_PER_ADDRESS_PER_DAY=1 --FAUCET_POW_DIFFICULTY=0 --DEV_BLOCK_TIME_MS=200
wait_ready

admin() { curl -sf -m 5 -H "Authorization: Bearer $BENCH_ADMIN_TOKEN" -H 'Content-Type: application/json' "$@"; }
admin -X POST "$SERVER_URL/api/admin/blocks" -d '{"target":"198.51.100.0/24","reason":"bench"}' >/dev/null \
  || die "could not add the block"
curl -sf -m 10 -X POST "$SERVER_URL/api/faucet" -H 'Content-Type: application/json' \
  -H 'X-Forwarded-For: 192.0.2.1' -d "{\"address\":\"$PAID\"}" >/dev/null || die "the first grant failed"

declare -A R CPU RSS WRITER JIT
JCMD="$(dirname "$JAVA")/jcmd" JFR="$(dirname "$JAVA")/jfr"
wanted() { [[ " $KINDS " == *" $1 "* ]]; }
warm_up() { # KIND
  log "$1: warm-up ${WARMUP_SECONDS}s at 4 connections"
  REFUSAL_KIND="$1" REFUSAL_PAID_ADDRESS="$PAID" run_wrk "$THREADS" 4 "$WARMUP_SECONDS" refusal.lua "$SERVER_URL/api/faucet" >/dev/null
}
# with REFUSAL_PROFILE=1 each measured run is recorded (JFR CPU-time samples, native code included)
measure() { # KIND
  wanted "$1" || return 0
  warm_up "$1"
  log "$1: ${SECONDS_EACH}s at $CONNECTIONS connections"
  [ "$PROFILE" != 1 ] || "$JCMD" "$SERVER_PID" JFR.start name="$1" settings=profile \
    "jdk.CPUTimeSample#enabled=true" "jdk.CPUTimeSample#throttle=1ms" >/dev/null
  local before writer jit
  before="$(cpu_seconds "$SERVER_PID")"
  writer="$(threads_cpu_seconds "$SERVER_PID" fingerprint-wri)"
  jit="$(threads_cpu_seconds "$SERVER_PID" 'C1 Compiler' 'C2 Compiler')"
  R[$1]="$(REFUSAL_KIND="$1" REFUSAL_PAID_ADDRESS="$PAID" run_wrk "$THREADS" "$CONNECTIONS" "$SECONDS_EACH" refusal.lua "$SERVER_URL/api/faucet")"
  CPU[$1]="$(awk -v a="$before" -v b="$(cpu_seconds "$SERVER_PID")" 'BEGIN { printf "%.2f", b - a }')"
  WRITER[$1]="$(awk -v a="$writer" -v b="$(threads_cpu_seconds "$SERVER_PID" fingerprint-wri)" 'BEGIN { printf "%.2f", b - a }')"
  JIT[$1]="$(awk -v a="$jit" -v b="$(threads_cpu_seconds "$SERVER_PID" 'C1 Compiler' 'C2 Compiler')" 'BEGIN { printf "%.2f", b - a }')"
  if [ "$PROFILE" = 1 ]; then
    "$JCMD" "$SERVER_PID" JFR.dump name="$1" filename="$WORK/refusal-$1.jfr" >/dev/null
    "$JCMD" "$SERVER_PID" JFR.stop name="$1" >/dev/null
  fi
}
measure status
measure blocked
measure address
measure quota
RSS[door]="$(peak_rss_mb "$SERVER_PID")"

# proof of work on: the same server restarted on its database with a difficulty
stop_pid "$SERVER_PID"
launch_server refusal --ADMIN_TOKEN="$BENCH_ADMIN_TOKEN" --TRUSTED_PROXIES=127.0.0.1 \
  --RATE_LIMIT_PER_ADDRESS_PER_DAY=1 --FAUCET_POW_DIFFICULTY=8 --DEV_BLOCK_TIME_MS=200
wait_ready
if wanted pow; then
  # The restarted JVM compiles the shared path again before it is measured: it is given the history the first
  # server's quota run had (three kinds' warm-up and measured run, then its own warm-up), the shared path's part of
  # it as blocked refusals. With the 16 s it had before round 27 the pow row was the JIT's first minute: its compilers'
  # CPU, and the rest of the path still interpreted or in C1's code (docs/performance.md, Refusals, round 27).
  WARMUP_SECONDS=$((3 * (WARMUP_SECONDS + SECONDS_EACH))) warm_up blocked
  measure pow
fi
RSS[pow]="$(peak_rss_mb "$SERVER_PID")"

echo "== refusal: what a refused POST /api/faucet costs, wrk -t$THREADS -c$CONNECTIONS, ${SECONDS_EACH}s each =="
machine_info
echo "server: embedded dev chain; a distinct client IP (X-Forwarded-For, loopback trusted) per request"
echo
printf '%-8s %-22s %9s %9s %9s %9s %9s %12s %10s %8s %s\n' kind answer answered 'per s' 'p50 ms' 'p99 ms' 'CPU s' 'CPU us/req' 'writer us' 'JIT us' 'statuses'
for kind in status blocked address quota pow; do
  wanted "$kind" || continue
  r="${R[$kind]}"
  case "$kind" in
    blocked) what="403 BLOCKED" ;;
    address) what="400 INVALID_ADDRESS" ;;
    quota) what="429 RATE_LIMIT address" ;;
    pow) what="400 POW_INVALID" ;;
    status) what="200 (GET /api/status)" ;;
  esac
  statuses="$(grep -o 'status_[0-9]*=[0-9]*' <<<"$r" | tr '\n' ' ' || true)"
  per_req() { awk -v c="$1" -v n="$(field requests "$r")" 'BEGIN { if (n > 0) printf "%.'"$2"'f", c * 1e6 / n; else print "n/a" }'; }
  printf '%-8s %-22s %9s %9s %9s %9s %9s %12s %10s %8s %s\n' "$kind" "$what" "$(field requests "$r")" "$(field rps "$r")" \
    "$(field p50_ms "$r")" "$(field p99_ms "$r")" "${CPU[$kind]}" "$(per_req "${CPU[$kind]}" 0)" \
    "$(per_req "${WRITER[$kind]}" 1)" "$(per_req "${JIT[$kind]}" 1)" "$statuses"
done
echo
echo "CPU us/req: the server's user+system CPU time during the run divided by the answers (all its threads:"
echo "'writer us' is the part of it the background fingerprint writer took, 'JIT us' the JIT compilers'). A refusal at"
echo "the door (block list, pause) does no database work on the request's thread (both held in memory,"
echo "fingerprints written in batches by a background writer, whose CPU is counted here too); a made-up"
echo "proof of work is refused from its id's MAC, with no read; a quota refusal is remembered, so a repeated one costs no database work."
echo "targets: <= 50 us of server CPU per refused request, >= 20000 refusals/s"
echo "peak RSS (VmHWM): ${RSS[door]} MB the first server (status, blocked, address, quota), ${RSS[pow]} MB the proof-of-work server (target <= 200)"
if [ "$PROFILE" = 1 ]; then
  for kind in status blocked address quota pow; do
    wanted "$kind" || continue
    echo
    echo "-- $kind: where the server spends its CPU (JFR CPU-time samples, top frames) --"
    "$JFR" view --width 160 hot-methods "$WORK/refusal-$kind.jfr" | head -n 30
  done
  echo "(the recordings are $WORK/refusal-*.jfr while the directory is kept: KEEP=1)"
fi
