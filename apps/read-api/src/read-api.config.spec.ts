import { ConfigError } from '@surge/config/config.loader';
import { loadReadApiConfig } from './read-api.config';

const base = { JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----' };

describe('loadReadApiConfig: criticality shedding', () => {
  it('sheds collector batches at 15 ms of queueing delay and customers at 100 ms by default', () => {
    const c = loadReadApiConfig(base);
    expect(c.MAX_QUEUE_DELAY_MS).toBe(100);
    expect(c.SHEDDABLE_MAX_QUEUE_DELAY_MS).toBe(15);
    expect(c.SHEDDABLE_MAX_IN_FLIGHT_REQUESTS).toBe(32);
    expect(c.SHEDDABLE_MAX_LOOP_UTILIZATION).toBe(0.7);
  });

  it('refuses to start with batches shed after customers, naming the setting', () => {
    expect(() => loadReadApiConfig({ ...base, MAX_QUEUE_DELAY_MS: '20', SHEDDABLE_MAX_QUEUE_DELAY_MS: '30' })).toThrow(ConfigError);
    expect(() => loadReadApiConfig({ ...base, MAX_QUEUE_DELAY_MS: '20', SHEDDABLE_MAX_QUEUE_DELAY_MS: '30' })).toThrow(
      /SHEDDABLE_MAX_QUEUE_DELAY_MS: must not exceed MAX_QUEUE_DELAY_MS \(20\)/,
    );
  });

  it('starts with queue-delay shedding turned off (MAX_QUEUE_DELAY_MS=0, as bench:read-api does)', () => {
    expect(loadReadApiConfig({ ...base, MAX_QUEUE_DELAY_MS: '0' }).MAX_QUEUE_DELAY_MS).toBe(0);
  });
});
