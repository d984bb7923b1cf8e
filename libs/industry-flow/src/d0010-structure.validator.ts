import { type FlowLineSource, isLineBatch } from './flow-line.model';
import { type D0010Header, type D0010StructureProblem, D0010StructureTracker, type D0010Trailer } from './d0010-structure.tracker';

export type D0010StructureResult =
  | { readonly ok: true; readonly header: D0010Header; readonly trailer: D0010Trailer; readonly records: number; readonly groups: number }
  | { readonly ok: false; readonly problem: D0010StructureProblem };

/**
 * Pass 1 of the two-pass contract: decides whether a D0010 file is structurally
 * whole before anything of it is ingested, reading it once, in constant memory
 * (nothing is kept but counts and the header). Stops at the first problem and
 * names its line and reason. Group contents (MPANs, dates, values) are not
 * looked at here: a bad group is rejected on its own in pass 2.
 *
 * The caller must hold the bytes durably (the intake spools them) so that pass
 * 2 (parseD0010) reads exactly what pass 1 passed.
 */
export async function validateD0010Structure(lines: FlowLineSource): Promise<D0010StructureResult> {
  const tracker = new D0010StructureTracker();
  for await (const item of lines) {
    if (isLineBatch(item)) {
      for (const line of item) {
        const tracked = tracker.track(line);
        if (!tracked.ok) return { ok: false, problem: tracked.problem };
      }
    } else {
      const tracked = tracker.track(item);
      if (!tracked.ok) return { ok: false, problem: tracked.problem };
    }
  }
  const problem = tracker.finish();
  if (problem) return { ok: false, problem };
  return { ok: true, header: tracker.header!, trailer: tracker.trailer!, records: tracker.recordCount, groups: tracker.groupCount };
}
