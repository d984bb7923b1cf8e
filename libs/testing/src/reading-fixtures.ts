import { randomUUID } from 'node:crypto';
import { mpanCheckDigit } from '@surge/meter-domain/mpan.validator';
import type { MeterReadingSubmittedV1 } from '@surge/reading-contracts/meter-reading-submitted.event';

/** A valid MPAN core for test number n (distributor 10..23, check digit computed). */
export function testMpan(n: number): string {
  const first12 = `${10 + (n % 14)}${String(n).padStart(10, '0').slice(-10)}`;
  return `${first12}${mpanCheckDigit(first12)}`;
}

export function submittedEvent(overrides: Partial<MeterReadingSubmittedV1> = {}): MeterReadingSubmittedV1 {
  return {
    schema: 'meter-reading.submitted.v1',
    readingId: randomUUID(),
    accountId: 'A-TEST-1',
    supplyPointId: testMpan(1),
    fuel: 'electricity',
    meterSerial: 'S95A12345',
    registerId: 'S',
    readAt: '2022-03-31T08:00:00.000Z',
    value: '12345.6',
    unit: 'kWh',
    source: 'C',
    channel: 'web',
    submittedAt: new Date().toISOString(),
    correlationId: randomUUID(),
    digits: 5,
    ...overrides,
  };
}
