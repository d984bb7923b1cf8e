/** The issuer and audience of locally issued development tokens (never production's). */
export const DEV_ISSUER = 'https://id.surge.local';
export const DEV_AUDIENCE = 'surge-api';
