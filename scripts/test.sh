#!/usr/bin/env bash
# The whole test command: static checks, then the three tiers against the real
# stack (bootstrap.sh, run as npm's pretest, has installed and started it).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"
status=0
step() {
  local name=$1; shift
  printf '\n=== %s\n' "$name"
  if "$@"; then printf '=== %s: ok\n' "$name"; else printf '=== %s: FAILED\n' "$name"; status=1; fi
}
step "typecheck" npx tsc -p tsconfig.json --noEmit
step "dependency rules" npx depcruise apps libs scripts benchmarks test --config .dependency-cruiser.cjs
step "unit tests" npx jest --selectProjects unit --ci
step "load tool (go vet, go test: load-tests/surge-load)" bash -c 'cd load-tests/surge-load && go vet ./... && go test ./...'
step "integration tests (real Kafka, ClickHouse, PostgreSQL, Redis)" npx jest --selectProjects integration --runInBand --ci
step "end-to-end tests (built services over HTTP)" npx jest --selectProjects e2e --runInBand --ci
exit $status
