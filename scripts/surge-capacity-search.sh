#!/usr/bin/env bash
# npm run bench:surge -- --capacity-search
# The highest multiple of the normal peak at which every SLO holds on this
# machine: submit errors < 0.1%, p95 < 100 ms, p99 < 250 ms (the load tool's
# thresholds, generated from libs/slo), freshness 202 -> decision p99 < 5 s,
# nothing lost or duplicated, and the collectors served too: at most
# SURGE_SEARCH_MAX_DEFERRED (1%) of their batches deferred by the front door's
# customers-first shedding (docs/decisions/0021-criticality-shedding.md; a
# multiple where customers hold only because collectors wait is printed, but
# is not capacity to size a cluster on). Each probe is a short surge run (normal peak,
# ramp to the multiple, plateau, back: ~40 s plus the audit) with services and
# topics of its own; the search doubles up from a passing multiple and then
# bisects, at most SURGE_SEARCH_PROBES probes (7), integer multiples only.
# Prints the answer with each probe's figures; bounded and loopback only.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
[[ ${SURGE_SKIP_BOOTSTRAP:-0} == 1 ]] || bash scripts/bootstrap.sh
export PATH="$root/node_modules/.bin:$PATH"
state=${SURGE_STATE_DIR:-$root/.stack}
search=$state/bench/capacity-$(date +%s)
mkdir -p "$search"
max_probes=${SURGE_SEARCH_PROBES:-7}
limit=${SURGE_SEARCH_MAX_MULTIPLE:-64}

probe() { # probe <multiple> -> 0 when every SLO held
  local m=$1 run log
  run="$(date +%s)m$m"
  log=$search/probe-$m.log
  echo "--- probe: ${m}x normal peak (${SURGE_NORMAL_PEAK:-40}/s), run $run" >&2
  SURGE_SKIP_BOOTSTRAP=1 SURGE_SKIP_CEILING=1 SURGE_PROFILE=short SURGE_MULTIPLE=$m SURGE_RUN_ID=$run \
    SURGE_CUSTOMERS=${SURGE_CUSTOMERS:-20000} bash scripts/surge-bench.sh >"$log" 2>&1 || true
  local report=$state/bench/$run/report.json
  [[ -f $report ]] || { echo "    no report (see $log)" >&2; return 1; }
  node -e '
    const r = require(process.argv[1]);
    const fresh = r.freshnessMs?.clickhouseDecisionP99 ?? Infinity;
    const slos = r.thresholds.every((t) => t.ok) && fresh < 5000 && r.lost === 0 && r.duplicated === 0;
    const deferred = r.collectorBatches?.deferredShare ?? 0;
    const served = deferred <= Number(process.argv[2]);
    const f = (v) => (typeof v === "number" ? v.toFixed(1) : String(v));
    console.error(`    offered ${r.offeredReadingsPerSecond} readings/s, accepted best 60 s ${r.acceptedReadingsPerSecond?.bestSustained60s}, ` +
      `errors ${(100 * r.submitErrorRate).toFixed(2)}%, p95 ${f(r.submitLatencyMs.p95)} ms, p99 ${f(r.submitLatencyMs.p99)} ms, ` +
      `freshness p99 ${f(fresh)} ms, lost ${r.lost}, duplicated ${r.duplicated}, collector batches deferred ${(100 * deferred).toFixed(1)}%: ` +
      `${slos ? "every SLO held" : "an SLO broke"}${slos && !served ? " (customers only: collectors deferred)" : ""}` +
      // The host speed through the probe (scripts/host-calibration.ts): a verdict near the edge can flip with it.
      (r.hostCalibration?.medianMs != null ? `; host calibration median ${r.hostCalibration.medianMs} ms (p10 ${r.hostCalibration.p10Ms}, p90 ${r.hostCalibration.p90Ms})` : ""));
    process.exit(slos && served ? 0 : 1);
  ' "$report" "${SURGE_SEARCH_MAX_DEFERRED:-0.01}"
}

lo=0 hi=0 probes=0 m=${SURGE_SEARCH_START:-14}
declare -A seen
while (( probes < max_probes )); do
  probes=$((probes + 1))
  if probe "$m"; then seen[$m]=ok; lo=$m; else seen[$m]=fail; hi=$m; fi
  if (( hi == 0 )); then next=$((m * 2)); (( next > limit )) && break
  elif (( hi - lo <= 1 )); then break
  else next=$(( (lo + hi) / 2 )); fi
  m=$next
done
echo
echo "=== capacity search ($probes probes, logs in $search)"
for k in $(printf '%s\n' "${!seen[@]}" | sort -n); do echo "  ${k}x: ${seen[$k]}"; done
cores=$(nproc)
if (( lo > 0 )); then
  echo "  highest multiple with every SLO met and the collectors served: ${lo}x normal peak (${SURGE_NORMAL_PEAK:-40} iterations/s) on $cores cores"
  echo "  => about $(( lo * ${SURGE_NORMAL_PEAK:-40} / cores )) surge iterations/s per core (docs/runbook.md: sizing a cluster)"
else
  echo "  no multiple probed met every SLO (lowest probed: ${m}x)"
fi
echo "  each probe is one short run: near the edge its verdict moves with the host's speed (the calibration on each"
echo "  probe's line); re-probe the multiples either side of the answer before sizing on it"
echo "$lo" >"$search/highest-multiple"
