#!/usr/bin/env bash
# npm run bench:read-api — read-api's CPU per request, alone, at a fixed offered rate: the figure issue 10 asks to
# cut ("read-api CPU milliseconds per request"), measured where it can be compared build against build.
#   READ_API_BENCH_RATE (single submissions/s, 300), READ_API_BENCH_BATCH_RATE (collector batches of 40/s, 8),
#   READ_API_BENCH_SECONDS (20), READ_API_BENCH_CUSTOMERS (20000), READ_API_BENCH_DIST (dist: the build to measure;
#   another build's dist directory compares a change against it), READ_API_BENCH_PORT (3190).
# Open model at a fixed rate (not closed loop), so every build does the same work: CPU seconds of the read-api
# process (utime+stime from /proc) divided by the requests it answered. CPU time, unlike latency, stays comparable
# on a busy machine. Needs the stack (Kafka, Redis); the run's topics are deleted afterwards. Loopback only, bounded.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"
dist=${READ_API_BENCH_DIST:-$root/dist}
state=${SURGE_STATE_DIR:-$root/.stack}
load=$(bash scripts/ensure-surge-load.sh)
run=rapi$(date +%s%N | tail -c 9)
dir=$state/bench/$run; mkdir -p "$dir"
port=${READ_API_BENCH_PORT:-3190}
prefix="bench-$run."
node "$dist/scripts/surge-fixtures.js" "$state" "$run" "${READ_API_BENCH_CUSTOMERS:-20000}" "$dir/fixtures.json" >/dev/null
set -a
# shellcheck disable=SC1091
source "$state/dev/env"
JWT_PUBLIC_KEY=$(cat "$state/dev/jwt-public.pem")
KAFKA_TOPIC_PREFIX=$prefix
LOG_LEVEL=warn
RATE_LIMIT_COLLECTOR_READINGS_PER_MINUTE=100000000
# Every request is worked, none shed: a 503 costs little, and a busy machine's shedding would change the mix.
MAX_QUEUE_DELAY_MS=0
MAX_IN_FLIGHT_REQUESTS=100000
set +a
# shellcheck source=scripts/service-node-flags.sh
source "$root/scripts/service-node-flags.sh"
# shellcheck disable=SC2046,SC2086
PORT=$port node $(service_node_flags read-api) ${READ_API_BENCH_NODE_FLAGS:-} "$dist/apps/read-api/src/main.js" >"$dir/read-api.log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  node -e '
    const { deleteTopics } = require(process.argv[3] + "/libs/kafka/src/topic.admin.js");
    const { resolveTopics } = require(process.argv[3] + "/libs/topic-catalog/src/topic.catalog.js");
    deleteTopics(process.argv[2].split(","), Object.values(resolveTopics(process.argv[1])).map((t) => t.name)).catch(() => undefined);
  ' "$prefix" "${KAFKA_BROKERS:-127.0.0.1:9092}" "$dist" || true
}
trap cleanup EXIT
for _ in $(seq 1 120); do curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
# Warm-up (JIT, connections, topic metadata), not counted.
"$load" -target "http://127.0.0.1:$port" -fixtures "$dir/fixtures.json" -profile constant -mix surge -rate 100 -batch-rate 2 \
  -duration 5s -run-id "$run-warm" -no-log -out "$dir/warm" >/dev/null 2>&1 || true
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat"; }
# Read and write system calls too (/proc/<pid>/io): a count, unlike time, that contention does not move.
sysc() { awk '/^syscr|^syscw/ {printf "%s ", $2}' "/proc/$pid/io"; }
before=$(ticks); sysc_before=$(sysc)
"$load" -target "http://127.0.0.1:$port" -fixtures "$dir/fixtures.json" -profile constant -mix surge -rate "${READ_API_BENCH_RATE:-300}" \
  -batch-rate "${READ_API_BENCH_BATCH_RATE:-8}" -duration "${READ_API_BENCH_SECONDS:-20}s" -run-id "$run" -no-log -out "$dir/load" >"$dir/load.txt" 2>&1 || true
after=$(ticks); sysc_after=$(sysc)
rss=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$pid/status")
node -e '
  const s = require(process.argv[1]);
  const cpuMs = (Number(process.argv[3]) - Number(process.argv[2])) * 10;
  const ok = Object.values(s.routes).reduce((n, r) => n + (r.statuses["202"] ?? 0) + (r.statuses["207"] ?? 0), 0);
  const shed = Object.values(s.routes).reduce((n, r) => n + (r.statuses["503"] ?? 0), 0);
  const r = { requests: s.requests, answered2xx: ok, shed503: shed, cpuMs, cpuMsPerRequest: +(cpuMs / s.requests).toFixed(3),
    submitP50: s.routes.submit?.latencyMs.p50, submitP99: s.routes.submit?.latencyMs.p99, peakRssMiB: Number(process.argv[4]) };
  const [r0, w0] = process.argv[5].trim().split(" ").map(Number), [r1, w1] = process.argv[6].trim().split(" ").map(Number);
  r.readSyscallsPerRequest = +((r1 - r0) / s.requests).toFixed(2);
  r.writeSyscallsPerRequest = +((w1 - w0) / s.requests).toFixed(2);
  console.log(JSON.stringify(r));
' "$dir/load/summary.json" "$before" "$after" "$rss" "$sysc_before" "$sysc_after" | tee "$dir/read-api-cpu.json"
