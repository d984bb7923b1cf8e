/**
 * Meter serial number: 1 to 10 letters (ASCII) and digits, as printed on the
 * meter. Case is kept as given; comparing serials case-insensitively is the
 * caller's choice.
 */
const SERIAL = /^[A-Za-z0-9]{1,10}$/;

export const MAX_METER_SERIAL_LENGTH = 10;

export function isValidMeterSerial(s: string): boolean {
  return typeof s === 'string' && SERIAL.test(s);
}
