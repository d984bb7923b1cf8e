import { type CanActivate, type ExecutionContext, Inject, Injectable, createParamDecorator } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Authenticator } from '@surge/auth/authenticator.service';
import type { Principal } from '@surge/auth/principal.model';

export const AUTHENTICATOR = Symbol('AUTHENTICATOR');

type AuthedRequest = FastifyRequest & { principal?: Principal };

/** Every route behind it gets a Principal or a 401; object-level checks happen in the services. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(@Inject(AUTHENTICATOR) private readonly authenticator: Authenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    // The HTTP edge (http-edge.hooks.ts) authenticates before the body is parsed; do not verify twice.
    if (request.principal) return true;
    const apiKey = request.headers['x-api-key'];
    request.principal = await this.authenticator.authenticate(request.headers.authorization, Array.isArray(apiKey) ? apiKey[0] : apiKey);
    return true;
  }
}

export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthedRequest>().principal;
  if (!principal) throw new Error('AuthGuard must run before CurrentPrincipal');
  return principal;
});
