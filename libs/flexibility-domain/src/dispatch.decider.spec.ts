import fc from 'fast-check';
import { DEVICE_KINDS, type DeviceKind } from './device.model';
import { decideAll, decideDevice, type DispatchTarget } from './dispatch.decider';
import type { PreferenceVersion } from './preference.model';

// 18:00-19:00 London on a winter day (GMT): the story's event.
const evening: DispatchTarget = { start: new Date('2026-12-01T18:00:00Z'), end: new Date('2026-12-01T19:00:00Z'), deviceKinds: null };
const pref = (deviceId: string, p: Partial<PreferenceVersion>): PreferenceVersion => ({ deviceId, version: 1, mode: 'allow', windows: [], recordedAt: '2026-11-30T10:00:00Z', ...p });

describe('the dispatch decision per device', () => {
  it('the story: dryer allowed is paused until its comfort limit; stove protected in the evening, naming the version', () => {
    const dryer = decideDevice(evening, { deviceId: 'dryer-1', kind: 'dryer', preference: pref('dryer-1', { mode: 'allow' }) });
    expect(dryer).toMatchObject({ action: 'dispatch', reason: 'allow-default', preferenceVersion: 1 });
    expect(dryer.resumeAt!.toISOString()).toBe('2026-12-01T18:45:00.000Z');
    const stove = decideDevice(evening, {
      deviceId: 'stove-1',
      kind: 'stove',
      preference: pref('stove-1', { version: 3, windows: [{ mode: 'protect', from: '17:00', to: '20:00' }] }),
    });
    expect(stove).toMatchObject({ action: 'protect', reason: 'protect-window', preferenceVersion: 3, window: { from: '17:00', to: '20:00' } });
    expect(stove.explanation).toBe('Stove protected: preference v3 protects it 17:00-20:00.');
  });

  it('London wall clock: in summer (BST) 18:00 London is 17:00Z, still inside a 17:00-20:00 protect window', () => {
    const summer = { start: new Date('2026-07-01T17:00:00Z'), end: new Date('2026-07-01T18:00:00Z'), deviceKinds: null };
    expect(decideDevice(summer, { deviceId: 's', kind: 'stove', preference: pref('s', { windows: [{ mode: 'protect', from: '17:00', to: '20:00' }] }) }).action).toBe('protect');
    expect(decideDevice(summer, { deviceId: 's', kind: 'stove', preference: pref('s', { windows: [{ mode: 'protect', from: '16:00', to: '17:00' }] }) }).action).toBe('dispatch');
  });

  it('default protect with an allow window that covers the event dispatches; one that covers only part protects', () => {
    const p = (from: string, to: string) => pref('h', { mode: 'protect', windows: [{ mode: 'allow', from, to }] });
    expect(decideDevice(evening, { deviceId: 'h', kind: 'heat_pump', preference: p('17:30', '19:30') })).toMatchObject({ action: 'dispatch', reason: 'allow-window' });
    expect(decideDevice(evening, { deviceId: 'h', kind: 'heat_pump', preference: p('18:30', '19:30') })).toMatchObject({ action: 'protect', reason: 'protect-default' });
  });

  it('windows wrapping midnight; kinds the event does not target; no preference', () => {
    const night = { start: new Date('2026-12-01T23:30:00Z'), end: new Date('2026-12-02T00:30:00Z'), deviceKinds: ['battery', 'ev_charger'] as DeviceKind[] };
    expect(decideDevice(night, { deviceId: 'e', kind: 'ev_charger', preference: pref('e', { windows: [{ mode: 'protect', from: '23:00', to: '06:00' }] }) }).action).toBe('protect');
    expect(decideDevice(night, { deviceId: 'd', kind: 'dryer', preference: null })).toMatchObject({ action: 'protect', reason: 'kind-not-targeted' });
    expect(decideDevice(night, { deviceId: 'b', kind: 'battery', preference: null })).toMatchObject({ action: 'dispatch', reason: 'no-preference', preferenceVersion: null });
  });

  it('property: one decision per device, protect whenever a protect window overlaps, resume never after the event end', () => {
    const clock = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 30)).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
    const window = fc.record({ mode: fc.constantFrom('allow' as const, 'protect' as const), from: clock, to: clock }).filter((w) => w.from !== w.to);
    fc.assert(
      fc.property(
        fc.array(fc.record({ kind: fc.constantFrom(...DEVICE_KINDS), mode: fc.constantFrom('allow' as const, 'protect' as const), windows: fc.array(window, { maxLength: 3 }) }), { maxLength: 30 }),
        fc.integer({ min: 0, max: 47 }),
        fc.integer({ min: 1, max: 8 }),
        (devices, startSlot, slots) => {
          const start = new Date(Date.UTC(2026, 11, 1) + startSlot * 1_800_000);
          const target = { start, end: new Date(start.getTime() + slots * 1_800_000), deviceKinds: null };
          const decisions = decideAll(target, devices.map((d, i) => ({ deviceId: `d${i}`, kind: d.kind, preference: pref(`d${i}`, d) })));
          expect(decisions.map((d) => d.deviceId)).toEqual(devices.map((_, i) => `d${i}`));
          for (const d of decisions) {
            if (d.reason === 'protect-window') expect(d.window?.mode).toBe('protect');
            if (d.action === 'dispatch') {
              expect(devices[Number(d.deviceId.slice(1))]!.windows.some((w) => w.mode === 'protect' && d.window === w)).toBe(false);
              expect(d.resumeAt!.getTime()).toBeLessThanOrEqual(target.end.getTime());
            }
          }
        },
      ),
    );
  });
});
