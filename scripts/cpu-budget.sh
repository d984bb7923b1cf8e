#!/usr/bin/env bash
# A CPU budget for background work on one shared box: the local equivalent of a Kubernetes pod's CPU request
# (cpu.shares / cpu.weight: its share when the cores are contended) and limit (a CFS quota: at most N cores, however
# idle the box). Sourced by scripts/surge-companions/billing.sh. Why a quota and not only nice: at nice 10 (and even
# SCHED_IDLE) a bill run beside the 14x surge still refused 0.6-5% of customers, because whatever CPU the read path
# left for a moment the bill run took at once, and Kafka's produce latency doubled beside it (docs/benchmarks.md,
# 2026-12-02). A quota caps the background's whole footprint, not only its turn.
#
#   cg=$(cpu_budget_create <name> <cores> <shares>)   prints the group's directory, or nothing if the box has no
#                                                     writable cpu controller (then the caller carries on at nice)
#   cpu_budget_move <dir> <pid>...                    moves processes in; their children are born inside
#   cpu_budget_release <dir>                          moves every process back to the root group, removes it
# cgroup v2 (cpu.max, cpu.weight) when mounted with the cpu controller, else v1 (cpu.cfs_quota_us, cpu.shares), as
# on this project's machines. Needs root; it touches only the group it creates.

cpu_budget_create() { # cpu_budget_create <name> <cores> <shares 2..262144, as v1; 1024 = one core's request>
  local name=$1 cores=$2 shares=$3 period=100000 quota dir
  quota=$(awk -v c="$cores" -v p="$period" 'BEGIN { printf "%d", c * p }')
  if [[ -f /sys/fs/cgroup/cgroup.controllers ]] && grep -qw cpu /sys/fs/cgroup/cgroup.controllers; then
    dir=/sys/fs/cgroup/$name
    mkdir -p "$dir" 2>/dev/null || return 0
    # cpu.weight is 1..10000 with 100 for v1's 1024.
    { echo "$quota $period" >"$dir/cpu.max" && echo $(( shares * 100 / 1024 > 0 ? shares * 100 / 1024 : 1 )) >"$dir/cpu.weight"; } 2>/dev/null \
      || { rmdir "$dir" 2>/dev/null; return 0; }
  elif [[ -w /sys/fs/cgroup/cpu/cgroup.procs ]]; then
    dir=/sys/fs/cgroup/cpu/$name
    mkdir -p "$dir" 2>/dev/null || return 0
    { echo "$period" >"$dir/cpu.cfs_period_us" && echo "$quota" >"$dir/cpu.cfs_quota_us" && echo "$shares" >"$dir/cpu.shares"; } 2>/dev/null \
      || { rmdir "$dir" 2>/dev/null; return 0; }
  else
    return 0
  fi
  echo "$dir"
}

cpu_budget_move() { # cpu_budget_move <dir> <pid>...
  local dir=$1 pid; shift
  for pid in "$@"; do echo "$pid" >"$dir/cgroup.procs" 2>/dev/null || true; done
}

cpu_budget_release() { # cpu_budget_release <dir>
  local dir=$1 root pid
  [[ -n $dir && -d $dir ]] || return 0
  root=$(dirname "$dir")
  # Until the group is empty: a process forked inside while the others were moved out is moved in the next pass.
  # (Not `[[ -s ]]`: cgroup files report a size of 0 whatever they hold.)
  for _ in 1 2 3 4 5; do
    grep -q . "$dir/cgroup.procs" 2>/dev/null || break
    while read -r pid; do echo "$pid" >"$root/cgroup.procs" 2>/dev/null || true; done <"$dir/cgroup.procs"
  done
  rmdir "$dir" 2>/dev/null || true
}
