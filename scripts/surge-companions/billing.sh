#!/usr/bin/env bash
# Surge companion (scripts/surge-companions/README.md): a bill run beside the surge (issue 18).
#
# A few seconds into the surge (SURGE_BILLING_DELAY_SECONDS, default 5) it bills SURGE_BILLING_ACCOUNTS accounts
# (default 100,000; 20,000 with SURGE_PROFILE=short) with the bill-run benchmark's machinery
# (benchmarks/billing.bench.ts): its own PostgreSQL databases (bench_billing_pop_<N>, copied to a run database that
# is dropped afterwards), its own ClickHouse database (bench_billing_<N>) and its own BullMQ prefix. Nothing of the
# surge's own topics, ClickHouse database or services is touched; billing has no Kafka and no read-api.
#
# Customers first: the driver and its worker processes run at nice SURGE_BILLING_NICE (default 10), so on a
# shared machine the read path's processes get the CPU first and the bill run takes what is left. The Kubernetes
# equivalent is in k8s/billing.yaml: priorityClassName surge-background (never preempts, yields to
# surge-customer-path) and requests of 250m against read-api's whole core (CFS gives read-api four times billing's
# share under contention). PostgreSQL is not niced (a shared server here; not on the read path).
#
# The population is generated first if it is missing (a minute or more at 100,000 accounts: better run once before
# the surge, `npm run bench:billing -- --accounts 100000 --generate-only`); the bench holds the load until it is
# ready (companion-billing.starting / .ready, at most 120 s), and the delay counts from then.
# Bounded: the bill run stops at SURGE_BILLING_DEADLINE_SECONDS (default 600) and the benchmark exits by itself.
# Writes $SURGE_DIR/companion-billing.json (accounts billed, seconds, failed, SLO "bill run completed"), lists its
# processes in companion-billing.pids and their last CPU ticks in companion-billing.cpu-end.tsv (they stop before
# the bench's last snapshot) so the report's table gives their CPU and peak RSS.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"
dir=${SURGE_DIR:?SURGE_DIR is set by the surge bench}
profile=${SURGE_PROFILE:-full}
accounts=${SURGE_BILLING_ACCOUNTS:-$([[ $profile == short ]] && echo 20000 || echo 100000)}
delay=${SURGE_BILLING_DELAY_SECONDS:-5}
nice_level=${SURGE_BILLING_NICE:-10}
deadline=${SURGE_BILLING_DEADLINE_SECONDS:-600}
out=$dir/companion-billing.json

fail() { # fail <line>: the companion's report says what went wrong, and the SLO is not met.
  touch "$dir/companion-billing.ready"
  node -e 'const [f, line] = process.argv.slice(1); require("fs").writeFileSync(f, JSON.stringify({ title: "bill run beside the surge", lines: [line], slos: [{ name: "bill run completed", ok: false, value: null }], figures: {} }, null, 2) + "\n")' "$out" "$1"
  exit 0
}

# The load waits (at most 120 s) until the population is ready, so the bill run starts inside the surge.
touch "$dir/companion-billing.starting"
nice -n "$nice_level" node dist/benchmarks/billing.bench.js --accounts "$accounts" --generate-only || fail "population of $accounts accounts could not be prepared (see companion-billing.log)"
touch "$dir/companion-billing.ready"
started=$(date +%s)
sleep "$delay"

echo "bill run of $accounts accounts at nice $nice_level, $(( $(date +%s) - started )) s after the population was ready"
nice -n "$nice_level" node dist/benchmarks/billing.bench.js --accounts "$accounts" --no-ceiling --deadline "$deadline" \
  --json "$dir/billing-run.json" --companion "$out" --pids-file "$dir/companion-billing.pids" \
  --cpu-end-file "$dir/companion-billing.cpu-end.tsv" || true
[[ -s $out ]] || fail "the bill run did not report (see companion-billing.log)"
