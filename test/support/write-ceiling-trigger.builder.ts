// The bill-run benchmark's write ceiling copies the run's rows into tables LIKE bills / bill_lines, and LIKE copies no
// trigger: this gives the ceiling table the bills table's statement trigger (migration v13: every new bill's account
// exists and is locked, no two ordinary bills of an account share a day), built from the function's own definition so
// the ceiling pays for exactly the checks the run pays for.
/**
 * The bills table's statement trigger function for the ceiling table: the database's own definition with its name
 * and the table its overlap query searches renamed (the account locks and the reference check are the same
 * statements on the same accounts table). Refuses to guess when the definition does not have that shape.
 */
export function ceilingTriggerFunction(definition: string): string {
  const named = 'FUNCTION public.billing_bills_no_overlap()';
  const searched = /\bFROM bills b\b/g;
  const searches = definition.match(searched)?.length ?? 0;
  if (!definition.includes(named) || searches !== 1) {
    throw new Error(`billing_bills_no_overlap changed shape (${searches} searches of bills); update the write ceiling`);
  }
  return definition.replace(named, 'FUNCTION public.ceiling_bills_no_overlap()').replace(searched, 'FROM ceiling_bills b');
}

