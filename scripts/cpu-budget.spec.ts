import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';

// The real kernel's cpu controller, as the surge bench's billing companion uses it (scripts/cpu-budget.sh). Where
// the box has none writable (not root, no cgroup) the helper must say so by printing nothing, and that is tested
// instead.
const writable = (() => {
  for (const f of ['/sys/fs/cgroup/cgroup.controllers', '/sys/fs/cgroup/cpu/cgroup.procs']) {
    try {
      accessSync(f, constants.W_OK);
      return true;
    } catch {
      /* next */
    }
  }
  return false;
})();

const bash = (script: string) => execFileSync('bash', ['-c', `set -euo pipefail; source scripts/cpu-budget.sh; ${script}`], { encoding: 'utf8', timeout: 20_000 });

describe('cpu-budget.sh', () => {
  (writable ? it : it.skip)('caps a busy process at its quota and leaves no group behind', () => {
    const out = bash(`
      cg=$(cpu_budget_create surge-spec-$$ 0.2 256)
      [[ -n $cg ]] || { echo "no group"; exit 1; }
      sh -c 'while :; do :; done' & busy=$!
      cpu_budget_move "$cg" "$busy"
      before=$(awk '{print $14+$15}' /proc/$busy/stat); sleep 2; after=$(awk '{print $14+$15}' /proc/$busy/stat)
      kill "$busy"; wait "$busy" 2>/dev/null || true
      cpu_budget_release "$cg"
      echo "$(( after - before )) $([[ -d $cg ]] && echo left || echo gone)"`);
    const [ticks, group] = out.trim().split(' ');
    // 0.2 cores for 2 s is 40 ticks of 10 ms; unthrottled the loop would take about 200.
    expect(Number(ticks)).toBeLessThan(80);
    expect(group).toBe('gone');
  });

  (writable ? it : it.skip)('moves a live process back to the root group on release, and removes the group', () => {
    // The bug this pins: release once tested the group's cgroup.procs with `[[ -s ]]`, which is always false on
    // cgroupfs, so a live process (PostgreSQL, after a bill run beside the surge) stayed capped and the group stayed.
    const out = bash(`
      cg=$(cpu_budget_create surge-spec-live-$$ 0.5 256)
      sleep 30 & idle=$!
      cpu_budget_move "$cg" "$idle"
      inside=$(grep -c "^$idle$" "$cg/cgroup.procs" || true)
      cpu_budget_release "$cg"
      back=$(grep -c "^$idle$" "$(dirname "$cg")/cgroup.procs" || true)
      kill "$idle"; wait "$idle" 2>/dev/null || true
      echo "$inside $back $([[ -d $cg ]] && echo left || echo gone)"`);
    expect(out.trim()).toBe('1 1 gone');
  });

  it('prints nothing for a group it cannot make, so the caller carries on at nice', () => {
    // A name the kernel refuses (a path below a file, not a directory).
    const out = bash('cpu_budget_create "cgroup.procs/x" 0.5 256; echo "[done]"');
    expect(out.trim()).toBe('[done]');
  });

  it('releases a group that does not exist without failing', () => {
    expect(bash('cpu_budget_release /sys/fs/cgroup/no-such-group-here; echo ok').trim()).toBe('ok');
    expect(existsSync('/sys/fs/cgroup/no-such-group-here')).toBe(false);
  });
});
