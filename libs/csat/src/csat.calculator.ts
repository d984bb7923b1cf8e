/**
 * CSAT maths. One question, scored 1 (very dissatisfied) to 5 (very
 * satisfied). CSAT = answers scoring 4 or 5 ÷ all answers × 100.
 */
export const MIN_SCORE = 1;
export const MAX_SCORE = 5;
export const SATISFIED_MIN_SCORE = 4;

export const isSatisfied = (score: number): boolean => score >= SATISFIED_MIN_SCORE;

/**
 * CSAT in percent, rounded half-up to two decimal places for display; null
 * when nobody answered (0 of 0 is "no data", not 0%). Counts stay exact
 * integers alongside it, so a client can recompute any rounding it likes.
 */
export function csatPercent(satisfied: number, responses: number): number | null {
  if (!Number.isInteger(satisfied) || !Number.isInteger(responses) || satisfied < 0 || satisfied > responses) {
    throw new RangeError(`satisfied ${satisfied} of ${responses} responses is not a valid count`);
  }
  if (responses === 0) return null;
  // Integer arithmetic to the rounding step: no binary-fraction surprises at .xx5.
  return Math.round((satisfied * 10_000) / responses) / 100;
}

export interface CsatSummary {
  readonly responses: number;
  readonly satisfied: number;
  readonly csat: number | null;
}

export function summariseScores(scores: readonly number[]): CsatSummary {
  const satisfied = scores.filter(isSatisfied).length;
  return { responses: scores.length, satisfied, csat: csatPercent(satisfied, scores.length) };
}

/** Adds counts of disjoint groups (every answer belongs to exactly one bucket and breakdown). */
export function combine(groups: readonly { responses: number; satisfied: number }[]): CsatSummary {
  const responses = groups.reduce((n, g) => n + g.responses, 0);
  const satisfied = groups.reduce((n, g) => n + g.satisfied, 0);
  return { responses, satisfied, csat: csatPercent(satisfied, responses) };
}
