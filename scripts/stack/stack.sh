#!/usr/bin/env bash
# The local stack: Kafka (KRaft), ClickHouse, PostgreSQL and Redis, and a
# Prometheus scraping the services with the SLO rules loaded.
#
#   stack.sh up | down | status | reset
#   stack.sh prometheus up | down | status     (Prometheus alone, e.g. a private one)
#
# With a Docker engine it delegates to docker-compose.yml. Without one (this
# kind of machine) it installs what is missing from Debian and Maven Central
# and runs the four servers natively on 127.0.0.1, with every byte of state
# under $SURGE_STATE_DIR (default .stack/, git-ignored).
#
# `up` is idempotent: a server that already answers on its port is reused and
# left alone by `down`; only the processes this script started (recorded in
# pid files) are stopped.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
state=${SURGE_STATE_DIR:-$root/.stack}
KAFKA_VERSION=4.4.0 # keep in step with kafka-pom.xml, docker-compose.yml and docs/runbook.md

KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
CH_HTTP_PORT=${CH_HTTP_PORT:-8123}
CH_TCP_PORT=${CH_TCP_PORT:-9000}
CH_INTERSERVER_PORT=${CH_INTERSERVER_PORT:-9009}
PG_PORT=${PG_PORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}
PROMETHEUS_PORT=${PROMETHEUS_PORT:-9090}
# CPU niceness of the servers off the read path (Prometheus): 10 lets read-api, Kafka, Redis, the sink and
# ClickHouse win the cores when they are contended; 0 turns it off (docs/runbook.md, "One box").
BACKGROUND_NICE=${SURGE_BACKGROUND_NICE:-10}

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # wait_for <what> <seconds> <command...>
  local what=$1 deadline=$(( $(date +%s) + $2 )); shift 2
  until "$@" >/dev/null 2>&1; do
    if (( $(date +%s) > deadline )); then
      die "$what did not become ready in time (see logs in $state/logs)"
    fi
    sleep 0.5
  done
}

docker_engine() { command -v docker >/dev/null 2>&1 && timeout 5 docker info >/dev/null 2>&1; }

pid_alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

apt_updated=0
apt_install() { # apt_install <package...> (only those missing)
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  (( ${#missing[@]} == 0 )) && return 0
  local sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  if (( apt_updated == 0 )); then log "apt-get update"; $sudo apt-get update -qq; apt_updated=1; fi
  log "installing ${missing[*]} from Debian"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# ---------------------------------------------------------------- Kafka
kafka_jars() {
  # One version's jars at a time: a classpath of libs/* holding both 3.9 and
  # 4.x jars would load a mix. A version change fetches into a fresh
  # directory and swaps it in whole (a broker still running from the old
  # directory keeps its open jars until it is restarted).
  local jars=$state/kafka/libs
  if [[ ! -f $jars/kafka_2.13-$KAFKA_VERSION.jar ]]; then
    command -v mvn >/dev/null || apt_install maven
    log "fetching Kafka $KAFKA_VERSION jars from Maven Central"
    rm -rf "$jars.new"; mkdir -p "$jars.new"
    mvn -q -B -f "$here/kafka-pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$jars.new" -DincludeScope=runtime >"$state/logs/maven.log" 2>&1 \
      || die "maven could not fetch Kafka (see $state/logs/maven.log)"
    [[ -f $jars.new/kafka_2.13-$KAFKA_VERSION.jar ]] || die "kafka-pom.xml does not pin Kafka $KAFKA_VERSION"
    rm -rf "$jars"; mv "$jars.new" "$jars"
  fi
}

# The version of the broker this stack started and is still running (a marker on its command line), if known.
kafka_running_version() {
  pid_alive "$state/pids/kafka.pid" || return 0
  tr '\0' ' ' <"/proc/$(cat "$state/pids/kafka.pid")/cmdline" 2>/dev/null | grep -o 'kafka-version=[^ ]*' | cut -d= -f2 || true
}

kafka_up() {
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  # The jars are wanted even when a broker is reused: fault tests start private brokers from them.
  kafka_jars
  if port_open "$KAFKA_PORT"; then
    if pid_alive "$state/pids/kafka.pid"; then
      local running; running=$(kafka_running_version)
      [[ $running == "$KAFKA_VERSION" ]] || log "kafka: the running broker is ${running:-an older release}, not $KAFKA_VERSION: 'stack.sh down' then 'up' switches it (its data is kept)"
    fi
    log "kafka: reusing the broker on 127.0.0.1:$KAFKA_PORT"; return
  fi
  local dir=$state/kafka conf=$state/kafka/server.properties
  mkdir -p "$dir/data"
  cat >"$conf" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=6
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
# Backdated readings must never age out of the backbone before the sink has
# them: retention is by size on a dev box, not by the reading's time.
log.retention.hours=168
log.segment.bytes=268435456
EOF
  # Kafka 4 logs through Log4j 2 (Kafka 3 read log4j.properties through reload4j).
  cat >"$dir/log4j2.properties" <<EOF
rootLogger.level=WARN
rootLogger.appenderRef.file.ref=file
appender.file.type=File
appender.file.name=file
appender.file.fileName=$state/logs/kafka.log
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
logger.broker.name=kafka.server.BrokerServer
logger.broker.level=INFO
logger.controller.name=kafka.server.ControllerServer
logger.controller.level=INFO
EOF
  # -Dkafka-version marks the command line, so a later `up` can tell which release a running broker is.
  local java_opts=(-Xms512m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true -Dkafka-version="$KAFKA_VERSION"
    -Dlog4j2.configurationFile="$dir/log4j2.properties" -cp "$dir/libs/*")
  # A log directory formatted by Kafka 3.9 (KRaft, metadata.version 3.9-IV0) is read by 4.x as it is
  # (checked: 4.4.0 starts on it, topics, offsets and groups intact); only a new directory is formatted.
  if [[ ! -f $dir/data/meta.properties ]]; then
    log "kafka: formatting the KRaft log directory"
    java "${java_opts[@]}" kafka.tools.StorageTool format -t "$(cat /proc/sys/kernel/random/uuid | tr -d - | head -c 22)" \
      -c "$conf" --ignore-formatted >"$state/logs/kafka-format.log" 2>&1 || die "kafka storage format failed"
  fi
  log "kafka: starting $KAFKA_VERSION (KRaft) on 127.0.0.1:$KAFKA_PORT"
  nohup java "${java_opts[@]}" kafka.Kafka "$conf" >"$state/logs/kafka.out" 2>&1 &
  echo $! >"$state/pids/kafka.pid"
  wait_for "kafka port" 90 port_open "$KAFKA_PORT"
}

# ---------------------------------------------------------------- ClickHouse
clickhouse_up() {
  if port_open "$CH_HTTP_PORT"; then log "clickhouse: reusing the server on 127.0.0.1:$CH_HTTP_PORT"; return; fi
  command -v clickhouse-server >/dev/null || apt_install clickhouse-server clickhouse-client
  local dir=$state/clickhouse
  mkdir -p "$dir/tmp" "$dir/format_schemas" "$dir/user_files"
  log "clickhouse: starting on 127.0.0.1:$CH_HTTP_PORT"
  # ClickHouse stays at normal priority: the sink's inserts and history queries are the freshness SLO's path.
  nohup clickhouse-server --config-file=/etc/clickhouse-server/config.xml -- \
    --path="$dir/" --tmp_path="$dir/tmp/" --user_files_path="$dir/user_files/" \
    --format_schema_path="$dir/format_schemas/" \
    --logger.log="$state/logs/clickhouse.log" --logger.errorlog="$state/logs/clickhouse.err.log" \
    --logger.level=warning --listen_host=127.0.0.1 \
    --http_port="$CH_HTTP_PORT" --tcp_port="$CH_TCP_PORT" --interserver_http_port="$CH_INTERSERVER_PORT" \
    >"$state/logs/clickhouse.out" 2>&1 &
  echo $! >"$state/pids/clickhouse.pid"
  wait_for "clickhouse" 60 curl -fsS "http://127.0.0.1:$CH_HTTP_PORT/?query=SELECT%201"
}

# ---------------------------------------------------------------- PostgreSQL
pg_bin() {
  local d; d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [[ -n $d ]] && echo "$d"
}

as_pg() { # run a command as the unprivileged postgres user when we are root
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

postgres_up() {
  if port_open "$PG_PORT"; then log "postgres: reusing the server on 127.0.0.1:$PG_PORT"; return; fi
  [[ -n $(pg_bin) ]] || apt_install postgresql
  local bin dir=$state/postgres; bin=$(pg_bin)
  mkdir -p "$dir"
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$dir"
  chmod 700 "$dir"
  if [[ ! -f $dir/data/PG_VERSION ]]; then
    log "postgres: initdb"
    local pw; pw=$(mktemp); echo surge >"$pw"; chmod 644 "$pw"
    as_pg "$bin/initdb" -D "$dir/data" -U surge --pwfile="$pw" -A scram-sha-256 -E UTF8 >"$state/logs/pg-initdb.log" 2>&1 \
      || die "initdb failed (see $state/logs/pg-initdb.log)"
    rm -f "$pw"
  fi
  log "postgres: starting on 127.0.0.1:$PG_PORT"
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $dir -c max_connections=200 -c shared_buffers=256MB -c fsync=on" start >/dev/null
  head -1 "$dir/data/postmaster.pid" >"$state/pids/postgres.pid"
  wait_for "postgres" 30 env PGPASSWORD=surge psql -h 127.0.0.1 -p "$PG_PORT" -U surge -d postgres -c 'select 1'
  env PGPASSWORD=surge psql -h 127.0.0.1 -p "$PG_PORT" -U surge -d postgres -tAc "select 1 from pg_database where datname='surge'" | grep -q 1 \
    || env PGPASSWORD=surge psql -h 127.0.0.1 -p "$PG_PORT" -U surge -d postgres -qc 'create database surge' 
}

# ---------------------------------------------------------------- Redis
redis_up() {
  if port_open "$REDIS_PORT"; then log "redis: reusing the server on 127.0.0.1:$REDIS_PORT"; return; fi
  command -v redis-server >/dev/null || apt_install redis-server
  local dir=$state/redis; mkdir -p "$dir"
  log "redis: starting on 127.0.0.1:$REDIS_PORT (AOF persistence on, as a queue store needs)"
  # noeviction: BullMQ must never have its keys evicted under memory pressure.
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$dir" --appendonly yes --appendfsync everysec \
    --maxmemory-policy noeviction --daemonize yes --pidfile "$state/pids/redis.pid" --logfile "$state/logs/redis.log" \
    --save "" >/dev/null
  wait_for "redis" 20 redis_ping
}
redis_ping() { [[ $( (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT"; printf 'PING\r\n' >&3; head -c 5 <&3) 2>/dev/null) == "+PONG" ]]; }

# ---------------------------------------------------------------- Prometheus
# Debian's Prometheus with the generated SLO rules (ops/prometheus/*.rules.yml)
# and ops/prometheus/prometheus.native.yml, rendered with this state's paths.
# Targets are file_sd files in $state/prometheus/targets/*.json: default.json
# (the services on their usual ports, unless PROMETHEUS_SCRAPE_DEFAULTS=0) and
# whatever a run adds (write it to a name not ending in .json, then mv it in,
# so Prometheus never reads half a file).
prometheus_ready() { curl -fsS "http://127.0.0.1:$PROMETHEUS_PORT/-/ready" >/dev/null 2>&1; }

prometheus_config() {
  local dir=$state/prometheus
  mkdir -p "$dir/targets" "$dir/data"
  sed -e "s|@RULES_DIR@|$root/ops/prometheus|g" -e "s|@TARGETS_DIR@|$dir/targets|g" \
    -e "s|@LISTEN@|127.0.0.1:$PROMETHEUS_PORT|g" "$root/ops/prometheus/prometheus.native.yml" >"$dir/prometheus.yml.tmp"
  mv "$dir/prometheus.yml.tmp" "$dir/prometheus.yml"
  if [[ ${PROMETHEUS_SCRAPE_DEFAULTS:-1} == 1 ]]; then
    cat >"$dir/targets/default.json.tmp" <<EOF
[
  { "targets": ["127.0.0.1:3000"], "labels": { "job": "read-api" } },
  { "targets": ["127.0.0.1:3001"], "labels": { "job": "read-sink" } },
  { "targets": ["127.0.0.1:3002"], "labels": { "job": "billing" } },
  { "targets": ["127.0.0.1:3003"], "labels": { "job": "csat" } },
  { "targets": ["127.0.0.1:3006"], "labels": { "job": "timeline" } },
  { "targets": ["127.0.0.1:3007"], "labels": { "job": "service-web" } },
  { "targets": ["127.0.0.1:3009"], "labels": { "job": "flow-intake" } }
]
EOF
    mv "$dir/targets/default.json.tmp" "$dir/targets/default.json"
  fi
}

prometheus_up() {
  mkdir -p "$state/logs" "$state/pids"
  local dir=$state/prometheus
  prometheus_config
  if pid_alive "$state/pids/prometheus.pid" && prometheus_ready; then
    # Ours and running: pick up regenerated rules without losing its data.
    curl -fsS -X POST "http://127.0.0.1:$PROMETHEUS_PORT/-/reload" >/dev/null \
      || die "prometheus: reload failed (see $state/logs/prometheus.log)"
    log "prometheus: reloaded its config and rules on 127.0.0.1:$PROMETHEUS_PORT"; return
  fi
  if port_open "$PROMETHEUS_PORT"; then log "prometheus: reusing the server on 127.0.0.1:$PROMETHEUS_PORT (its own config)"; return; fi
  command -v prometheus >/dev/null || apt_install prometheus
  log "prometheus: starting on 127.0.0.1:$PROMETHEUS_PORT (targets in $dir/targets)"
  nohup nice -n "$BACKGROUND_NICE" prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --storage.tsdb.retention.time=7d --storage.tsdb.retention.size=1GB \
    --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --web.enable-lifecycle \
    >"$state/logs/prometheus.log" 2>&1 &
  echo $! >"$state/pids/prometheus.pid"
  wait_for "prometheus" 60 prometheus_ready
}

prometheus_down() { stop_pidfile prometheus 30; }

prometheus_status() {
  local owner="external"
  pid_alive "$state/pids/prometheus.pid" && owner="started by this stack, pid $(cat "$state/pids/prometheus.pid")"
  if prometheus_ready; then printf '%-11s up    127.0.0.1:%s (%s)\n' prometheus "$PROMETHEUS_PORT" "$owner"
  else printf '%-11s down  127.0.0.1:%s\n' prometheus "$PROMETHEUS_PORT"; return 1; fi
}

# ---------------------------------------------------------------- probes
probe() {
  # A real round trip through each server, not just an open port: the Node
  # probe produces and consumes on Kafka, queries ClickHouse and PostgreSQL,
  # and writes/reads Redis.
  local node="$root/node_modules/.bin/node"; [[ -x $node ]] || node=node
  if [[ -f $root/dist/scripts/stack-probe.js ]]; then
    "$node" "$root/dist/scripts/stack-probe.js"
  else
    log "probe: build not present; checked ports only"
  fi
}

status() {
  local rc=0
  for s in "kafka:$KAFKA_PORT" "clickhouse:$CH_HTTP_PORT" "postgres:$PG_PORT" "redis:$REDIS_PORT"; do
    local name=${s%%:*} port=${s##*:} owner="external"
    pid_alive "$state/pids/$name.pid" && owner="started by this stack, pid $(cat "$state/pids/$name.pid")"
    if port_open "$port"; then printf '%-11s up    127.0.0.1:%s (%s)\n' "$name" "$port" "$owner"
    else printf '%-11s down  127.0.0.1:%s\n' "$name" "$port"; rc=1; fi
  done
  prometheus_status || rc=1
  return $rc
}

stop_pidfile() { # stop_pidfile <name> <signal-wait-seconds>
  local f=$state/pids/$1.pid
  if pid_alive "$f"; then
    local pid; pid=$(cat "$f")
    log "$1: stopping pid $pid"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 $(( $2 * 2 ))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

down() {
  if [[ -f $state/pids/postgres.pid ]] && pid_alive "$state/pids/postgres.pid"; then
    as_pg "$(pg_bin)/pg_ctl" -D "$state/postgres/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -f "$state/pids/postgres.pid"
  stop_pidfile redis 10
  stop_pidfile kafka 30
  stop_pidfile clickhouse 30
  prometheus_down
}

up() {
  mkdir -p "$state/logs" "$state/pids"
  kafka_up
  clickhouse_up
  postgres_up
  redis_up
  prometheus_up
  probe
  status
}

cmd=${1:-status}
if [[ $cmd != status ]] && [[ ${SURGE_STACK_NATIVE:-0} != 1 ]] && docker_engine; then
  case $cmd in
    up) exec docker compose -f "$root/docker-compose.yml" up -d --wait kafka clickhouse postgres redis ;;
    down) exec docker compose -f "$root/docker-compose.yml" down ;;
    reset) exec docker compose -f "$root/docker-compose.yml" down -v ;;
  esac
fi
case $cmd in
  up) up ;;
  down) down ;;
  status) status ;;
  reset) down; rm -rf "$state"; log "state removed" ;;
  prometheus) case ${2:-status} in up) prometheus_up ;; down) prometheus_down ;; status) prometheus_status ;; *) die "usage: stack.sh prometheus up | down | status" ;; esac ;;
  *) die "usage: stack.sh up | down | status | reset" ;;
esac
