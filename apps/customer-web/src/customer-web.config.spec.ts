import { ConfigError } from '@surge/config/config.loader';
import { loadCustomerWebConfig } from './customer-web.config';

describe('customer-web config', () => {
  const key = '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----';

  it('serves without the dev sign-in by default', () => {
    expect(loadCustomerWebConfig({})).toMatchObject({ PORT: 3004, CUSTOMER_WEB_DEV_SIGN_IN: false });
  });

  it('takes the dev sign-in in development, local or test', () => {
    for (const env of [{ NODE_ENV: 'development' }, { ENV: 'local' }, { NODE_ENV: 'test', ENV: 'local' }]) {
      expect(loadCustomerWebConfig({ ...env, CUSTOMER_WEB_DEV_SIGN_IN: 'true', JWT_PRIVATE_KEY: key }).CUSTOMER_WEB_DEV_SIGN_IN).toBe(true);
    }
  });

  it('refuses to start with the dev sign-in anywhere else', () => {
    for (const env of [{}, { NODE_ENV: 'production' }, { ENV: 'staging' }, { NODE_ENV: 'development', ENV: 'production' }]) {
      expect(() => loadCustomerWebConfig({ ...env, CUSTOMER_WEB_DEV_SIGN_IN: 'true', JWT_PRIVATE_KEY: key })).toThrow(/only for local use/);
    }
  });

  it('refuses the dev sign-in without a private key', () => {
    expect(() => loadCustomerWebConfig({ NODE_ENV: 'development', CUSTOMER_WEB_DEV_SIGN_IN: 'true' })).toThrow(ConfigError);
  });
});
