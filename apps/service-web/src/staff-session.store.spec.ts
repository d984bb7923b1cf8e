import { StaffSessionStore } from './staff-session.store';

describe('StaffSessionStore', () => {
  it('opens a session for a valid staff id, which expires', () => {
    let now = 1_000_000;
    const store = new StaffSessionStore(60, () => now);
    const opened = store.open({ staffId: 'agent.7' });
    if (!('session' in opened)) throw new Error('not opened');
    expect(store.staffOf(opened.session)).toBe('agent.7');
    now += 61_000;
    expect(store.staffOf(opened.session)).toBeUndefined();
  });

  it('refuses a bad staff id and unknown sessions', () => {
    const store = new StaffSessionStore(60);
    expect(store.open({ staffId: '<script>' })).toHaveProperty('problem');
    expect(store.open(null)).toHaveProperty('problem');
    expect(store.staffOf('forged')).toBeUndefined();
    expect(store.staffOf(undefined)).toBeUndefined();
  });
});
