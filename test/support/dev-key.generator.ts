import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';

/** A fresh ES256 key pair as PEM, for tests and the local demo. Never used in production. */
export async function generateDevKeyPair(): Promise<{ publicKeyPem: string; privateKeyPem: string }> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { publicKeyPem: await exportSPKI(publicKey), privateKeyPem: await exportPKCS8(privateKey) };
}
