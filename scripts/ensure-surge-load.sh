#!/usr/bin/env bash
# The surge load tool (load-tests/surge-load: a scenario program on the vegeta
# library, MIT), built from source with the machine's Go through the Go module
# proxy (pinned by go.sum). Go's build cache makes a rebuild of unchanged
# source about a second. Prints the binary's path.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${SURGE_STATE_DIR:-$root/.stack}/bin
command -v go >/dev/null || { echo "surge-load needs Go >= 1.24 (apt-get install golang-go, or the machine's toolchain)" >&2; exit 1; }
mkdir -p "$bin"
( cd "$root/load-tests/surge-load" && GOFLAGS=-trimpath go build -o "$bin/surge-load" . ) >&2
echo "$bin/surge-load"
