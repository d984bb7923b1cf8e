import { decideAll } from './dispatch.decider';
import { endNotificationText, startNotificationText } from './notification.composer';

describe('the member notifications', () => {
  const target = { start: new Date('2026-12-01T18:00:00Z'), end: new Date('2026-12-01T19:00:00Z'), deviceKinds: null };
  const at = '2026-11-30T10:00:00Z';

  it("start: the issue's words for battery, dryer and a protected stove", () => {
    const decisions = decideAll(target, [
      { deviceId: 'b', kind: 'battery', preference: { deviceId: 'b', version: 1, mode: 'allow', windows: [], recordedAt: at } },
      { deviceId: 'd', kind: 'dryer', preference: { deviceId: 'd', version: 1, mode: 'allow', windows: [], recordedAt: at } },
      { deviceId: 's', kind: 'stove', preference: { deviceId: 's', version: 2, mode: 'allow', windows: [{ mode: 'protect', from: '17:00', to: '20:00' }], recordedAt: at } },
    ]);
    expect(startNotificationText(decisions)).toBe('Battery dispatching now. Dryer paused; will resume at 6:45. Dinner uninterrupted.');
  });

  it('start: nothing dispatched says so', () => {
    const decisions = decideAll(target, [{ deviceId: 's', kind: 'stove', preference: { deviceId: 's', version: 1, mode: 'protect', windows: [], recordedAt: at } }]);
    expect(startNotificationText(decisions)).toBe('Flexibility event now; none of your devices take part this time. Dinner uninterrupted.');
  });

  it('end: delivered kWh to one decimal and the money in pounds', () => {
    expect(endNotificationText('4.2', '240')).toBe('You contributed 4.2 kWh. You earned £2.40.');
    expect(endNotificationText('0.25', '5')).toBe('You contributed 0.3 kWh. You earned £0.05.');
    expect(endNotificationText('0', '0')).toMatch(/nothing to pay/);
  });
});
