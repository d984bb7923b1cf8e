/**
 * Devices a member can enrol in a flexibility programme, and how each one behaves when dispatched.
 * `dispatch` is what the device does for the grid: a battery discharges (or stops charging), a deferrable
 * load pauses and resumes later. `maxPauseMinutes` is the comfort limit of a deferrable load: a dryer
 * left more than 45 minutes creases the load, so it resumes then even if the event runs on.
 */
export const DEVICE_KINDS = ['battery', 'ev_charger', 'heat_pump', 'dryer', 'washing_machine', 'dishwasher', 'stove', 'immersion_heater'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

export interface DeviceBehaviour {
  /** How the member calls it in a sentence ("Dryer paused"). */
  readonly label: string;
  readonly dispatch: 'discharge' | 'pause';
  /** Deferrable loads only: the longest pause before it resumes on its own; null = for the whole event. */
  readonly maxPauseMinutes: number | null;
  /** What the member keeps when this device is protected (the start notification's last words). */
  readonly whenProtected: string;
}

export const DEVICE_BEHAVIOUR: Readonly<Record<DeviceKind, DeviceBehaviour>> = {
  battery: { label: 'Battery', dispatch: 'discharge', maxPauseMinutes: null, whenProtected: 'Battery kept in reserve.' },
  ev_charger: { label: 'Car charging', dispatch: 'pause', maxPauseMinutes: null, whenProtected: 'Car keeps charging.' },
  heat_pump: { label: 'Heat pump', dispatch: 'pause', maxPauseMinutes: 30, whenProtected: 'Heating stays on.' },
  dryer: { label: 'Dryer', dispatch: 'pause', maxPauseMinutes: 45, whenProtected: 'Dryer keeps running.' },
  washing_machine: { label: 'Washing machine', dispatch: 'pause', maxPauseMinutes: 60, whenProtected: 'Washing keeps running.' },
  dishwasher: { label: 'Dishwasher', dispatch: 'pause', maxPauseMinutes: 60, whenProtected: 'Dishwasher keeps running.' },
  stove: { label: 'Stove', dispatch: 'pause', maxPauseMinutes: 15, whenProtected: 'Dinner uninterrupted.' },
  immersion_heater: { label: 'Hot water', dispatch: 'pause', maxPauseMinutes: null, whenProtected: 'Hot water stays on.' },
};

export const isDeviceKind = (s: string): s is DeviceKind => (DEVICE_KINDS as readonly string[]).includes(s);
