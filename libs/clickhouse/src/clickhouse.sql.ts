/**
 * Literal quoting for ClickHouse SQL. Server-side query parameters
 * ({name:Type}) arrived after 18.16, which the local stack runs, so values
 * are inlined as escaped literals. Every value that reaches SQL goes through
 * one of these; identifiers never come from input.
 */
export const sqlString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export const sqlStringList = (values: Iterable<string>): string => [...values].map(sqlString).join(',');

export function sqlInt(n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not a safe integer: ${n}`);
  return String(n);
}
