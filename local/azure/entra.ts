/**
 * The emulated Microsoft Entra ID: the endpoints @azure/identity's ClientSecretCredential (MSAL) calls for the
 * client-credentials flow, and the checks ARM and the OpenAI data plane make on the tokens it issues.
 *
 * - GET  /{tenant}/v2.0/.well-known/openid-configuration  (MSAL's endpoint discovery; the issuer must be this host)
 * - GET  /common/discovery/instance                        (instance discovery, if a client asks for it)
 * - GET  /{tenant}/discovery/v2.0/keys                     (the signing key, as a JWK set)
 * - POST /{tenant}/oauth2/v2.0/token                       (grant_type=client_credentials, scope=<resource>/.default)
 *
 * Tokens are RS256 JWTs whose `aud` is the scope's resource and whose `iat`/`nbf`/`exp` are on the simulated
 * clock, so a token outlives a real run of seconds but not a simulated hour. Errors use Entra's OAuth shape
 * (`error`, `error_description` with its AADSTS code, `error_codes`).
 */
import { createPublicKey, createSign, createVerify, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import type { EmulatorContext } from '../cloud/context';
import type { AzureDirectory } from '../cloud/state';
import { SIMULATED_EPOCH_MS } from '../aws/ids';

/** The service principal local mode seeds in Secrets Manager; the emulated directory knows it by default. */
export const LOCAL_SERVICE_PRINCIPAL = {
  tenantId: '00000000-0000-0000-0000-00000000000a',
  clientId: '00000000-0000-0000-0000-00000000000b',
  clientSecret: 'local-mode-dummy-client-secret',
  objectId: '00000000-0000-0000-0000-00000000000c',
} as const;

export const DEFAULT_DIRECTORY: AzureDirectory = {
  tenantId: LOCAL_SERVICE_PRINCIPAL.tenantId,
  servicePrincipals: [
    { clientId: LOCAL_SERVICE_PRINCIPAL.clientId, clientSecret: LOCAL_SERVICE_PRINCIPAL.clientSecret, objectId: LOCAL_SERVICE_PRINCIPAL.objectId },
  ],
};

/** Resources (token audiences) the emulated directory issues tokens for. */
export const ARM_AUDIENCES = ['https://management.azure.com', 'https://management.core.windows.net'];
export const COGNITIVE_SERVICES_AUDIENCE = 'https://cognitiveservices.azure.com';
const KNOWN_RESOURCES = [...ARM_AUDIENCES, COGNITIVE_SERVICES_AUDIENCE];

/** Entra ID's default access-token lifetime is a random 60-90 minutes; the emulator takes the short end. */
export const TOKEN_LIFETIME_SECONDS = 3599;

export interface TokenClaims {
  aud: string;
  iss: string;
  tid: string;
  oid: string;
  appid: string;
  sub: string;
  iat: number;
  nbf: number;
  exp: number;
}

export type TokenCheck =
  | { ok: true; claims: TokenClaims }
  | { ok: false; reason: 'missing' | 'invalid' | 'audience' | 'expired'; claims?: TokenClaims };

export interface EntraAnswer {
  status: number;
  body: unknown;
}

let signingKey: { privateKey: KeyObject; publicKey: KeyObject; kid: string } | undefined;

/** One RSA key per process (generation takes a moment; every emulator started in the process shares it). */
function key() {
  if (!signingKey) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    signingKey = { privateKey, publicKey, kid: randomUUID().replace(/-/g, '').slice(0, 27) };
  }
  return signingKey;
}

const b64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

function oauthError(status: number, error: string, aadsts: number, description: string): EntraAnswer {
  const traceId = randomUUID();
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${aadsts}: ${description} Trace ID: ${traceId} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString()}`,
      error_codes: [aadsts],
      trace_id: traceId,
    },
  };
}

export class EntraIdEmulator {
  /** `https://127.0.0.1:PORT`, set once the listener is up. */
  authorityHost = '';

  constructor(private readonly ctx: EmulatorContext) {}

  private get directory(): AzureDirectory {
    return this.ctx.state.azure.directory ?? DEFAULT_DIRECTORY;
  }

  /** Simulated epoch seconds: what `iat`/`exp` are measured in. */
  private epochSeconds(): number {
    return Math.floor(SIMULATED_EPOCH_MS / 1000 + this.ctx.clock.now());
  }

  handle(method: string, path: string, form: URLSearchParams): EntraAnswer {
    const segments = path.split('/').filter(Boolean);
    const tenant = segments[0] ?? '';
    const rest = segments.slice(1).join('/');
    if (method === 'GET' && tenant === 'common' && rest === 'discovery/instance') {
      const host = new URL(this.authorityHost).host;
      return {
        status: 200,
        body: {
          tenant_discovery_endpoint: `${this.authorityHost}/${tenant}/v2.0/.well-known/openid-configuration`,
          'api-version': '1.1',
          metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
        },
      };
    }
    if (tenant.toLowerCase() !== this.directory.tenantId.toLowerCase()) {
      return oauthError(400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    }
    const base = `${this.authorityHost}/${tenant}`;
    if (method === 'GET' && rest === 'v2.0/.well-known/openid-configuration') {
      return {
        status: 200,
        body: {
          issuer: `${base}/v2.0`,
          token_endpoint: `${base}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`,
          jwks_uri: `${base}/discovery/v2.0/keys`,
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          id_token_signing_alg_values_supported: ['RS256'],
          tenant_region_scope: 'AS',
        },
      };
    }
    if (method === 'GET' && rest === 'discovery/v2.0/keys') {
      const jwk = createPublicKey(key().publicKey).export({ format: 'jwk' });
      return { status: 200, body: { keys: [{ kty: 'RSA', use: 'sig', kid: key().kid, n: jwk.n, e: jwk.e }] } };
    }
    if (method === 'POST' && rest === 'oauth2/v2.0/token') return this.token(tenant, form);
    return { status: 404, body: { error: 'not_found', error_description: `No such endpoint: ${method} ${path}` } };
  }

  private token(tenant: string, form: URLSearchParams): EntraAnswer {
    if (form.get('grant_type') !== 'client_credentials') {
      return oauthError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    }
    const clientId = form.get('client_id') ?? '';
    const principal = this.directory.servicePrincipals.find((p) => p.clientId.toLowerCase() === clientId.toLowerCase());
    if (!principal) {
      return oauthError(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`,
      );
    }
    if (form.get('client_secret') !== principal.clientSecret) {
      return oauthError(401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.');
    }
    const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
    const resourceScopes = scopes.filter((s) => !['openid', 'profile', 'offline_access'].includes(s));
    if (resourceScopes.length !== 1 || !resourceScopes[0].endsWith('/.default')) {
      return oauthError(400, 'invalid_scope', 1002012, `The provided value for scope ${resourceScopes.join(' ')} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    }
    const resource = resourceScopes[0].slice(0, -'/.default'.length).replace(/\/+$/, '');
    if (!KNOWN_RESOURCES.includes(resource)) {
      return oauthError(400, 'invalid_resource', 500011, `The resource principal named ${resource} was not found in the tenant named ${tenant}.`);
    }
    const now = this.epochSeconds();
    const claims: TokenClaims = {
      aud: resource,
      iss: `https://sts.windows.net/${this.directory.tenantId}/`,
      tid: this.directory.tenantId,
      oid: principal.objectId,
      appid: principal.clientId,
      sub: principal.objectId,
      iat: now,
      nbf: now,
      exp: now + TOKEN_LIFETIME_SECONDS,
    };
    return {
      status: 200,
      body: { token_type: 'Bearer', expires_in: TOKEN_LIFETIME_SECONDS, ext_expires_in: TOKEN_LIFETIME_SECONDS, access_token: this.sign(claims) },
    };
  }

  private sign(claims: TokenClaims): string {
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid: key().kid }));
    const payload = b64url(JSON.stringify(claims));
    const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(key().privateKey);
    return `${header}.${payload}.${b64url(signature)}`;
  }

  /** Checks an `Authorization: Bearer` header: signature, tenant, audience (one of `audiences`), and time on the simulated clock. */
  check(authorization: string | string[] | undefined, audiences: string[]): TokenCheck {
    const header = Array.isArray(authorization) ? authorization[0] : authorization;
    if (!header) return { ok: false, reason: 'missing' };
    const match = /^Bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(header.trim());
    if (!match) return { ok: false, reason: 'invalid' };
    const [, h, p, s] = match;
    const valid = createVerify('RSA-SHA256').update(`${h}.${p}`).verify(key().publicKey, Buffer.from(s, 'base64url'));
    if (!valid) return { ok: false, reason: 'invalid' };
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return { ok: false, reason: 'invalid' };
    }
    if (claims.tid !== this.directory.tenantId) return { ok: false, reason: 'invalid', claims };
    const audience = String(claims.aud).replace(/\/+$/, '');
    if (!audiences.includes(audience)) return { ok: false, reason: 'audience', claims };
    const now = this.epochSeconds();
    if (now >= claims.exp || now < claims.nbf) return { ok: false, reason: 'expired', claims };
    return { ok: true, claims };
  }

  /** Now on the simulated clock as a UTC date, for error texts that compare times. */
  nowUtc(): Date {
    return new Date(this.epochSeconds() * 1000);
  }
}
