#!/usr/bin/env bash
# Runs the built services on loopback: services.sh up | down | status [app...]
# Logs go to .stack/logs/<app>.log, pids to .stack/pids/app-<app>.pid.
# Every setting comes from the environment (see each app's *.config.ts); the
# defaults point at the local stack, plus the dev credentials from bootstrap.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
state=${SURGE_STATE_DIR:-$root/.stack}
export PATH="$root/node_modules/.bin:$PATH"
mkdir -p "$state/logs" "$state/pids"

declare -A PORTS=([read-api]=3000 [read-sink]=3001 [billing]=3002 [csat]=3003)
ALL=(read-sink read-api)
[[ -f dist/apps/billing/src/main.js ]] && ALL+=(billing)
[[ -f dist/apps/csat/src/main.js ]] && ALL+=(csat)

# Dev credentials: the public key verifies customer tokens; API keys by hash.
set -a
# shellcheck disable=SC1091
source "$state/dev/env"
JWT_PUBLIC_KEY=$(cat "$state/dev/jwt-public.pem")
set +a

alive() { [[ -f $state/pids/app-$1.pid ]] && kill -0 "$(cat "$state/pids/app-$1.pid")" 2>/dev/null; }

ready() { curl -fsS "http://127.0.0.1:${PORTS[$1]}/health/ready" >/dev/null 2>&1; }

up_one() {
  local app=$1
  if alive "$app"; then echo "$app: already running (pid $(cat "$state/pids/app-$app.pid"))"; return; fi
  PORT=${PORTS[$app]} nohup node --enable-source-maps "dist/apps/$app/src/main.js" >>"$state/logs/$app.log" 2>&1 &
  echo $! >"$state/pids/app-$app.pid"
  for _ in $(seq 1 120); do
    if ready "$app"; then echo "$app: ready on http://127.0.0.1:${PORTS[$app]} (pid $(cat "$state/pids/app-$app.pid"))"; return; fi
    if ! alive "$app"; then echo "$app: exited; last log lines:" >&2; tail -20 "$state/logs/$app.log" >&2; exit 1; fi
    sleep 0.5
  done
  echo "$app: not ready after 60 s; see $state/logs/$app.log" >&2; exit 1
}

down_one() {
  local app=$1 f=$state/pids/app-$1.pid
  if alive "$app"; then
    kill "$(cat "$f")"
    for _ in $(seq 1 40); do alive "$app" || break; sleep 0.25; done
    alive "$app" && kill -9 "$(cat "$f")"
    echo "$app: stopped"
  fi
  rm -f "$f"
}

cmd=${1:-status}; shift || true
apps=("$@"); (( ${#apps[@]} == 0 )) && apps=("${ALL[@]}")
case $cmd in
  up) for a in "${apps[@]}"; do up_one "$a"; done ;;
  down) for a in "${apps[@]}"; do down_one "$a"; done ;;
  status) for a in "${apps[@]}"; do if alive "$a" && ready "$a"; then echo "$a: ready"; else echo "$a: down"; fi; done ;;
  *) echo "usage: services.sh up | down | status [app...]" >&2; exit 2 ;;
esac
