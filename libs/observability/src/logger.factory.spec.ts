import { Writable } from 'node:stream';
import { createLogger, withCorrelationId } from './logger.factory';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes one JSON object a line with service, level name, ISO time and msg', () => {
    const out = capture();
    createLogger('read-api', 'info', out.stream).info({ topic: 'meter-readings.v1' }, 'produced');
    const [line] = out.lines();
    expect(line).toMatchObject({ service: 'read-api', level: 'info', msg: 'produced', topic: 'meter-readings.v1' });
    expect(typeof line!.time).toBe('string');
    expect(new Date(line!.time as string).toISOString()).toBe(line!.time);
  });

  it('honours the level', () => {
    const out = capture();
    const logger = createLogger('read-sink', 'warn', out.stream);
    logger.info('dropped');
    logger.warn('kept');
    expect(out.lines().map((l) => l.msg)).toEqual(['kept']);
  });

  it('adds correlationId to every line of a child logger, leaving the parent alone', () => {
    const out = capture();
    const logger = createLogger('read-api', 'info', out.stream);
    const child = withCorrelationId(logger, 'c0ffee');
    child.info('accepted');
    child.error({ err: new Error('boom') }, 'failed');
    logger.info('unrelated');
    const [a, b, c] = out.lines();
    expect(a).toMatchObject({ correlationId: 'c0ffee', msg: 'accepted', service: 'read-api' });
    expect(b).toMatchObject({ correlationId: 'c0ffee', level: 'error' });
    expect(c!.correlationId).toBeUndefined();
  });

  it('redacts credentials', () => {
    const out = capture();
    createLogger('billing', 'info', out.stream).info(
      { req: { headers: { authorization: 'Bearer secret', cookie: 'x' } }, config: { DATABASE_URL: 'postgres://u:p@h/db' } },
      'request',
    );
    const text = JSON.stringify(out.lines()[0]);
    expect(text).not.toContain('secret');
    expect(text).not.toContain('u:p@');
    expect(text).toContain('[redacted]');
  });
});
