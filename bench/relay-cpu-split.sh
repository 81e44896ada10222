#!/usr/bin/env bash
# Where an uncached relayed call's CPU goes, every thread's Java, JVM and kernel frames sampled together:
# this checkout's server (RPC_CACHE_MAX_BYTES=0) in front of anvil, started with async-profiler as an agent
# (cpu-clock samples, one per millisecond of CPU; `loop` writes a file every 10 s, and only the files that lie
# wholly inside the measured window count, so the warm-up and start-up stay out), loaded with one workload.
# Prints the calls/s and CPU per call of the window (the agent's own cost included), then each part's share
# of the samples and its microseconds per call: the kernel's by what the thread was doing, Helidon, the edge,
# the JDK's virtual-thread machinery, the relay's own classes, the JIT and GC.
#   bench/relay-cpu-split.sh
#   (RELAY_SPLIT_WORKLOAD=mix RELAY_SPLIT_SECONDS=31 RELAY_CONNECTIONS=16 RELAY_THREADS=2 RELAY_WARMUP_SECONDS=30
#    RELAY_SPLIT_ARGS= more settings for the server, e.g. --MAX_CONCURRENCY=64)
# async-profiler comes from Maven Central (tools.profiler:async-profiler, its SHA-1 checked) into
# .tools/async-profiler; it is a measuring tool, not a part of the server. KEEP=1 keeps the sample files.
source "$(dirname "$0")/lib.sh"

WORKLOAD="${RELAY_SPLIT_WORKLOAD:-mix}"
SECONDS_EACH="${RELAY_SPLIT_SECONDS:-31}"
CONNECTIONS="${RELAY_CONNECTIONS:-16}"
THREADS="${RELAY_THREADS:-2}"
WARMUP="${RELAY_WARMUP_SECONDS:-30}"
[ "$SECONDS_EACH" -ge 20 ] || die "RELAY_SPLIT_SECONDS must be at least 20 (samples are kept in files of 10 s)"

ensure_tools wrk curl jq
ensure_anvil
ensure_server_built
ensure_async_profiler

start_anvil anvil
prepare_relay_chain 20
mkdir -p "$WORK/samples"
BENCH_JAVA_OPTS="$BENCH_JAVA_OPTS -agentpath:$AP_LIB=start,event=cpu,interval=1ms,loop=10s,file=$WORK/samples/%t.collapsed" \
  launch_server_on split "$ANVIL_URL" --STATUS_REFRESH_MS=500 --RPC_CACHE_MAX_BYTES=0 ${RELAY_SPLIT_ARGS:-}
PID_S="$SERVER_PID" URL_S="$SERVER_URL/api/rpc"
wait_ready
log "warming up: ${WARMUP}s"
BODIES="$WORK/$WORKLOAD.bodies" run_wrk "$THREADS" "$CONNECTIONS" "$WARMUP" bodies.lua "$URL_S" >/dev/null

echo "== relay CPU split: $WORKLOAD, uncached (RPC_CACHE_MAX_BYTES=0), $CONNECTIONS connections, ${SECONDS_EACH}s, async-profiler $AP_VERSION =="
machine_info
BODIES="$WORK/$WORKLOAD.bodies" profiled_window "$PID_S" run_wrk "$THREADS" "$CONNECTIONS" "$SECONDS_EACH" bodies.lua "$URL_S"
printf 'ours: %s req/s, p50 %s ms, server CPU %s us per call, the agent included (load %s)\n' "$(field rps "$RUN")" \
  "$(field p50_ms "$RUN")" "$US" "$(cut -d' ' -f1 /proc/loadavg)"
echo "samples: ${#SAMPLES[@]} files of 10 s inside the window"
echo
printf '%7s %9s  %s\n' share 'us/call' part
cat "${SAMPLES[@]}" | awk -v us="$US" '
  function has(s) { return index(stack, s) > 0 }
  {
    n = $NF; stack = substr($0, 1, length($0) - length(n) - 1); total += n
    kernel = has("_[k]")
    if (has("subPollerLoop")) part = "JDK: the sub-poller (a virtual thread)"
    else if (has("Continuation.run") || has("cont_returnBarrier")) {
      if (has("NodeHttp.exchange;") && has("OutputStream.write")) part = "the request written to the node"
      else if (has("NodeHttp$Connection.read")) part = "the node answer read"
      else if (has("Responses.jsonBytes") && has("SocketWriterDirect.write")) part = "the answer written to the client"
      else if (has("Http1Prologue.readPrologue")) part = "Helidon: the request read"
      else if (has("RelayParams")) part = "relay: params check (RelayParams)"
      else if (has("JsonRpcRelay$Call.read")) part = "relay: request read (JsonRpcRelay.Call)"
      else if (has("NodeAnswer.parse")) part = "relay: node answer scanned (NodeAnswer)"
      else if (has("AccessLog")) part = "edge: access line"
      else if (has("MetricsTelemetry")) part = "relay: metrics"
      else if (has("Bodies.bytes")) part = "edge: body read"
      else if (has("AnswerWriter") || has("Responses.json")) part = "relay: answer handed to Helidon (AnswerWriter)"
      else if (has("NodeHttp") || has("JsonRpcChainNode") || has("UpstreamSet") || has("RelayService") || has("FinalityCache") \
               || has("JsonRpcRelay") || has("RpcHttpService") || has("NodeDeadlines") || has("CallDeadline")) part = "relay: the other layers"
      else if (has("HttpEdge.filter")) part = "edge: the rest"
      else if (has("Http1Connection")) part = "Helidon: the rest"
      else part = "JDK: virtual threads mounted, frozen, thawed"
    }
    else if (has("ForkJoinWorkerThread")) part = "JDK: carriers (scheduling, parking, waking)"
    else if (has("CompileBroker")) { part = "JVM: JIT compilers"; kernel = 0 }
    else if (has("VMThread")) { part = "JVM: VM thread (GC)"; kernel = 0 }
    else if (has("pollerLoop")) part = "JDK: the master poller thread"
    else part = "other threads (status, jobs, metrics, logging, deadlines)"
    if (kernel) part = part " [kernel]"
    s[part] += n; if (kernel) k += n
  }
  END {
    for (p in s) printf "%6.1f%% %9.1f  %s\n", 100 * s[p] / total, us * s[p] / total, p
    printf "%6.1f%% %9.1f  %s\n", 100 * k / total, us * k / total, "(the kernel, all parts together)"
  }' | sort -rn
if [ "${KEEP:-${BENCH_KEEP:-0}}" != 0 ]; then echo "sample files (collapsed stacks): ${files[*]}"; fi
