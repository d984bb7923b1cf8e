import { mpanCoreProblem } from '@surge/meter-domain/mpan.validator';
import { isValidMeterSerial } from '@surge/meter-domain/meter-serial.validator';
import { derivedMpan, derivedSerial } from './dev-sign-in.service';

describe('dev sign-in meters', () => {
  it('derives a valid, stable MPAN core and meter serial for any account', () => {
    for (const acc of ['A1', 'CW-abc', 'DEMO-00000001', 'x'.repeat(64)]) {
      expect(mpanCoreProblem(derivedMpan(acc))).toBeNull();
      expect(derivedMpan(acc)).toBe(derivedMpan(acc));
      expect(isValidMeterSerial(derivedSerial(acc))).toBe(true);
    }
    expect(derivedMpan('A1')).not.toBe(derivedMpan('A2'));
  });
});
