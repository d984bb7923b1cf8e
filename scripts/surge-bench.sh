#!/usr/bin/env bash
# npm run bench:surge — Meter Reading Day on this machine, end to end:
#   1. the stack and fresh services for this run (own topics, own ClickHouse database);
#   2. k6 replays the surge (normal peak → 14x → back), thresholds = the SLOs;
#   3. the loss audit (lost and duplicated must be 0), throughput, latency, freshness;
#   4. the ceiling: the same k6 script, closed loop, against read-api and against a
#      bare HTTP server that only answers 202; the ratio of the two;
#   5. peak RSS of every process.
# SURGE_PROFILE=full|short (default full, ~3 min), SURGE_CUSTOMERS (20000: a surge is many customers with a
# reading or two each), SURGE_NORMAL_PEAK (req/s, 50), SURGE_API_INSTANCES (1).
# Loopback only; every stage is bounded in time and stops by itself.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
[[ ${SURGE_SKIP_BOOTSTRAP:-0} == 1 ]] || bash scripts/bootstrap.sh
export PATH="$root/node_modules/.bin:$PATH"
k6=$(bash scripts/ensure-k6.sh)
state=${SURGE_STATE_DIR:-$root/.stack}
run=$(date +%s)
dir=$state/bench/$run
mkdir -p "$dir"
profile=${SURGE_PROFILE:-full}
prefix="bench-$run."
db="bench_$run"
api_port=3100; sink_port=3101; bare_port=3199
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

echo "=== surge run $run (profile $profile), artefacts in $dir"
node dist/scripts/surge-fixtures.js "$state" "$run" "${SURGE_CUSTOMERS:-20000}" "$dir/fixtures.json"

set -a
# shellcheck disable=SC1091
source "$state/dev/env"
JWT_PUBLIC_KEY=$(cat "$state/dev/jwt-public.pem")
KAFKA_TOPIC_PREFIX=$prefix
CLICKHOUSE_DATABASE=$db
KAFKA_GROUP_ID="${prefix}read-sink"
LOG_LEVEL=warn
# One collector key sends every batch of the run: its per-minute budget is raised for the bench.
RATE_LIMIT_BATCH_PER_MINUTE=1000000
set +a

start() { # start <app> <port>
  PORT=$2 nohup node "dist/apps/$1/src/main.js" >"$dir/$1.log" 2>&1 &
  pids+=($!)
  echo $! >"$dir/$1.pid"
  for _ in $(seq 1 120); do curl -fsS "http://127.0.0.1:$2/health/ready" >/dev/null 2>&1 && return; sleep 0.5; done
  echo "$1 did not become ready; see $dir/$1.log" >&2; exit 1
}
start read-sink $sink_port
# SURGE_API_INSTANCES read-api processes share the port (SO_REUSEPORT), as replicas behind a load balancer would.
HTTP_REUSE_PORT=true start read-api $api_port
for i in $(seq 2 "${SURGE_API_INSTANCES:-1}"); do
  HTTP_REUSE_PORT=true PORT=$api_port nohup node "dist/apps/read-api/src/main.js" >"$dir/read-api-$i.log" 2>&1 &
  pids+=($!); echo $! >"$dir/read-api-$i.pid"
done
sleep 2

# Peak RSS of each process, sampled every second (VmHWM where the process is ours to read).
sample_rss() {
  local out=$dir/rss.tsv
  while true; do
    for name in read-api read-api-2 read-sink kafka clickhouse k6; do
      local f=$dir/$name.pid; [[ $name == kafka || $name == clickhouse ]] && f=$state/pids/$name.pid
      [[ -f $f ]] || continue
      local p; p=$(cat "$f"); [[ -r /proc/$p/status ]] || continue
      awk -v n="$name" '/VmHWM/ {print n"\t"$2}' "/proc/$p/status" >>"$out" 2>/dev/null || true
    done
    sleep 1
  done
}
sample_rss & pids+=($!)

echo "=== k6: surge-day scenario against read-api (thresholds are the SLOs)"
k6rc=0
( cd load-tests && exec "$k6" run --quiet --no-usage-report \
    -e TARGET="http://127.0.0.1:$api_port" -e FIXTURES="$dir/fixtures.json" -e PROFILE="$profile" -e RUN_ID="$run" \
    -e NORMAL_PEAK="${SURGE_NORMAL_PEAK:-50}" -e SUMMARY_FILE="$dir/k6-summary.json" \
    --console-output="$dir/accepted.log" surge-day.k6.js ) &
k6pid=$!; echo $k6pid >"$dir/k6.pid"
# Half-way, keep what the SREs' dashboards would show (issue 6: metrics moving during a surge).
( sleep "$([[ $profile == short ]] && echo 20 || echo 90)"; curl -fsS "http://127.0.0.1:$api_port/metrics" >"$dir/metrics-read-api-midrun.txt" 2>/dev/null; curl -fsS "http://127.0.0.1:$sink_port/metrics" >"$dir/metrics-read-sink-midrun.txt" 2>/dev/null; top -b -n 1 -w 160 | head -20 >"$dir/top-midrun.txt" ) & pids+=($!)
wait $k6pid || k6rc=$?
[[ $k6rc == 0 ]] && echo "k6: all SLO thresholds met" || echo "k6: exit $k6rc (99 = an SLO threshold was crossed; see below)"

auditrc=0
node dist/scripts/surge-audit.js "$dir/accepted.log" "$dir/k6-summary.json" "http://127.0.0.1:$sink_port/metrics" "$dir/report.json" || auditrc=$?

echo; echo "=== ceiling: the same k6 script, closed loop (${SURGE_CAPACITY_VUS:-64} VUs, 20 s), read-api vs a bare 202 server"
node dist/scripts/bare-http.server.js $bare_port >"$dir/bare.log" 2>&1 & pids+=($!)
sleep 1
for target in read-api bare; do
  port=$api_port; [[ $target == bare ]] && port=$bare_port
  ( cd load-tests && "$k6" run --quiet --no-usage-report -e TARGET="http://127.0.0.1:$port" -e FIXTURES="$dir/fixtures.json" \
      -e PROFILE=capacity -e VUS="${SURGE_CAPACITY_VUS:-64}" -e DURATION=20s -e RUN_ID="$run-cap-$target" -e LOG_ACCEPTED=0 \
      -e SUMMARY_FILE="$dir/capacity-$target.json" surge-day.k6.js ) || true
done
node -e '
  const fs = require("fs"); const d = process.argv[1];
  const rate = (t) => JSON.parse(fs.readFileSync(`${d}/capacity-${t}.json`)).metrics.http_reqs.values.rate;
  const api = rate("read-api"), bare = rate("bare");
  console.log(`  read-api ${api.toFixed(0)} req/s, bare 202 server ${bare.toFixed(0)} req/s: read-api reaches ${(100 * api / bare).toFixed(1)}% of the bare ceiling`);
' "$dir"

echo; echo "=== peak RSS (MiB)"
awk '{ if ($2 > m[$1]) m[$1] = $2 } END { for (k in m) printf "  %-11s %7.0f\n", k, m[k] / 1024 }' "$dir/rss.tsv" | sort

if [[ ${SURGE_KEEP:-0} != 1 ]]; then
  cleanup
  curl -fsS "${CLICKHOUSE_URL:-http://127.0.0.1:8123}/" --data-binary "DROP DATABASE IF EXISTS $db" >/dev/null || true
fi
echo; echo "report: $dir/report.json"
exit $(( auditrc != 0 ? auditrc : 0 ))
