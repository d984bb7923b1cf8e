#!/usr/bin/env bash
# Everything a fresh machine of this kind needs before the tests or the demo:
# system packages, npm dependencies (with Node 24 from the npm registry), a
# build, dev credentials and the running stack. Idempotent and quick when
# nothing is missing.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
log() { printf '[bootstrap] %s\n' "$*" >&2; }

need_apt=()
for p in curl ca-certificates maven openjdk-17-jre-headless prometheus prometheus-alertmanager clickhouse-server clickhouse-client redis-server postgresql chromium fonts-liberation; do
  dpkg -s "$p" >/dev/null 2>&1 || need_apt+=("$p")
done
if (( ${#need_apt[@]} > 0 )); then
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  log "installing ${need_apt[*]} from Debian"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
# chromium (/usr/bin/chromium) is the real browser of customer-web's browser tests and
# the surge's page probe, driven by puppeteer-core, which never downloads a browser.
# Debian's packages start nothing here (no init system): stack.sh runs Prometheus
# itself (127.0.0.1:9090, the SLO rules loaded); promtool checks the rules and
# amtool (prometheus-alertmanager) the example Alertmanager config. No
# Alertmanager runs natively (docs/slo.md).

if [[ ! -x node_modules/.bin/node ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "npm ci"
  # npm 11 here leaves other platforms' optional packages (@swc/core-darwin-*, ...)
  # out of the lock file and `npm ci` then refuses it; `npm install` honours
  # every version the lock pins and adds nothing else for this platform.
  npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || {
    log "npm ci refused the lock file's platform entries; npm install from the same lock"
    npm install --no-audit --no-fund --loglevel=error
  }
fi
export PATH="$root/node_modules/.bin:$PATH"

log "build ($(node --version))"
npm run --silent build

mkdir -p .stack/dev
# Every run: the keys are made once and kept (init reuses them), but the scopes they carry follow the code
# (a new scope such as timeline:read reaches an existing stack without a reset).
node dist/scripts/dev-credentials.js init .stack/dev > .stack/dev/env.tmp
mv .stack/dev/env.tmp .stack/dev/env

bash scripts/stack/stack.sh up
