/**
 * The emulated Azure endpoints on 127.0.0.1: Entra ID (entra.ts), Azure Resource Manager and the Azure OpenAI
 * data plane, over TLS with a CA generated at start (tls.ts). ARM accepts only Entra ID tokens of its own
 * audience, unexpired on the simulated clock.
 *
 * The real ClientSecretCredential reaches the emulated Entra ID with `authorityHost` (https://127.0.0.1:PORT),
 * `disableInstanceDiscovery: true` (instance discovery would ask login.microsoftonline.com about the host) and
 * `tlsOptions: { ca }`: @azure/identity builds MSAL's network client (IdentityClient) as a core-client
 * ServiceClient from the credential's options, so the same TLS policy as ARM's applies.
 *
 * How an Azure SDK client trusts that CA without touching the product's pipeline policies
 * (checked in node_modules, @azure/core-rest-pipeline 1.24 / @azure/core-client 1.10 / @typespec/ts-http-runtime):
 *
 *   new ResourceManagementClient(credential, subscriptionId, {
 *     endpoint,                                           // https://127.0.0.1:PORT from startAzureEmulator
 *     credentialScopes: 'https://management.azure.com/.default',
 *     tlsOptions: { ca: caPem },
 *   });
 *
 * `tlsOptions` is part of `PipelineOptions` (core-rest-pipeline `createPipelineFromOptions.d.ts`), which every
 * `ServiceClientOptions` extends; when set, `createPipelineFromOptions` adds `tlsPolicy(tlsOptions)`, which
 * stamps `request.tlsSettings`, and the Node HTTP client builds (and caches) an `https.Agent` with those
 * settings. `ca` REPLACES the default trust store for that client (TlsSettings doc), which is what local mode
 * wants: the client can reach nothing but the emulator. The bearer-token policy stays in place and is
 * satisfied because the endpoint is https. Alternatives: the `agent` option (an `https.Agent({ ca })`), or
 * `NODE_EXTRA_CA_CERTS` set before the process starts (it cannot be changed afterwards).
 *
 * For plain node:https (the OpenAI data plane), pass `ca: caPem` in the request options and `servername`
 * / `Host` as `<subdomain>.openai.azure.com`; the certificate names that host.
 */
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmulatorContext } from '../cloud/context';
import { armKey } from '../cloud/state';
import { ArmEmulator } from './arm';
import { ARM_AUDIENCES, DEFAULT_DIRECTORY, EntraIdEmulator } from './entra';
import { OpenAiDataPlane, type OpenAiListener } from './openai';
import { createLocalTls, type LocalTls } from './tls';

export type { LocalTls } from './tls';

export interface AzureEmulator {
  /** ARM endpoint, `https://127.0.0.1:PORT`. */
  endpoint: string;
  /** The CA clients must trust for every listener. */
  caPem: string;
  /** The emulated Entra ID, `https://127.0.0.1:PORT`, for AZURE_AUTHORITY_HOST. */
  authorityHost: string;
  /** Data-plane TLS listeners on 127.0.0.1: `privatePort` for calls through the private endpoint, `publicPort` for calls from the Internet. */
  openAi: { privatePort: number; publicPort: number };
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

class RequestBodyError extends Error {
  override name = 'RequestBodyError';
}

function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text.trim()) return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new RequestBodyError('The request content was not valid JSON.'));
      }
    });
  });
}

/** Splits `//subscriptions/...?api-version=x` by hand: `new URL` would read a leading `//` as a host. */
function splitUrl(url: string | undefined): { path: string; query: URLSearchParams } {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return { path: q < 0 ? raw : raw.slice(0, q), query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

function sendJson(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  const payload = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    ...(payload ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
    'Content-Length': Buffer.byteLength(payload),
    'x-ms-request-id': headers['x-ms-request-id'] ?? `local-${Date.now().toString(36)}`,
  });
  res.end(payload);
}

function listen(server: https.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: https.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections(); // keep-alive agents in the SDK would otherwise hold it open
  });
}

/**
 * What ARM answers before routing: the bearer token (Entra ID, management audience, not expired on the
 * simulated clock), and listKeys on an account whose local auth is disabled. Undefined: go on.
 */
function armGate(ctx: EmulatorContext, entra: EntraIdEmulator, method: string, path: string, authorization: string | string[] | undefined) {
  const challenge = (description: string) => ({
    'WWW-Authenticate': `Bearer authorization_uri="${entra.authorityHost}/${(ctx.state.azure.directory ?? DEFAULT_DIRECTORY).tenantId}", error="invalid_token", error_description="${description}"`,
  });
  const check = entra.check(authorization, ARM_AUDIENCES);
  if (!check.ok) {
    switch (check.reason) {
      case 'missing':
        return { status: 401, headers: challenge('The authentication failed because of missing Authorization header.'), body: { error: { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing." } } };
      case 'audience':
        return {
          status: 401,
          headers: challenge('The access token has been obtained for wrong audience.'),
          body: {
            error: {
              code: 'InvalidAuthenticationTokenAudience',
              message: `The access token has been obtained for wrong audience or resource '${check.claims?.aud}'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.`,
            },
          },
        };
      case 'expired':
        return {
          status: 401,
          headers: challenge('The access token expiry UTC time is earlier than current UTC time.'),
          body: {
            error: {
              code: 'ExpiredAuthenticationToken',
              message: `The access token expiry UTC time '${new Date((check.claims?.exp ?? 0) * 1000).toUTCString()}' is earlier than current UTC time '${entra.nowUtc().toUTCString()}'.`,
            },
          },
        };
      default:
        return { status: 401, headers: challenge('The access token is invalid.'), body: { error: { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' } } };
    }
  }
  const listKeys = /^(.*\/providers\/Microsoft\.CognitiveServices\/accounts\/[^/]+)\/listKeys$/i.exec(path);
  if (method.toUpperCase() === 'POST' && listKeys) {
    const account = ctx.state.azure.resources[armKey(listKeys[1])];
    if (account?.body.properties.disableLocalAuth === true) {
      // Azure/terraform-azurerm-avm-res-cognitiveservices-account#130: 400 BadRequest, never the keys.
      return { status: 400, headers: {}, body: { error: { code: 'BadRequest', message: 'Failed to list key. disableLocalAuth is set to be true' } } };
    }
  }
  return undefined;
}

/** Starts Entra ID, ARM and the two OpenAI data-plane listeners; all on 127.0.0.1 with ephemeral ports. */
export async function startAzureEmulator(ctx: EmulatorContext, tls?: LocalTls): Promise<AzureEmulator> {
  const material = tls ?? (await createLocalTls());
  const options = { cert: material.certPem, key: material.keyPem };

  const entra = new EntraIdEmulator(ctx);
  const entraServer = https.createServer(options, (req, res) => {
    void ctx.clock.hold(async () => {
      const { path } = splitUrl(req.url);
      const form = new URLSearchParams(await readText(req));
      const answer = entra.handle(req.method ?? 'GET', path, form);
      sendJson(res, answer.status, { 'Cache-Control': 'no-store' }, answer.body);
    }).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, {}, { error: 'server_error', error_description: String(err) });
    });
  });
  const entraPort = await listen(entraServer);
  entra.authorityHost = `https://${LOOPBACK}:${entraPort}`;

  let arm: ArmEmulator | undefined;
  const armServer = https.createServer(options, (req, res) => {
    void ctx.clock.hold(async () => {
      const { path, query } = splitUrl(req.url);
      let body: unknown;
      try {
        body = await readBody(req);
      } catch (err) {
        if (!(err instanceof RequestBodyError)) throw err;
        return sendJson(res, 400, {}, { error: { code: 'InvalidRequestContent', message: err.message } });
      }
      const refused = armGate(ctx, entra, req.method ?? 'GET', path.replace(/^\/+/, '/'), req.headers.authorization);
      if (refused) return sendJson(res, refused.status, refused.headers, refused.body);
      // ARM reads a body only as JSON: one sent without that media type is refused before it is looked at.
      const mediaType = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (body !== undefined && mediaType !== 'application/json') {
        const shown = mediaType || '<null>';
        return sendJson(res, 415, {}, { error: { code: 'UnsupportedMediaType', message: `The content media type '${shown}' is not supported. Only 'application/json' is supported.` } });
      }
      const answer = arm!.handle({ method: req.method ?? 'GET', path, query, headers: req.headers, body });
      if (answer.dropConnection) {
        // The write is committed; the caller never hears so (drop-response fault).
        req.socket.destroy();
        return;
      }
      sendJson(res, answer.status, answer.headers, answer.body);
    }).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, {}, { error: { code: 'InternalServerError', message: String(err) } });
    });
  });
  const armPort = await listen(armServer);
  const endpoint = `https://${LOOPBACK}:${armPort}`;
  arm = new ArmEmulator(ctx, endpoint);

  const dataPlane = new OpenAiDataPlane(ctx, entra);
  const openAiServer = (listener: OpenAiListener) =>
    https.createServer(options, (req, res) => {
      void ctx.clock.hold(async () => {
        const { path, query } = splitUrl(req.url);
        let body: unknown;
        try {
          body = await readBody(req);
        } catch (err) {
          if (!(err instanceof RequestBodyError)) throw err;
          return sendJson(res, 400, {}, { error: { code: 'BadRequest', message: err.message } });
        }
        const answer = dataPlane.handle(listener, { method: req.method ?? 'GET', path, query, headers: req.headers, body });
        sendJson(res, answer.status, {}, answer.body);
      }).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, {}, { error: { code: '500', message: String(err) } });
      });
    });
  const privateServer = openAiServer('private');
  const publicServer = openAiServer('public');
  const [privatePort, publicPort] = [await listen(privateServer), await listen(publicServer)];

  return {
    endpoint,
    caPem: material.caPem,
    authorityHost: entra.authorityHost,
    openAi: { privatePort, publicPort },
    async close() {
      await Promise.all([closeServer(entraServer), closeServer(armServer), closeServer(privateServer), closeServer(publicServer)]);
    },
  };
}
