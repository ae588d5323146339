import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type KeyLike } from 'jose';

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyLike;
  jwk: JWK;
}

/** A key pair generated here, as an identity provider holds one. */
export async function newSigningKey(alg: 'RS256' | 'ES256', kid: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** Signs `claims` (expiring in five minutes unless `exp` is given) with `key`. */
export function signWith(key: SigningKey, claims: JWTPayload): Promise<string> {
  return new SignJWT({ exp: Math.floor(Date.now() / 1000) + 300, ...claims }).setProtectedHeader({ alg: key.alg, kid: key.kid }).sign(key.privateKey);
}

/**
 * An identity provider's JWKS endpoint on a local port: serves the public
 * halves of `published`, counts fetches, and can hold its answers back
 * (a slow provider).
 */
export class JwksServer {
  published: SigningKey[] = [];
  fetches = 0;
  delayMs = 0;
  private constructor(private readonly server: Server) {}

  static async start(published: SigningKey[]): Promise<JwksServer> {
    const jwks = new JwksServer(createServer((_request, response) => jwks.answer(response)));
    jwks.published = published;
    await new Promise<void>((resolve) => jwks.server.listen(0, '127.0.0.1', resolve));
    return jwks;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/jwks.json`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(response: import('node:http').ServerResponse): void {
    this.fetches += 1;
    const body = JSON.stringify({ keys: this.published.map((key) => key.jwk) });
    setTimeout(() => response.writeHead(200, { 'content-type': 'application/json' }).end(body), this.delayMs);
  }
}
