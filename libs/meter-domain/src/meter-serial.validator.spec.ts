import fc from 'fast-check';
import { isValidMeterSerial } from './meter-serial.validator';

describe('isValidMeterSerial', () => {
  it.each(['A', '1', 'E10BG12345', 'k8a01234', 'S95A123456'])('accepts %s', (s) => {
    expect(isValidMeterSerial(s)).toBe(true);
  });

  it.each(['', 'E10BG123456', 'E10 BG1234', 'E10-BG1234', 'ÉCLAIR', ' A1', 'A1\n'])('rejects %p', (s) => {
    expect(isValidMeterSerial(s)).toBe(false);
  });

  it('rejects non-strings without throwing', () => {
    expect(isValidMeterSerial(undefined as unknown as string)).toBe(false);
    expect(isValidMeterSerial(12345 as unknown as string)).toBe(false);
  });

  it('property: any 1 to 10 letters and digits pass', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9]{1,10}$/), (s) => {
        expect(isValidMeterSerial(s)).toBe(true);
      }),
    );
  });
});
