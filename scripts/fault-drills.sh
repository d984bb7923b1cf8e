#!/usr/bin/env bash
# npm run bench:faults [drill...]: the fault drills (scripts/fault-drills.ts) against a
# PRIVATE stack and private services this script starts and stops itself, so
# killing a server never touches the shared one on 9092/8123/5432/6379.
#
#   drills: kafka-kill sink-kill clickhouse-stop redis-kill postgres-immediate csat-stop (default: all)
#
# Private ports: Kafka 19098 (controller 19198), ClickHouse 19220-19222,
# PostgreSQL 19230, Redis 19240; services 3620-3623 (SURGE_PORT_BASE).
# State of the private stack: $SURGE_DRILL_STATE_DIR (default .stack/drill),
# kept between runs (a second run skips initdb, Maven and seeding).
# Report: .stack/bench/faults-<ts>/report.json plus each drill's per-request log.
# Bounded: the whole suite takes about 10-12 minutes; loopback only.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"
shared=${SURGE_STATE_DIR:-$root/.stack}
drill_state=${SURGE_DRILL_STATE_DIR:-$shared/drill}
report=${SURGE_DRILL_REPORT_DIR:-$shared/bench/faults-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$drill_state/logs" "$drill_state/pids" "$report"

[[ -f $shared/dev/env ]] || { echo "no dev credentials in $shared/dev: run npm run bootstrap once" >&2; exit 1; }
[[ -d $drill_state/dev ]] || cp -r "$shared/dev" "$drill_state/dev"

export SURGE_STATE_DIR=$drill_state SURGE_STACK_NATIVE=1
export KAFKA_PORT=19098 KAFKA_CONTROLLER_PORT=19198 CH_HTTP_PORT=19220 CH_TCP_PORT=19221 CH_INTERSERVER_PORT=19222 PG_PORT=19230 REDIS_PORT=19240
export KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT CLICKHOUSE_URL=http://127.0.0.1:$CH_HTTP_PORT \
  DATABASE_URL=postgres://surge:surge@127.0.0.1:$PG_PORT/surge REDIS_URL=redis://127.0.0.1:$REDIS_PORT
export SURGE_PORT_BASE=${SURGE_PORT_BASE:-3620} LOG_LEVEL=${LOG_LEVEL:-warn}
# Drills end faults within a minute: the sink and csat must not give up before that.
export KAFKA_CONSUMER_GIVE_UP_MS=${KAFKA_CONSUMER_GIVE_UP_MS:-300000}
apps=(read-sink read-api billing csat)

cleanup() {
  echo "=== stopping the drill services and the private stack"
  bash scripts/services.sh down "${apps[@]}" || true
  bash scripts/stack/stack.sh down || true
}
trap cleanup EXIT

echo "=== build"
npm run -s build
load=$(SURGE_STATE_DIR=$shared bash scripts/ensure-surge-load.sh)
echo "=== private stack in $drill_state"
bash scripts/stack/stack.sh up
echo "=== services on 127.0.0.1:$SURGE_PORT_BASE-$((SURGE_PORT_BASE + 3)) (supervised by services.sh)"
bash scripts/services.sh up "${apps[@]}"
if [[ ! -f $drill_state/seeded ]]; then
  echo "=== billing population (3,000 accounts with their readings)"
  node dist/scripts/billing-cli.js seed --accounts 3000 --readings >"$drill_state/logs/seed.log" 2>&1
  touch "$drill_state/seeded"
fi
node dist/scripts/surge-fixtures.js "$drill_state" "drill" 2000 "$report/fixtures.json" >/dev/null
echo "=== drills (report in $report)"
rc=0
node dist/scripts/fault-drills.js "$drill_state" "$report" "$load" "$report/fixtures.json" "$@" | tee "$report/drills.txt" || rc=$?
cp "$drill_state/logs/"{read-api,read-sink,billing,csat}.log "$report/" 2>/dev/null || true
exit $rc
