#!/usr/bin/env bash
# k6 for the load tests, built from source through the Go module proxy when
# missing (it is in neither Debian nor npm). Pinned; prints the binary's path.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
K6_VERSION=v1.8.1
bin=${SURGE_STATE_DIR:-$root/.stack}/bin
if [[ -x $bin/k6 ]] && "$bin/k6" version 2>/dev/null | grep -q "${K6_VERSION}"; then echo "$bin/k6"; exit 0; fi
command -v k6 >/dev/null 2>&1 && k6 version 2>/dev/null | grep -q "${K6_VERSION}" && { command -v k6; exit 0; }
command -v go >/dev/null || { echo "k6 needs Go >= 1.25 to build (apt-get install golang, or the go.dev toolchain)" >&2; exit 1; }
mkdir -p "$bin"
echo "[k6] building go.k6.io/k6@${K6_VERSION} from source (a few minutes the first time)" >&2
GOBIN="$bin" GOFLAGS=-trimpath go install "go.k6.io/k6@${K6_VERSION}" >&2
echo "$bin/k6"
