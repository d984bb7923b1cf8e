import { AppError, rateLimited, unavailable } from './app.error';
import { ERROR_CODES, RETRY_AFTER_SECONDS, httpStatusOf, retryAfterOf } from './error-codes.catalog';

describe('the error catalogue decides status and Retry-After', () => {
  it('every retriable code in the catalogue has the status of its kind and a Retry-After', () => {
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      if (entry.status === httpStatusOf('unavailable')) expect([code, retryAfterOf(code)]).toEqual([code, RETRY_AFTER_SECONDS.dependencyDown]);
    }
    expect(ERROR_CODES.RATE_LIMITED.status).toBe(httpStatusOf('rate_limited'));
  });

  it('unavailable() takes the code\'s Retry-After unless the caller names a shorter situation', () => {
    expect(unavailable('DEPENDENCY_UNAVAILABLE', 'down').details.retryAfterSeconds).toBe(5);
    expect(unavailable('INGEST_UNAVAILABLE', 'closing', { retryAfterSeconds: RETRY_AFTER_SECONDS.busy }).details.retryAfterSeconds).toBe(1);
    expect(unavailable('INGEST_UNAVAILABLE', 'full', { retryAfterSeconds: RETRY_AFTER_SECONDS.overloaded }).details.retryAfterSeconds).toBe(2);
    const cause = new Error('socket');
    expect(unavailable('DEPENDENCY_UNAVAILABLE', 'down', { cause }).details.cause).toBe(cause);
  });

  it('retriable errors are the 503s and 429s', () => {
    expect(unavailable('DEPENDENCY_UNAVAILABLE', 'down').retriable).toBe(true);
    expect(rateLimited('slow down', 30).retriable).toBe(true);
    expect(new AppError('validation', 'VALIDATION_FAILED', 'bad').retriable).toBe(false);
  });
});
