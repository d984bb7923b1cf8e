import { isValidMpanCore } from '@surge/meter-domain/mpan.validator';
import { DEMO_PERIOD, demoAccount, demoMpan, demoReadings } from './demo-population.generator';
import { selectRegisterReadings } from './reading.selector';

describe('demo population', () => {
  const accounts = Array.from({ length: 2000 }, (_, n) => demoAccount(n));

  it('is deterministic and every MPAN core is valid and unique', () => {
    expect(demoAccount(1234)).toEqual(demoAccount(1234));
    expect(demoReadings(demoAccount(1234))).toEqual(demoReadings(demoAccount(1234)));
    const mpans = accounts.map((a) => a.supplyPoints[0]!.supplyPointId);
    expect(mpans.every(isValidMpanCore)).toBe(true);
    expect(new Set(mpans).size).toBe(mpans.length);
    expect(demoMpan(0)).toHaveLength(13);
  });

  it('spans the four categories, domestic and business, vulnerable, dual fuel, Economy 7 and export', () => {
    const share = (f: (a: (typeof accounts)[number]) => boolean) => accounts.filter(f).length / accounts.length;
    expect(share((a) => a.category === 'D')).toBeGreaterThan(0.5);
    expect(share((a) => a.category === 'C')).toBeGreaterThan(0.18);
    expect(share((a) => a.category === 'B')).toBeGreaterThan(0.05);
    expect(share((a) => a.category === 'A')).toBeGreaterThan(0.02);
    expect(accounts.filter((a) => a.category === 'A').every((a) => !a.domestic && a.vatRate === '0.20')).toBe(true);
    expect(share((a) => a.vulnerable)).toBeGreaterThan(0.03);
    expect(share((a) => a.supplyPoints.length === 2)).toBeGreaterThan(0.3);
    const kinds = new Set(accounts.flatMap((a) => a.supplyPoints.flatMap((sp) => sp.registers.map((r) => r.kind))));
    expect([...kinds].sort()).toEqual(['day', 'export', 'gas', 'import', 'night']);
    expect(accounts.filter((a) => a.category === 'D').every((a) => a.supplyPoints[0]!.registers.every((r) => r.kind !== 'export'))).toBe(true);
  });

  it('readings open the demo period on every register, split it at 1 April for most and close it for most', () => {
    let registers = 0;
    let split = 0;
    let closed = 0;
    let rolled = 0;
    for (const a of accounts.slice(0, 500)) {
      const readings = demoReadings(a).filter((r) => r.status === 'accepted' && r.duplicateOf === '');
      for (const sp of a.supplyPoints) {
        for (const reg of sp.registers) {
          registers++;
          const mine = readings
            .filter((r) => r.supplyPointId === sp.supplyPointId && r.registerId === reg.registerId)
            .map((r) => ({ readingId: r.readingId, readAt: r.readAt, value: r.value, source: r.source, rolledOver: r.rolledOver }));
          const s = selectRegisterReadings(mine, DEMO_PERIOD);
          expect(s.opening).not.toBeNull();
          if (s.intermediate.some((i) => i.reading.readAt === '2022-04-01')) split++;
          if (s.closing) closed++;
          if (mine.some((m) => m.rolledOver)) rolled++;
          for (const m of mine) expect(Number(m.value)).toBeLessThan(10 ** reg.digits);
        }
      }
    }
    expect(split / registers).toBeGreaterThan(0.6);
    expect(closed / registers).toBeGreaterThan(0.75);
    expect(closed).toBeLessThan(registers);
    expect(rolled).toBeGreaterThan(0);
  });
});
