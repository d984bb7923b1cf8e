import { BadRequestException, NotFoundException } from '@nestjs/common';
import { unavailable, validationError } from '@surge/errors/app.error';
import { toResponse } from './app-error.filter';

describe('toResponse: the one error-to-HTTP mapping', () => {
  it('maps AppErrors by kind with their stable code, issues and Retry-After', () => {
    expect(toResponse(validationError('INVALID_MPAN', 'bad', [{ code: 'INVALID_MPAN', field: 'supplyPointId', message: 'bad' }]))).toEqual({
      status: 400,
      body: { error: { code: 'INVALID_MPAN', message: 'bad', issues: [{ code: 'INVALID_MPAN', field: 'supplyPointId', message: 'bad' }] } },
    });
    expect(toResponse(unavailable('INGEST_UNAVAILABLE', 'retry'))).toMatchObject({ status: 503, retryAfter: 5 });
  });

  it('turns malformed JSON into a 400 MALFORMED_JSON, never a 500', () => {
    expect(toResponse(new BadRequestException("Body is not valid JSON but content-type is set to 'application/json'")).body.error.code).toBe('MALFORMED_JSON');
    expect(toResponse({ statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY', message: 'x' }).body.error.code).toBe('MALFORMED_JSON');
    expect(toResponse({ statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE', message: 'x' })).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
  });

  it('unknown routes are 404 NOT_FOUND; anything unexpected is a generic 500', () => {
    expect(toResponse(new NotFoundException()).body.error.code).toBe('NOT_FOUND');
    expect(toResponse(new Error('boom'))).toMatchObject({ status: 500, body: { error: { code: 'INTERNAL_ERROR' } } });
  });

  it('a store down or unreachable (socket errors, PostgreSQL shutting down, a dropped connection) is 503 with Retry-After, not 500', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const adminShutdown = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    const terminated = new Error('Connection terminated unexpectedly');
    const wrapped = new Error('query failed', { cause: refused });
    for (const e of [refused, adminShutdown, terminated, wrapped, new AggregateError([refused], '')]) {
      expect(toResponse(e)).toMatchObject({ status: 503, retryAfter: 5, body: { error: { code: 'DEPENDENCY_UNAVAILABLE' } } });
    }
    // A bug that merely mentions a connection is still a bug.
    expect(toResponse(new TypeError('cannot read properties of undefined (reading "connection")')).status).toBe(500);
    expect(toResponse(Object.assign(new Error('duplicate key'), { code: '23505' })).status).toBe(500);
  });

  it('a store that does not answer in time (@clickhouse/client request_timeout) is 503 with Retry-After, not 500 (GET /v1/csat with ClickHouse frozen)', () => {
    expect(toResponse(new Error('Timeout error.'))).toMatchObject({ status: 503, retryAfter: 5, body: { error: { code: 'DEPENDENCY_UNAVAILABLE' } } });
    expect(toResponse(new Error('Invalid timeout error in the period')).status).toBe(500);
  });
});

