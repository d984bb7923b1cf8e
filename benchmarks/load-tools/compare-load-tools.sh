#!/usr/bin/env bash
# The load-tool comparison behind docs/decisions/0006-load-tool.md, in one run:
#   npm run bench:load-tools                      (vegeta, Gatling, Artillery; about 8 minutes)
#   npm run bench:load-tools -- --tools vegeta,gatling --fixed 1000:20 --steps 4000,8000
# Fetches each tool from its registry only (Go module proxy, Maven Central, npm),
# pinned, into the state directory (${SURGE_STATE_DIR:-.stack}); nothing is added
# to the project's package.json. Then builds (npm run build) and runs
# dist/benchmarks/load-tools/load-tools.bench.js, which starts its own bare 202
# servers on 127.0.0.1:3700 and up (PORT_BASE), and writes every run's logs,
# reports, results.json and summary.md under
# ${SURGE_STATE_DIR:-.stack}/load-tools/runs/<UTC time> (OUT to choose another).
# Extra arguments are passed to the runner (see the header of load-tools.bench.ts).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$root/benchmarks/load-tools
state=${SURGE_STATE_DIR:-$root/.stack}
export PATH=$root/node_modules/.bin:$PATH # Node 24 from the project's node package

VEGETA_VERSION=v12.13.0
GATLING_VERSION=3.14.9 # also in gatling/pom.xml
ARTILLERY_VERSION=2.0.34

out=${OUT:-$state/load-tools/runs/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out" "$state/bin" "$state/load-tools"
log() { echo "[load-tools] $*" >&2; }

# vegeta: the CLI from the same module the surge scenario uses as a library.
vegeta=$state/bin/vegeta
if ! go version -m "$vegeta" 2>/dev/null | grep -q "mod[[:space:]]*github.com/tsenart/vegeta/v12[[:space:]]*$VEGETA_VERSION"; then
  log "go install github.com/tsenart/vegeta/v12@$VEGETA_VERSION"
  GOBIN=$state/bin GOFLAGS=-trimpath go install "github.com/tsenart/vegeta/v12@$VEGETA_VERSION"
fi
vegeta_mod=$(go env GOMODCACHE)/github.com/tsenart/vegeta/v12@$VEGETA_VERSION
vegeta_licence=$(head -1 "$vegeta_mod/LICENSE" | tr -s ' ')
vegeta_time=$(go list -m -json "github.com/tsenart/vegeta/v12@$VEGETA_VERSION" | sed -n 's/.*"Time": "\(.*\)".*/\1/p')
vegeta_latest=$(go list -m -json github.com/tsenart/vegeta/v12@latest | sed -n 's/.*"Version": "\(.*\)".*/\1/p')

# Gatling: Maven fetches the Apache-2.0 modules, compiles the simulation, writes the class path.
log "mvn compile (Gatling $GATLING_VERSION from Maven Central)"
mvn -B -q -f "$here/gatling/pom.xml" compile dependency:build-classpath -Dmdep.outputFile="$here/gatling/target/classpath.txt" >&2
gatling_props=$(unzip -p "$HOME/.m2/repository/io/gatling/gatling-commons/$GATLING_VERSION/gatling-commons-$GATLING_VERSION.jar" gatling-version.properties)
gatling_date=$(sed -n 's/^release-date=//p' <<<"$gatling_props")
gatling_licence=$(sed -n '/<licenses>/,/<\/licenses>/s/.*<name>\(.*\)<\/name>.*/\1/p' "$HOME/.m2/repository/io/gatling/gatling-app/$GATLING_VERSION/gatling-app-$GATLING_VERSION.pom" | head -1)

# Artillery: its own directory, never the project's node_modules. --ignore-scripts: its
# @playwright/browser-chromium dependency downloads a browser in a postinstall script.
art_dir=$state/load-tools/artillery-$ARTILLERY_VERSION
if [[ ! -x $art_dir/node_modules/artillery/bin/run ]]; then
  log "npm install artillery@$ARTILLERY_VERSION into $art_dir (--ignore-scripts)"
  mkdir -p "$art_dir"
  echo '{ "name": "artillery-sandbox", "private": true }' >"$art_dir/package.json"
  (cd "$art_dir" && npm install --ignore-scripts --no-audit --no-fund --save-exact "artillery@$ARTILLERY_VERSION" >&2)
fi
art_pkg=$art_dir/node_modules/artillery/package.json
art_licence=$(node -p "require('$art_pkg').license")
art_time=$(npm view "artillery@$ARTILLERY_VERSION" time --json | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s)['$ARTILLERY_VERSION']))")
art_skipped=$(cd "$art_dir" && npm query ':attr(scripts, [postinstall]), :attr(scripts, [install])' | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s).map(p=>p.name+'@'+p.version).join(', ')))")

cat >"$out/meta.json" <<EOF
{
  "vegeta": "github.com/tsenart/vegeta/v12 $VEGETA_VERSION (published $vegeta_time; latest on the proxy $vegeta_latest), licence: $vegeta_licence; CLI built with $(go version | cut -d' ' -f3)",
  "gatling": "io.gatling:gatling-app + gatling-http-java $GATLING_VERSION (released $gatling_date), licence: $gatling_licence; Java DSL, $(java -version 2>&1 | head -1 | tr -d '\"'), no HTML report (see gatling.adapter.ts)",
  "artillery": "artillery@$ARTILLERY_VERSION (published $art_time), licence: $art_licence; install scripts skipped: $art_skipped; Node $(node --version)"
}
EOF

log "npm run build"
(cd "$root" && npm run -s build)
log "uptime: $(uptime)"
node "$root/dist/benchmarks/load-tools/load-tools.bench.js" --out "$out" --meta "$out/meta.json" \
  --vegeta "$vegeta" --gatling-classpath "$here/gatling/target/classpath.txt" \
  --artillery-bin "$art_dir/node_modules/artillery/bin/run" --port-base "${PORT_BASE:-3700}" "$@"
log "uptime: $(uptime)"
log "results: $out/summary.md"
