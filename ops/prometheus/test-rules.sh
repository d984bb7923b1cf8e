#!/usr/bin/env bash
# Checks the Prometheus config and rules and runs the rules' unit tests:
#   npm run slo:rules-test
# The generated rules must be current first (npm run slo:check).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bash "$here/ensure-promtool.sh"
cd "$here"
promtool check config prometheus.yml
promtool check rules ./*.rules.yml
promtool test rules slo-alerts.test.yml
