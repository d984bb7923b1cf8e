import { z } from 'zod';
import { ConfigError, loadConfig } from './config.loader';
import { brokers, port } from './config.fields';

describe('loadConfig', () => {
  const schema = z.object({ PORT: port(3000), KAFKA_BROKERS: brokers, NAME: z.string().min(1) });

  it('applies defaults and coerces types', () => {
    expect(loadConfig(schema, { NAME: 'x' })).toEqual({ PORT: 3000, KAFKA_BROKERS: ['127.0.0.1:9092'], NAME: 'x' });
  });

  it('lists every problem at once', () => {
    try {
      loadConfig(schema, { PORT: 'abc', KAFKA_BROKERS: 'nohostport' });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems.join('\n');
      expect(problems).toMatch(/PORT/);
      expect(problems).toMatch(/KAFKA_BROKERS/);
      expect(problems).toMatch(/NAME/);
    }
  });
});
