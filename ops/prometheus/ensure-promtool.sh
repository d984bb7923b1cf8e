#!/usr/bin/env bash
# Makes sure `promtool` (Prometheus's rule checker and rule unit-test runner) is
# on PATH, installing Debian's `prometheus` package if it is not. Idempotent;
# meant to be called from the project's bootstrap/test scripts.
set -euo pipefail
command -v promtool >/dev/null 2>&1 && exit 0
command -v apt-get >/dev/null 2>&1 || { echo "[promtool] not found and no apt-get to install it" >&2; exit 1; }
sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "[promtool] installing Debian's prometheus package (for promtool)" >&2
$sudo apt-get update -qq
# The package's service is not wanted (and there is no init system to run it):
# only the promtool binary is used.
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
command -v promtool >/dev/null 2>&1 || { echo "[promtool] install finished but promtool is not on PATH" >&2; exit 1; }
