#!/usr/bin/env bash
# The main job: install what is missing, start the stack and the services,
# submit Meter Reading Day readings through the public API and show what
# became of each. Then a short surge run on surge-load (vegeta) with its SLO verdict.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/bootstrap.sh
export PATH="$root/node_modules/.bin:$PATH"
bash scripts/services.sh up
echo
node dist/scripts/demo-submit.js .stack http://127.0.0.1:3000
if [[ -f scripts/surge-bench.sh && ${SURGE_DEMO_SKIP_SURGE:-0} != 1 ]]; then
  echo; echo "=== a short surge-day run (surge-load), its SLO verdict, then the loss audit"
  SURGE_PROFILE=short bash scripts/surge-bench.sh
fi
echo
echo "Services keep running: npm run services -- status | down ; stack: npm run stack -- status | down"
