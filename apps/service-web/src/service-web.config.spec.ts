import { ConfigError } from '@surge/config/config.loader';
import { loadServiceWebConfig } from './service-web.config';

describe('service-web config', () => {
  it('serves on 3007 in front of the timeline on 3006, without the dev sign-in by default', () => {
    expect(loadServiceWebConfig({})).toMatchObject({ PORT: 3007, TIMELINE_URL: 'http://127.0.0.1:3006', SERVICE_WEB_DEV_SIGN_IN: false });
  });

  it('takes the staff dev sign-in in development, local or test, with the staff key', () => {
    for (const env of [{ NODE_ENV: 'development' }, { ENV: 'local' }, { NODE_ENV: 'test' }]) {
      expect(loadServiceWebConfig({ ...env, SERVICE_WEB_DEV_SIGN_IN: 'true', SERVICE_WEB_DEV_STAFF_KEY: 'k' }).SERVICE_WEB_DEV_SIGN_IN).toBe(true);
    }
  });

  it('refuses to start with the dev sign-in anywhere else, or without the key', () => {
    for (const env of [{}, { NODE_ENV: 'production' }, { ENV: 'staging' }, { NODE_ENV: 'test', ENV: 'production' }]) {
      expect(() => loadServiceWebConfig({ ...env, SERVICE_WEB_DEV_SIGN_IN: 'true', SERVICE_WEB_DEV_STAFF_KEY: 'k' })).toThrow(/only for local use/);
    }
    expect(() => loadServiceWebConfig({ NODE_ENV: 'development', SERVICE_WEB_DEV_SIGN_IN: 'true' })).toThrow(ConfigError);
  });
});
