#!/usr/bin/env bash
# An A/B of two builds' grants, for a machine whose load moves: this checkout's server and
# FAUCET_BASELINE's (another checkout, built with ./dyt build), each in front of its own anvil mining
# a block a second, with bench/faucet.sh's settings (quotas lifted, a tiny drip, a distinct recipient
# and client IP per request), loaded in alternating rounds (A B, then B A, ...) so that a change of
# load falls on both alike. After each slice the loaded server is left to confirm its grants before
# the other is loaded. Prints each round and the totals: grants/s; wrk's p50 / p90 / p99 time to the
# transaction hash; the answers 200 (sent) and 202 (stored, being sent) with the server's own p99
# for each (the access log's durationMs), and in the totals the server's p99 of all answers pooled over
# the rounds (steadier than the per-round wrk p99s) and the 202s' share; the server's CPU per grant during the load, and apart
# from it the JIT compilers' share (a cost of the process's first minutes, not of each grant).
#   FAUCET_BASELINE=/path/to/checkout bench/faucet-ab.sh
#   (FAUCET_AB_ROUNDS=6 FAUCET_AB_SECONDS=5 FAUCET_CONNECTIONS=16 FAUCET_THREADS=2 FAUCET_WARMUP_SECONDS=20
#    FAUCET_AB_A_ARGS="--FAUCET_SEND_WAIT_MS=50" FAUCET_AB_B_ARGS=: more settings for one server; with
#    FAUCET_BASELINE=. both servers run this checkout, so two settings can be compared;
#    FAUCET_RATE=500: the rounds offer that many grants/s over the connections, paced as in bench/faucet.sh,
#    instead of each connection asking again at once: p99 at that rate rather than at saturation;
#    FAUCET_STORE=postgres: each server's ledger in a database of its own on one throwaway PostgreSQL cluster, as
#    bench/faucet.sh starts it, instead of SQLite; with FAUCET_PG_STATEMENTS=1 also the statements each server ran per
#    grant, each round's load and its confirmation (pg_stat_statements))
source "$(dirname "$0")/lib.sh"

ab_baseline FAUCET_BASELINE
ROUNDS="${FAUCET_AB_ROUNDS:-6}"
SECONDS_EACH="${FAUCET_AB_SECONDS:-5}"
CONNECTIONS="${FAUCET_CONNECTIONS:-16}"
THREADS="${FAUCET_THREADS:-2}"
WARMUP="${FAUCET_WARMUP_SECONDS:-20}"
RATE="${FAUCET_RATE:-0}"
STORE="${FAUCET_STORE:-sqlite}"
PG_STATEMENTS="${FAUCET_PG_STATEMENTS:-0}"
case "$STORE" in sqlite | postgres) ;; *) die "FAUCET_STORE: sqlite or postgres, not $STORE" ;; esac
[ "$STORE" = postgres ] || PG_STATEMENTS=0

ensure_tools wrk curl jq
ensure_anvil
ensure_server_built
declare -A DB=([a]="" [b]="") STORE_ARG=([a]="" [b]="")
if [ "$STORE" = postgres ]; then
  start_postgres "$PG_STATEMENTS"
  psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "CREATE DATABASE dytallix_b" >/dev/null
  DB=([a]=dytallix [b]=dytallix_b)
  STORE_ARG=([a]="--DATABASE_URL=$DATABASE_URL" [b]="--DATABASE_URL=${DATABASE_URL%/*}/dytallix_b")
fi

# start_faucet_server NAME [--KEY=value...]: an anvil of its own and a server in front of it, as bench/faucet.sh's
start_faucet_server() {
  local name="$1"
  shift
  start_anvil "anvil-$name" --block-time 1
  # shellcheck disable=SC2068 # the extra settings, split on spaces
  launch_server_on "$name" "$ANVIL_URL" --FAUCET_DRIP_AMOUNT=0.001 --FAUCET_MIN_BALANCE=1 --TRUSTED_PROXIES=127.0.0.1 $@
  wait_ready
}
# shellcheck disable=SC2086 # the extra settings, split on spaces
start_faucet_server a ${STORE_ARG[a]} ${FAUCET_AB_A_ARGS:-}
A_PID="$SERVER_PID" A_URL="$SERVER_URL" A_LOG="$SERVER_DIR/server.log"
# shellcheck disable=SC2086
with_build b start_faucet_server b ${STORE_ARG[b]} ${FAUCET_AB_B_ARGS:-}
B_PID="$SERVER_PID" B_URL="$SERVER_URL" B_LOG="$SERVER_DIR/server.log"

# unfinished URL: the grants that server has not confirmed or failed yet
unfinished() { curl -sf -m 5 -H "Authorization: Bearer $BENCH_ADMIN_TOKEN" "$1/api/admin/state" | jq '[.unfinishedGrants[]] | add'; }
# settle URL: waits (at most 60 s) until that server has every grant confirmed
settle() {
  local until=$(($(now_ms) + 60000))
  while [ "$(unfinished "$1")" != 0 ] && [ "$(now_ms)" -lt "$until" ]; do sleep 0.2; done
}
load() { # URL SECONDS CONNECTIONS TAG [RATE]
  FAUCET_RATE="${5:-0}" FAUCET_MAX=100000 FAUCET_TAG="$4" run_wrk "$THREADS" "$3" "$2" faucet.lua "$1/api/faucet"
}
granted() { echo $(($(field status_200 "$1") + $(field status_202 "$1") + 0)); }

log "warming up: ${WARMUP}s each at 4 connections"
load "$A_URL" "$WARMUP" 4 1 >/dev/null
settle "$A_URL"
load "$B_URL" "$WARMUP" 4 1 >/dev/null
settle "$B_URL"

declare -A URL=([a]="$A_URL" [b]="$B_URL") PID=([a]="$A_PID" [b]="$B_PID") LOGS=([a]="$A_LOG" [b]="$B_LOG")
declare -A STMTS=([a]=0 [b]=0) CPU=([a]=0 [b]=0) JITS=([a]=0 [b]=0) GRANTS=([a]=0 [b]=0) SECS=([a]=0 [b]=0) P99S=([a]="" [b]="")
echo "== faucet A/B: $CONNECTIONS connections, $ROUNDS rounds of ${SECONDS_EACH}s each, anvil --block-time 1 each, $([ "$RATE" = 0 ] && echo "saturated (each connection asks again at once)" || echo "$RATE grants/s offered") =="
machine_info
[ "$STORE" = sqlite ] || echo "store: PostgreSQL, $("$PG_BIN/postgres" --version | sed 's/^postgres //') (a throwaway cluster on this machine, its defaults; a database per server)"
ab_builds "${FAUCET_AB_A_ARGS:-}" "${FAUCET_AB_B_ARGS:-}"
printf '%5s %-5s %9s %20s %14s %14s %11s %8s %9s %7s\n' round build 'grants/s' 'wrk p50/p90/p99 ms' '200: n, p99' '202: n, p99' 'CPU ms/gr' 'JIT ms' 'stmts/gr' 'load'
# one_round ROUND BUILD: one slice of load on that build's server, its grants confirmed, then its row
one_round() {
  local round="$1" t="$2" from to before after jit r ok later n statements=0 load
  [ "$PG_STATEMENTS" = 0 ] || statements="$(pg_statements "${DB[$t]}")"
  from="$(lines "${LOGS[$t]}")"
  before="$(cpu_seconds "${PID[$t]}")"
  jit="$(threads_cpu_seconds "${PID[$t]}" 'C1 Compiler' 'C2 Compiler')"
  r="$(load "${URL[$t]}" "$SECONDS_EACH" "$CONNECTIONS" $((round + 1)) "$RATE")"
  after="$(cpu_seconds "${PID[$t]}")"
  jit="$(minus "$(threads_cpu_seconds "${PID[$t]}" 'C1 Compiler' 'C2 Compiler')" "$jit")"
  sleep 0.3 # the access log's last batch
  to="$(lines "${LOGS[$t]}")"
  answer_durations "${LOGS[$t]}" "$from" "$to" 200 >>"$WORK/$t-200.ms"
  answer_durations "${LOGS[$t]}" "$from" "$to" 202 >>"$WORK/$t-202.ms"
  ok="$(answer_times "${LOGS[$t]}" "$from" "$to" 200)" later="$(answer_times "${LOGS[$t]}" "$from" "$to" 202)"
  n="$(granted "$r")"
  load="$(cut -d' ' -f1 /proc/loadavg)"
  settle "${URL[$t]}"
  [ "$PG_STATEMENTS" = 0 ] || statements=$(($(pg_statements "${DB[$t]}") - statements))
  STMTS[$t]=$((STMTS[$t] + statements))
  CPU[$t]="$(plus "${CPU[$t]}" "$(minus "$after" "$before")")"
  JITS[$t]="$(plus "${JITS[$t]}" "$jit")"
  GRANTS[$t]=$((GRANTS[$t] + n))
  SECS[$t]="$(awk -v s="${SECS[$t]}" -v d="$(field duration_s "$r")" 'BEGIN { print s + d }')"
  P99S[$t]="${P99S[$t]} $(field p99_ms "$r")"
  printf '%5s %-5s %9s %20s %14s %14s %11s %8s %9s %7s\n' "$round" "$t" \
    "$(awk -v n="$n" -v d="$(field duration_s "$r")" 'BEGIN { printf "%.1f", n / d }')" \
    "$(field p50_ms "$r") / $(field p90_ms "$r") / $(field p99_ms "$r")" \
    "$(awk '{ print $1 ", " $3 }' <<<"$ok")" "$(awk '{ print $1 ", " $3 }' <<<"$later")" \
    "$(awk -v a="$before" -v b="$after" -v n="$n" 'BEGIN { if (n > 0) printf "%.2f", 1000 * (b - a) / n; else print "n/a" }')" \
    "$(awk -v j="$jit" -v n="$n" 'BEGIN { if (n > 0) printf "%.2f", 1000 * j / n; else print "n/a" }')" \
    "$([ "$PG_STATEMENTS" = 0 ] && echo - || awk -v c="$statements" -v n="$n" 'BEGIN { if (n > 0) printf "%.2f", c / n; else print "n/a" }')" "$load"
}
ab_rounds "$ROUNDS" one_round
for t in a b; do
  ok="$(percentiles <"$WORK/$t-200.ms")" later="$(percentiles <"$WORK/$t-202.ms")"
  all="$(cat "$WORK/$t-200.ms" "$WORK/$t-202.ms" | percentiles)"
  printf 'total %s: %.1f grants/s; wrk p99 per round%s ms; answered 200: %s (server p50 / p99 %s / %s ms), 202: %s (%s / %s ms); all answers: server p99 %s ms, %s %% of them 202; %.2f ms CPU per grant, %.2f of it the JIT: %.2f without\n' \
    "$t" "$(awk -v n="${GRANTS[$t]}" -v s="${SECS[$t]}" 'BEGIN { print n / s }')" "${P99S[$t]}" \
    $ok $later "$(cut -d' ' -f3 <<<"$all")" \
    "$(awk -v l="${later%% *}" -v a="${all%% *}" 'BEGIN { if (a > 0) printf "%.1f", 100 * l / a; else print "-" }')" \
    "$(awk -v c="${CPU[$t]}" -v n="${GRANTS[$t]}" 'BEGIN { print 1000 * c / n }')" \
    "$(awk -v c="${JITS[$t]}" -v n="${GRANTS[$t]}" 'BEGIN { print 1000 * c / n }')" \
    "$(awk -v c="${CPU[$t]}" -v j="${JITS[$t]}" -v n="${GRANTS[$t]}" 'BEGIN { print 1000 * (c - j) / n }')"
  [ "$PG_STATEMENTS" = 0 ] || echo "total $t: $(awk -v c="${STMTS[$t]}" -v n="${GRANTS[$t]}" 'BEGIN { printf "%.2f", c / n }') PostgreSQL statements per grant (${STMTS[$t]} over the rounds' loads and confirmations, BEGIN included, the driver's commits not)"
done
if [ "$PG_STATEMENTS" = 1 ]; then
  for t in a b; do
    all="$(psql -X -q -At -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "${DB[$t]}" -c "SELECT count(*) FROM faucet_grants")"
    echo "$t: its most frequent statements over the whole run, per grant of the whole run ($all, warm-up included)"
    pg_statements_top "${DB[$t]}" 12 | awk -v n="$all" '{ c = $1; $1 = ""; printf "  %9.3f %s\n", c / n, $0 }'
  done
fi
for t in a b; do
  url="${URL[$t]}"
  failed="$(curl -sf -m 5 -H "Authorization: Bearer $BENCH_ADMIN_TOKEN" "$url/api/admin/grants?status=failed&limit=1000" | jq .count)"
  echo "$t: failed grants $failed, unfinished $(unfinished "$url"), peak RSS $(peak_rss_mb "${PID[$t]}") MB"
done
