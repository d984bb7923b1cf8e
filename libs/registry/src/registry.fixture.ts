import { mpanCheckDigit } from '@surge/meter-domain/mpan.validator';
import type { CreateAccountRequest, CreateTariffRequest } from './registry.schema';

/**
 * Valid requests for tests and the demo: a domestic dual-fuel account (MPAN with a correct check digit)
 * and the April 2022 price-cap rates (domain README, inc VAT at 5%).
 */
export const SAMPLE_MPAN = '1200000000002';

/** The n-th valid MPAN core of distributor 14 (check digit computed), so tests never collide on supply points. */
export function sampleMpan(n: number): string {
  const first12 = `14${String(n).padStart(10, '0')}`;
  return `${first12}${mpanCheckDigit(first12)}`;
}

export function sampleTariff(tariffId: string, fuel: 'electricity' | 'gas' = 'electricity'): CreateTariffRequest {
  return fuel === 'electricity'
    ? {
        tariffId,
        name: 'Price cap, electricity',
        fuel,
        unitRates: [
          { registerKind: 'import', validFrom: '2021-10-01', validTo: '2022-04-01', exVat: '20', incVat: '21' },
          { registerKind: 'import', validFrom: '2022-04-01', validTo: null, exVat: '26.990476', incVat: '28.34' },
        ],
        standingCharges: [
          { validFrom: '2021-10-01', validTo: '2022-04-01', exVat: '23.809524', incVat: '25' },
          { validFrom: '2022-04-01', validTo: null, exVat: '43.180952', incVat: '45.34' },
        ],
      }
    : {
        tariffId,
        name: 'Price cap, gas',
        fuel,
        unitRates: [{ registerKind: 'gas', validFrom: '2022-04-01', validTo: null, exVat: '7.019048', incVat: '7.37' }],
        standingCharges: [{ validFrom: '2022-04-01', validTo: null, exVat: '25.92381', incVat: '27.22' }],
      };
}

export function sampleAccount(accountId: string, mpan = SAMPLE_MPAN): CreateAccountRequest {
  return {
    accountId,
    category: 'D',
    domestic: true,
    vulnerable: false,
    vatRate: '0.05',
    supplyPoints: [
      {
        supplyPointId: mpan,
        fuel: 'electricity',
        supplyStart: '2021-06-01',
        meters: [{ meterSerial: 'E12M00001', installedOn: '2021-06-01', registers: [{ registerId: 'S', kind: 'import', digits: 5, unit: 'kWh', eacKwh: '2900' }] }],
      },
    ],
  };
}
