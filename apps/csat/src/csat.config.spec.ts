import { ConfigError } from '@surge/config/config.loader';
import { loadCsatConfig } from './csat.config';

describe('loadCsatConfig', () => {
  it('defaults to port 3003 on loopback, group csat, everyone sampled, 30 days, 72 hours, category D', () => {
    expect(loadCsatConfig({ JWT_PUBLIC_KEY: 'pem' })).toMatchObject({
      HOST: '127.0.0.1',
      PORT: 3003,
      CSAT_KAFKA_GROUP_ID: 'csat',
      CSAT_SAMPLING_RATE: 1,
      CSAT_MIN_DAYS_BETWEEN_INVITATIONS: 30,
      CSAT_INVITATION_TTL_HOURS: 72,
      CSAT_DEFAULT_CATEGORY: 'D',
    });
  });

  it('refuses out-of-range rules, listing each', () => {
    try {
      loadCsatConfig({ JWT_PUBLIC_KEY: 'pem', CSAT_SAMPLING_RATE: '1.5', CSAT_MIN_DAYS_BETWEEN_INVITATIONS: '-1', CSAT_INVITATION_TTL_HOURS: '0', CSAT_DEFAULT_CATEGORY: 'E' });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems.join('\n');
      for (const f of ['CSAT_SAMPLING_RATE', 'CSAT_MIN_DAYS_BETWEEN_INVITATIONS', 'CSAT_INVITATION_TTL_HOURS', 'CSAT_DEFAULT_CATEGORY']) expect(problems).toContain(f);
    }
  });
});
