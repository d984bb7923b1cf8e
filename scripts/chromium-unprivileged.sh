#!/usr/bin/env bash
# Debian's Chromium for the surge's page probe, without the right to raise its own CPU priority. Run as root,
# Chromium renices its display-critical threads to -8 (CAP_SYS_NICE), which put a synthetic customer's browser
# ahead of read-api on the shared cores (seen in top during a surge run: chromium at NI -8, 37% CPU). A real
# customer's browser runs on their own machine, not on the platform's cores: here it runs at nice
# SURGE_PROBE_NICE (10), so it takes the cores the platform leaves idle. That is conservative for the page
# figures (the browser's own work waits when the box is busy) and keeps it from distorting the API's.
# Dropping CAP_SYS_NICE from the bounding set before exec removes it from root's permitted set after exec.
# Niceness alone is not enough: Puppeteer starts the browser detached, in a session of its own, and Linux weighs
# CPU between sessions (autogroups) before it weighs niceness. The probe's nice 10 then counted only against its
# own processes, and its session got as much CPU as the whole surge's together (top, full 14x run: chromium 37%
# beside read-api's 37%; customers' errors 3.4% in that run, 0.1% when the bench's session was given the higher
# weight). So when this script leads its own session, it gives the session the same niceness before exec.
# Guarded: started inside someone else's session it would lower theirs, so then it leaves the weight alone.
set -euo pipefail
stat=$(</proc/$$/stat)
read -r -a fields <<<"${stat##*) }"
if [[ ${fields[3]:-} == "$$" && -w /proc/self/autogroup ]]; then
  echo "${SURGE_PROBE_NICE:-10}" >/proc/self/autogroup 2>/dev/null || true
fi
bin=${CHROMIUM_BIN:-$(command -v chromium)}
if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null; then
  exec nice -n "${SURGE_PROBE_NICE:-10}" setpriv --bounding-set -sys_nice -- "$bin" "$@"
fi
exec nice -n "${SURGE_PROBE_NICE:-10}" "$bin" "$@"
