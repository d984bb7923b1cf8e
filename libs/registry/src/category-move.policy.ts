/**
 * Which category change the registry takes from flexibility (issue 17; categories in
 * /work/shared/domain/README.md section 2). Enrolling flexible devices in a programme makes a passive
 * consumer (D: demand only) a passive participant (C: smart, fit-and-forget kit that responds to signals),
 * so flexibility may move D to C and nothing else: a move to B (active trading) or A (a system service
 * provider) is a commercial change staff record through the category route, and no enrolment moves an
 * account down. An account that is already not D has moved since (or never was D): the person's change
 * stands and nothing is written but the request's outcome.
 */
export type CategoryMove = { kind: 'applied'; to: 'C' } | { kind: 'already-moved' } | { kind: 'not-allowed' };

export function flexibilityCategoryMove(current: string, from: string | null, to: string | null): CategoryMove {
  if (from !== 'D' || to !== 'C') return { kind: 'not-allowed' };
  if (current !== 'D') return { kind: 'already-moved' };
  return { kind: 'applied', to: 'C' };
}
