#!/usr/bin/env bash
# Debian's Chromium for the surge's page probe, without the right to raise its own CPU priority. Run as root,
# Chromium renices its display-critical threads to -8 (CAP_SYS_NICE), which put a synthetic customer's browser
# ahead of read-api on the shared cores (seen in top during a surge run: chromium at NI -8, 37% CPU). A real
# customer's browser runs on their own machine, not on the platform's cores: here it runs at nice
# SURGE_PROBE_NICE (10), so it takes the cores the platform leaves idle. That is conservative for the page
# figures (the browser's own work waits when the box is busy) and keeps it from distorting the API's.
# Dropping CAP_SYS_NICE from the bounding set before exec removes it from root's permitted set after exec.
set -euo pipefail
bin=${CHROMIUM_BIN:-$(command -v chromium)}
if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null; then
  exec nice -n "${SURGE_PROBE_NICE:-10}" setpriv --bounding-set -sys_nice -- "$bin" "$@"
fi
exec nice -n "${SURGE_PROBE_NICE:-10}" "$bin" "$@"
