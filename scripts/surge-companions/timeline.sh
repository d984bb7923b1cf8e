#!/usr/bin/env bash
# Surge companion: the account timeline beside the 14x surge (issue 16; README here). Starts the timeline service
# on the run's topics with a database of its own (SURGE_TIMELINE_PORT, 3106), follows its lag and the time from a
# reading's decision to its entry on the timeline, and writes $SURGE_DIR/companion-timeline.json. Stops by itself
# (every wait is bounded: scripts/surge-timeline-companion.ts), stopping its timeline and dropping its database.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"
# The load waits for companion-timeline.ready (written once the timeline is up and its consumer assigned).
touch "$SURGE_DIR/companion-timeline.starting"
exec node dist/scripts/surge-timeline-companion.js
