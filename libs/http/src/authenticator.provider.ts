import type { Provider } from '@nestjs/common';
import { Authenticator, parseApiKeys } from '@surge/auth/authenticator.service';
import { AUTHENTICATOR } from './auth.guard';

export interface AuthConfig {
  readonly JWT_PUBLIC_KEY: string;
  readonly JWT_ALGORITHM: 'ES256' | 'RS256' | 'EdDSA';
  readonly JWT_ISSUER: string;
  readonly JWT_AUDIENCE: string;
  readonly API_KEYS: string;
  readonly JWT_MAX_TOKEN_AGE_SECONDS: number;
}

/** The one way an app builds its Authenticator from its validated config. */
export const authenticatorProvider = (config: AuthConfig): Provider => ({
  provide: AUTHENTICATOR,
  useFactory: () =>
    Authenticator.create({
      jwtPublicKeyPem: config.JWT_PUBLIC_KEY,
      jwtAlgorithm: config.JWT_ALGORITHM,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      apiKeys: parseApiKeys(config.API_KEYS),
      maxTokenAgeSeconds: config.JWT_MAX_TOKEN_AGE_SECONDS,
    }),
});
