#!/usr/bin/env bash
# Surge companion "flow" (README.md here): a 100,000-reading D0010 flow through a flow-intake of the run's own,
# posted a few seconds into the surge and decided by the run's read-sink beside the customers. Writes
# $SURGE_DIR/companion-flow.json (seconds from its 202 to every reading decided; SLO "flow decided within 120 s").
# Knobs: SURGE_FLOW_PORT (3109), SURGE_FLOW_READINGS (100000), SURGE_FLOW_DELAY_SECONDS (5), SURGE_FLOW_MAX_SECONDS (180).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"
# The load waits for companion-flow.ready (written once flow-intake is up), at most 120 s (README).
touch "$SURGE_DIR/companion-flow.starting"
exec node dist/scripts/surge-flow-companion.js
