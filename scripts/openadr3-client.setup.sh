#!/usr/bin/env bash
# Installs the third-party OpenADR 3 VEN client the flexibility tests use (PyPI openadr3-client, ElaadNL,
# Apache-2.0, pinned) into a venv under the stack state, so a fresh machine needs nothing by hand.
# It needs Python >= 3.12: python3.12/python3.13 on PATH, or one pyenv has. Prints the venv's python.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state=${SURGE_STATE_DIR:-$root/.stack}
venv=$state/openadr3-client-venv
version=2.4.2
if [[ -x $venv/bin/python && -f $venv/.installed-$version ]]; then echo "$venv/bin/python"; exit 0; fi
py=""
for c in python3.13 python3.12 python3; do
  if command -v "$c" >/dev/null && "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then py=$(command -v "$c"); break; fi
done
if [[ -z $py ]] && command -v pyenv >/dev/null; then
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9])' | sort -V -r); do py="$(pyenv root)/versions/$v/bin/python3"; [[ -x $py ]] && break; py=""; done
fi
if [[ -z $py ]]; then echo "openadr3-client needs Python >= 3.12 (apt-get install python3.12, or pyenv install 3.12)" >&2; exit 1; fi
"$py" -m venv "$venv" >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check "openadr3-client==$version" >&2
touch "$venv/.installed-$version"
echo "$venv/bin/python"
