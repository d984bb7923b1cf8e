#!/usr/bin/env bash
# Runs the built services on loopback: services.sh up | down | status [app...]
# Logs go to .stack/logs/<app>.log, pids to .stack/pids/app-<app>.pid (the
# service) and app-<app>.supervisor.pid (its supervisor).
# Every setting comes from the environment (see each app's *.config.ts); the
# defaults point at the local stack, plus the dev credentials from bootstrap.
#
# Supervision: each service runs under a small supervisor loop that starts it
# again when it exits for any reason other than `down` (a crash, kill -9, or a
# service exiting on purpose because it cannot recover in process, exit code
# 70). Backoff 1, 2, 4 ... 30 s between restarts; a service that ran 60 s or
# more counts as healthy again (the backoff resets). After 8 restarts in a row
# that each lived under 60 s the supervisor gives up and logs why: something a
# restart cannot fix (bad config, a dependency down for minutes) needs a human.
# SURGE_PORT_BASE (default 3000) moves the ports (api, sink, billing, csat, customer-web, registry, timeline,
# service-web, billing-events, flow-intake = base+0..9) and flexibility (base+10).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
state=${SURGE_STATE_DIR:-$root/.stack}
# shellcheck source=scripts/service-node-flags.sh
source "$root/scripts/service-node-flags.sh"
export PATH="$root/node_modules/.bin:$PATH"
mkdir -p "$state/logs" "$state/pids"

base=${SURGE_PORT_BASE:-3000}
declare -A PORTS=([read-api]=$base [read-sink]=$((base + 1)) [billing]=$((base + 2)) [csat]=$((base + 3)) [customer-web]=$((base + 4)) [registry]=$((base + 5))
  [timeline]=$((base + 6)) [service-web]=$((base + 7)) [billing-events]=$((base + 8)) [flow-intake]=$((base + 9)) [flexibility]=$((base + 10)))
MAX_QUICK_RESTARTS=${SURGE_MAX_QUICK_RESTARTS:-8}
ALL=(read-sink read-api)
[[ -f dist/apps/billing/src/main.js ]] && ALL+=(billing)
# Billing's bill events (bill_event_outbox -> billing.bills.v1), a process of its own: the billing API has no Kafka.
[[ -f dist/apps/billing-events/src/main.js ]] && ALL+=(billing-events)
[[ -f dist/apps/csat/src/main.js ]] && ALL+=(csat)
[[ -f dist/apps/customer-web/src/main.js ]] && ALL+=(customer-web)
# After billing: the registry's migrations need billing's tables (docs/decisions/0008-registry.md).
[[ -f dist/apps/registry/src/main.js ]] && ALL+=(registry)
# The account timeline and the customer-service page (docs/decisions/0010-timeline.md).
[[ -f dist/apps/timeline/src/main.js ]] && ALL+=(timeline)
[[ -f dist/apps/service-web/src/main.js ]] && ALL+=(service-web)
# Industry flows (D0010): the API on base+9 and a watched inbox in .stack/flow-inbox (docs/industry-flows.md).
[[ -f dist/apps/flow-intake/src/main.js ]] && ALL+=(flow-intake)
# Flexibility (its own tables; its credits reach billing through billing-events): docs/decisions/0017-flexibility.md.
[[ -f dist/apps/flexibility/src/main.js ]] && ALL+=(flexibility)

# Dev credentials: the public key verifies customer tokens; API keys by hash.
set -a
# shellcheck disable=SC1091
source "$state/dev/env"
JWT_PUBLIC_KEY=$(cat "$state/dev/jwt-public.pem")
set +a

alive() { [[ -f $state/pids/app-$1.pid ]] && kill -0 "$(cat "$state/pids/app-$1.pid")" 2>/dev/null; }

ready() { curl -fsS "http://127.0.0.1:${PORTS[$1]}/health/ready" >/dev/null 2>&1; }

sup_alive() { [[ -f $state/pids/app-$1.supervisor.pid ]] && kill -0 "$(cat "$state/pids/app-$1.supervisor.pid")" 2>/dev/null; }

slog() { printf '{"level":"warn","service":"supervisor","app":"%s","time":%s,"msg":"%s"}\n' "$1" "$(date +%s%3N)" "$2" >>"$state/logs/$1.log"; }

# Runs in the background for the lifetime of one app; see the header for the policy.
supervise() {
  local app=$1 quick=0 delay=1 child="" stopping=0 rc started lived
  trap 'stopping=1; [[ -n $child ]] && kill "$child" 2>/dev/null' TERM INT
  while (( stopping == 0 )); do
    started=$(date +%s)
    local extra=()
    # The customer's page with the development sign-in (a local stand-in for the identity provider;
    # customer-web refuses it at start-up unless NODE_ENV is development, local or test).
    [[ $app == customer-web ]] && extra=(NODE_ENV=development CUSTOMER_WEB_DEV_SIGN_IN=true "JWT_PRIVATE_KEY=$(cat "$state/dev/jwt-private.pem")" \
      "READ_API_URL=http://127.0.0.1:${PORTS[read-api]}" "BILLING_URL=http://127.0.0.1:${PORTS[billing]}" "CSAT_URL=http://127.0.0.1:${PORTS[csat]}")
    # The customer-service page with the development staff sign-in (refused outside development and test).
    [[ $app == service-web ]] && extra=(NODE_ENV=development SERVICE_WEB_DEV_SIGN_IN=true "SERVICE_WEB_DEV_STAFF_KEY=$(cat "$state/dev/staff-api-key")" \
      "TIMELINE_URL=http://127.0.0.1:${PORTS[timeline]}")
    # The file gateway's drop directory; its files belong to the dev collector key's principal.
    [[ $app == flow-intake ]] && extra=("FLOW_INBOX_DIR=${FLOW_INBOX_DIR:-$state/flow-inbox}" "FLOW_INBOX_COLLECTOR=${FLOW_INBOX_COLLECTOR:-collector}")
    # Static group membership per app: a restarted consumer takes its partitions back at once. The id
    # names the port too: it must be unique among the group's live members, and a second copy of the
    # services on another SURGE_PORT_BASE joins the same groups (with one shared id the two would fence
    # each other out of the group, back and forth).
    # Customer first: the request path (read-api, customer-web) keeps normal CPU priority; consumers and batch
    # work (read-sink, billing, csat, registry, flow-intake) run at nice SURGE_BACKGROUND_NICE (10): on contended cores they
    # lag (bounded by the freshness and bill-run SLOs) before a customer waits. k8s: PriorityClasses.
    local niceness=${SURGE_BACKGROUND_NICE:-10}
    [[ $app == read-api || $app == customer-web || $app == service-web ]] && niceness=0
    # shellcheck disable=SC2046
    nice -n "$niceness" env $(service_env "$app") PORT=${PORTS[$app]} KAFKA_GROUP_INSTANCE_ID=${KAFKA_GROUP_INSTANCE_ID:-$app-local-${PORTS[$app]}} "${extra[@]}" \
      node --enable-source-maps $(service_node_flags "$app") "dist/apps/$app/src/main.js" >>"$state/logs/$app.log" 2>&1 &
    child=$!
    echo "$child" >"$state/pids/app-$app.pid"
    rc=0; wait "$child" || rc=$?
    # A trapped TERM interrupts wait: wait again for the service's own graceful shutdown.
    while kill -0 "$child" 2>/dev/null; do wait "$child" || true; done
    (( stopping == 1 )) && break
    lived=$(( $(date +%s) - started ))
    if (( lived >= 60 )); then quick=0; delay=1; fi
    quick=$((quick + 1))
    if (( quick > MAX_QUICK_RESTARTS )); then
      slog "$app" "exited (code $rc) after ${lived}s; gave up after $MAX_QUICK_RESTARTS quick restarts in a row: fix the cause, then services.sh up $app"
      rm -f "$state/pids/app-$app.pid" "$state/pids/app-$app.supervisor.pid"
      exit 1
    fi
    slog "$app" "exited (code $rc) after ${lived}s; restart $quick of $MAX_QUICK_RESTARTS in ${delay}s"
    sleep "$delay" & wait $! || true
    delay=$(( delay * 2 > 30 ? 30 : delay * 2 ))
  done
  rm -f "$state/pids/app-$app.pid" "$state/pids/app-$app.supervisor.pid"
}

up_one() {
  local app=$1
  if sup_alive "$app" || alive "$app"; then echo "$app: already running (pid $(cat "$state/pids/app-$app.pid" 2>/dev/null))"; return; fi
  rm -f "$state/pids/app-$app.pid"
  supervise "$app" </dev/null >/dev/null 2>&1 &
  echo $! >"$state/pids/app-$app.supervisor.pid"
  disown
  for _ in $(seq 1 120); do
    if ready "$app"; then echo "$app: ready on http://127.0.0.1:${PORTS[$app]} (pid $(cat "$state/pids/app-$app.pid"), supervised)"; return; fi
    if ! sup_alive "$app"; then echo "$app: exited; last log lines:" >&2; tail -20 "$state/logs/$app.log" >&2; exit 1; fi
    sleep 0.5
  done
  echo "$app: not ready after 60 s; see $state/logs/$app.log" >&2; exit 1
}

down_one() {
  local app=$1 f=$state/pids/app-$1.pid sf=$state/pids/app-$1.supervisor.pid
  local was=0
  # The supervisor first (so it does not restart what we stop); it passes TERM on and waits for the service.
  if sup_alive "$app"; then was=1; kill "$(cat "$sf")"; fi
  for _ in $(seq 1 60); do sup_alive "$app" || alive "$app" || break; sleep 0.25; done
  if alive "$app"; then was=1; kill -9 "$(cat "$f")"; fi
  sup_alive "$app" && kill -9 "$(cat "$sf")"
  (( was == 1 )) && echo "$app: stopped"
  rm -f "$f" "$sf"
}

cmd=${1:-status}; shift || true
apps=("$@"); (( ${#apps[@]} == 0 )) && apps=("${ALL[@]}")
case $cmd in
  up) for a in "${apps[@]}"; do up_one "$a"; done ;;
  down) for a in "${apps[@]}"; do down_one "$a"; done ;;
  status)
    for a in "${apps[@]}"; do
      if alive "$a" && ready "$a"; then echo "$a: ready"
      elif sup_alive "$a"; then echo "$a: starting or restarting (supervised; see $state/logs/$a.log)"
      else echo "$a: down"; fi
    done ;;
  *) echo "usage: services.sh up | down | status [app...]" >&2; exit 2 ;;
esac
