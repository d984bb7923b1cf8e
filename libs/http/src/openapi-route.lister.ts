import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';

export interface DeclaredRoute {
  readonly method: string;
  /** OpenAPI form: '/v1/bill-runs/{runId}'. */
  readonly path: string;
}

const join = (...parts: string[]): string => `/${parts.map((p) => p.replace(/^\/+|\/+$/g, '')).filter((p) => p !== '').join('/')}`;
const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : [v === undefined ? '' : String(v)]);

/**
 * Every route the given controllers declare (Nest's own routing metadata: the
 * controller's path joined with each handler's), in OpenAPI path form. The
 * per-app OpenAPI tests pass the app module's controllers, so a route added
 * to a controller and not to the document fails the test.
 */
export function declaredRoutes(controllers: readonly Type<unknown>[]): DeclaredRoute[] {
  const routes: DeclaredRoute[] = [];
  for (const controller of controllers) {
    const bases = asList(Reflect.getMetadata(PATH_METADATA, controller));
    const proto = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor') continue;
      const handler = proto[name];
      if (typeof handler !== 'function') continue;
      const paths = Reflect.getMetadata(PATH_METADATA, handler) as unknown;
      if (paths === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number]!.toLowerCase();
      for (const base of bases) for (const p of asList(paths)) routes.push({ method, path: join(base, p).replace(/:(\w+)/g, '{$1}') });
    }
  }
  return routes;
}

/** The declared routes the document does not describe ('get /v1/x'). */
export function undocumentedRoutes(doc: Record<string, unknown>, controllers: readonly Type<unknown>[]): string[] {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, unknown>>;
  return declaredRoutes(controllers)
    .filter((r) => paths[r.path]?.[r.method] === undefined)
    .map((r) => `${r.method} ${r.path}`);
}
