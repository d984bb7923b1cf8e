import type { Bill } from '@surge/billing-domain/bill.model';
import type { RegisterReadingSources } from '../bills/bill-input.builder';
import type { NewBill } from '../bills/bill-row.mapper';
import { billedReadingIds, outboxRowsFor, readingBillRows } from './billed-reading.mapper';

const reading = (readingId: string) => ({ from: 'reading', readingId, readAt: '2022-03-01T07:00:00Z', source: 'C' }) as const;

const sources: RegisterReadingSources[] = [
  { supplyPointId: '1200023305967', meterSerial: 'M1', registerId: 'S', opening: reading('r-open'), intermediate: [reading('r-mrd')], closing: reading('r-close') },
  // Opens on the previous bill's closing reading and is estimated at the end: neither is a stored reading.
  { supplyPointId: '1200023305967', meterSerial: 'M1', registerId: 'EXPORT', opening: { from: 'previous-bill', billId: 'B0' }, intermediate: [], closing: { from: 'estimate' } },
  // One reading standing for two boundaries of different registers is still one mark.
  { supplyPointId: '7000000001', meterSerial: 'G1', registerId: 'GAS', opening: reading('r-gas'), intermediate: [], closing: reading('r-close') },
];

const newBill = (billId: string, readingSources: readonly RegisterReadingSources[]): NewBill => ({
  bill: { billId, accountId: 'ACC-1', period: { start: '2022-03-01', end: '2022-05-01' } } as unknown as Bill,
  kind: 'bill',
  revision: 0,
  runId: 'R',
  readingSources,
  recomputed: null,
});

describe('billed-reading marks', () => {
  it('takes the stored readings a bill stands on (opening, intermediate, closing), once each, in register order', () => {
    expect(billedReadingIds(sources)).toEqual(['r-open', 'r-mrd', 'r-close', 'r-gas']);
    expect(billedReadingIds([])).toEqual([]);
  });

  it('queues one outbox row per inserted bill; none for a bill not inserted or one that used no stored reading', () => {
    const onlyEstimates = [sources[1]!];
    const rows = outboxRowsFor([newBill('B1', sources), newBill('B2', sources), newBill('B3', onlyEstimates)], new Set(['B1', 'B3']));
    expect(rows).toEqual([{ bill_id: 'B1', account_id: 'ACC-1', period_start: '2022-03-01', period_end: '2022-05-01', reading_ids: ['r-open', 'r-mrd', 'r-close', 'r-gas'] }]);
  });

  it('relays an outbox row as one ClickHouse row per reading, the same rows every time (redelivery writes duplicates, not new facts)', () => {
    const [row] = outboxRowsFor([newBill('B1', sources)], new Set(['B1']));
    const outbox = { ...row!, created_at: '2022-05-02 09:00:00' };
    const marks = readingBillRows(outbox);
    expect(marks).toHaveLength(4);
    expect(marks[0]).toEqual({ account_id: 'ACC-1', reading_id: 'r-open', bill_id: 'B1', period_start: '2022-03-01', period_end: '2022-05-01', billed_at: '2022-05-02 09:00:00' });
    expect(readingBillRows(outbox)).toEqual(marks);
  });
});
