/**
 * Which meters and registers the signed-in customer can read. There is no meter
 * registry yet: the meters come from the token's claims (sp, ms) paired in
 * order, and every electricity meter has one single-rate register S of 5
 * digits. A registry lookup replaces these two functions and nothing else.
 */
import type { Fuel } from '@surge/meter-domain/register.model';
import { DEFAULT_REGISTER_DIGITS } from '@surge/meter-domain/reading-value.parser';

export interface MeterOption {
  readonly supplyPointId: string;
  readonly meterSerial: string;
  readonly fuel: Fuel;
}
export interface RegisterOption {
  readonly registerId: string;
  readonly label: string;
  readonly digits: number;
}

export function meterOptions(claims: { supplyPoints: readonly string[]; meterSerials: readonly string[] }): MeterOption[] {
  return claims.meterSerials.map((meterSerial, i) => {
    const supplyPointId = claims.supplyPoints[i] ?? claims.supplyPoints[0] ?? '';
    return { supplyPointId, meterSerial, fuel: supplyPointId.length === 13 ? 'electricity' : 'gas' };
  });
}

export function registersOf(meter: MeterOption): RegisterOption[] {
  return meter.fuel === 'gas'
    ? [{ registerId: 'GAS', label: 'Gas', digits: DEFAULT_REGISTER_DIGITS }]
    : [{ registerId: 'S', label: 'Single rate (S)', digits: DEFAULT_REGISTER_DIGITS }];
}
