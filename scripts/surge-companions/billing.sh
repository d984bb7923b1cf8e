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
# share under contention). Since 2026-12-02 the driver, its workers and PostgreSQL also run under a CPU budget
# for the bill run (SURGE_BILLING_CPU_LIMIT, below).
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

# The bill run's CPU budget (scripts/cpu-budget.sh): SURGE_BILLING_CPU_LIMIT cores at most (0.5; 0: none) with a
# 250m request's share, for this script's children (the driver and its workers) and PostgreSQL's processes, which
# do the bill run's writes. The one-box counterpart of k8s/billing.yaml's limits: on 2 cores the read path needs
# about 1.5 at 14x, so the background's limit here is what is left, lower than a cluster node's 1 core.
cpu_limit=${SURGE_BILLING_CPU_LIMIT:-0.5}
budget=""
if [[ $cpu_limit != 0 ]]; then
  # shellcheck source=scripts/cpu-budget.sh
  source scripts/cpu-budget.sh
  budget=$(cpu_budget_create "surge-background-${SURGE_RUN:-$$}" "$cpu_limit" 256)
  if [[ -n $budget ]]; then
    trap 'cpu_budget_release "$budget"' EXIT
    pg_pid=$(cat "${SURGE_STATE_DIR:-$root/.stack}/pids/postgres.pid" 2>/dev/null || true)
    # shellcheck disable=SC2046
    cpu_budget_move "$budget" $$ ${pg_pid:+$pg_pid $(pgrep -P "$pg_pid")}
  else
    echo "no writable cpu cgroup here: the bill run has nice $nice_level only"
  fi
fi

echo "bill run of $accounts accounts at nice $nice_level${budget:+, at most $cpu_limit cores with PostgreSQL ($budget)}, $(( $(date +%s) - started )) s after the population was ready"
# SURGE_BILLING_CHUNK_SIZE: accounts a chunk (default: the bench's, which is BILLING_CHUNK_SIZE's), to compare how
# the chunk's size weighs on the read path beside it.
chunk_args=()
[[ -n ${SURGE_BILLING_CHUNK_SIZE:-} ]] && chunk_args=(--chunk-size "$SURGE_BILLING_CHUNK_SIZE")
# --no-calibration: the surge bench samples the host already (one sampler, outside the bill run's CPU budget).
nice -n "$nice_level" node dist/benchmarks/billing.bench.js --accounts "$accounts" --no-ceiling --no-calibration --deadline "$deadline" "${chunk_args[@]}" \
  --json "$dir/billing-run.json" --companion "$out" --pids-file "$dir/companion-billing.pids" \
  --cpu-end-file "$dir/companion-billing.cpu-end.tsv" || true
[[ -s $out ]] || fail "the bill run did not report (see companion-billing.log)"
node -e '
  const [f, line] = process.argv.slice(1);
  const r = JSON.parse(require("fs").readFileSync(f, "utf8"));
  (r.lines ??= []).push(line);
  require("fs").writeFileSync(f, JSON.stringify(r, null, 2) + "\n");
' "$out" "CPU budget: $([[ -n $budget ]] && echo "at most $cpu_limit cores for the driver, its workers and PostgreSQL (scripts/cpu-budget.sh)" || echo "none (nice $nice_level only)")"
