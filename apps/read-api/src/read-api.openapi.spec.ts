import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { ERROR_CODES } from '@surge/errors/error-codes';
import { MeterReadingsController } from './meter-readings.controller';
import { allErrorCodes, buildReadApiOpenApi } from './read-api.openapi';

describe('read API OpenAPI document', () => {
  const doc = buildReadApiOpenApi() as { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };

  it('lists every route the controller serves', () => {
    const proto = MeterReadingsController.prototype as unknown as Record<string, unknown>;
    const routes = Object.getOwnPropertyNames(proto)
      .filter((name) => name !== 'constructor' && Reflect.getMetadata(PATH_METADATA, proto[name] as object) !== undefined)
      .map((name) => {
        const path = `/${String(Reflect.getMetadata(PATH_METADATA, proto[name] as object))}`.replace(/:(\w+)/g, '{$1}');
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, proto[name] as object) as number]!.toLowerCase();
        return { path, method };
      });
    expect(routes.length).toBe(4);
    for (const { path, method } of routes) expect(doc.paths[path]?.[method]).toBeDefined();
  });

  it('lists every error code', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(allErrorCodes()).toContain(code);
    expect(allErrorCodes()).toContain('INVALID_MPAN');
    expect(allErrorCodes()).toContain('READ_AT_IN_FUTURE');
  });

  it('derives the request schema from the validating zod schema (unknown fields rejected)', () => {
    expect(doc.components.schemas.ReadingSubmission).toMatchObject({ type: 'object', additionalProperties: false });
  });
});
