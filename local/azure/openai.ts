/**
 * The Azure OpenAI data plane: `POST /openai/deployments/{deployment}/chat/completions`.
 *
 * Two listeners share this handler. The "private" one stands for requests that reached the account through
 * its private endpoint; the "public" one for requests from the Internet, which the account refuses once
 * its `publicNetworkAccess` update to `Disabled` has completed. Which listener a probe reaches is the
 * network model's decision, not this module's.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { EmulatorContext } from '../cloud/context';
import { armKey, type ArmResource } from '../cloud/state';
import { COGNITIVE_SERVICES_AUDIENCE, type EntraIdEmulator } from './entra';
import { ArmStore } from './store';

export type OpenAiListener = 'private' | 'public';

export interface OpenAiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface OpenAiResponse {
  status: number;
  body: unknown;
}

/** Azure OpenAI's own error texts (the data plane answers `{"error":{"code","message"}}` with a numeric code). */
export const OPENAI_MESSAGES = {
  invalidKey:
    'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
  publicAccessDisabled: 'Public access is disabled. Please configure private endpoint.',
  firewall: 'Access denied due to Virtual Network/Firewall rules.',
  notFound: 'Resource not found',
  // microsoft/sample-app-aoai-chatGPT#1000: 403 AuthenticationTypeDisabled once disableLocalAuth is true.
  keyAuthDisabled: 'Key based authentication is disabled for this resource.',
  // FlowiseAI/Flowise#710: a token that is not the service's, or has expired, gets this text with 401.
  invalidToken: 'Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.',
  // Azure-Samples/azure-ai-studio-secure-bicep#17: a valid token whose principal holds no data-plane role.
  permissionDenied: 'Principal does not have access to API/Operation.',
} as const;

/** The built-in role whose data actions include chat completions; the emulated account checks for it. */
export const OPENAI_USER_ROLE = 'Cognitive Services OpenAI User';

function error(status: number, code: string, message: string): OpenAiResponse {
  return { status, body: { error: { code, message } } };
}

const CHAT_PATH = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/;

export class OpenAiDataPlane {
  private readonly store: ArmStore;

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly entra: EntraIdEmulator,
  ) {
    this.store = new ArmStore(ctx.state.azure, ctx.clock);
  }

  /** The account addressed by the Host header: `<customSubDomainName>.openai.azure.com` (or its privatelink name). */
  private accountFor(host: string | undefined): ArmResource | undefined {
    const name = String(host ?? '').replace(/:\d+$/, '').toLowerCase();
    const m = /^([a-z0-9-]+)\.(?:privatelink\.)?openai\.azure\.com$/.exec(name);
    if (!m) return undefined;
    return this.store
      .ofType('Microsoft.CognitiveServices/accounts')
      .find((a) => String(a.body.properties.customSubDomainName ?? '').toLowerCase() === m[1]);
  }

  /** True once the account's update to publicNetworkAccess=Disabled has completed on the clock. */
  private publicAccessBlocked(account: ArmResource): 'disabled' | 'firewall' | undefined {
    if (this.store.inProgress(account)) return undefined; // the previous settings still apply while it runs
    const props = account.body.properties;
    if (props.publicNetworkAccess === 'Disabled') return 'disabled';
    const acls = props.networkAcls;
    if (acls?.defaultAction === 'Deny' && !(acls.ipRules ?? []).length) return 'firewall';
    return undefined;
  }

  handle(listener: OpenAiListener, req: OpenAiRequest): OpenAiResponse {
    const account = this.accountFor(req.headers.host);
    if (!account) return error(404, '404', OPENAI_MESSAGES.notFound);
    const route = CHAT_PATH.exec(req.path);
    if (!route || !req.query.get('api-version')) return error(404, '404', OPENAI_MESSAGES.notFound);
    if (req.method.toUpperCase() !== 'POST') return error(405, '405', `The HTTP method '${req.method}' is not allowed for this route.`);

    // The network check comes first: a refused caller learns nothing about keys or deployments.
    if (listener === 'public') {
      const blocked = this.publicAccessBlocked(account);
      if (blocked === 'disabled') return error(403, '403', OPENAI_MESSAGES.publicAccessDisabled);
      if (blocked === 'firewall') return error(403, '403', OPENAI_MESSAGES.firewall);
    }

    const refused = this.authenticate(account, req.headers);
    if (refused) return refused;

    const deploymentName = decodeURIComponent(route[1]);
    const deployment = this.store.get(`${account.id}/deployments/${deploymentName}`);
    if (!deployment) {
      return error(
        404,
        'DeploymentNotFound',
        'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.',
      );
    }

    const body = (req.body ?? {}) as { messages?: { role?: string; content?: unknown }[] };
    if (!Array.isArray(body.messages) || !body.messages.length) {
      return error(400, 'BadRequest', "'messages' is a required property");
    }
    return { status: 200, body: this.completion(deployment, body.messages) };
  }

  /**
   * Key or Entra ID token. A key is refused outright once local auth is disabled, even a right one; a token
   * must be the data plane's audience, unexpired on the simulated clock, and its principal must hold the
   * OpenAI User role on this account.
   */
  private authenticate(account: ArmResource, headers: IncomingHttpHeaders): OpenAiResponse | undefined {
    const sentKey = headers['api-key'];
    if (sentKey !== undefined) {
      if (account.body.properties.disableLocalAuth === true) return error(403, 'AuthenticationTypeDisabled', OPENAI_MESSAGES.keyAuthDisabled);
      const keys = this.store.accountKeys(account.id);
      if (!keys || typeof sentKey !== 'string' || (sentKey !== keys.key1 && sentKey !== keys.key2)) return error(401, '401', OPENAI_MESSAGES.invalidKey);
      return undefined;
    }
    if (headers.authorization === undefined) return error(401, '401', OPENAI_MESSAGES.invalidKey);
    const check = this.entra.check(headers.authorization, [COGNITIVE_SERVICES_AUDIENCE]);
    if (!check.ok) return { status: 401, body: { statusCode: 401, message: OPENAI_MESSAGES.invalidToken } };
    const holders = this.ctx.state.azure.openAiUserRoles?.[armKey(account.id)] ?? [];
    if (!holders.includes(check.claims.oid)) return error(401, 'PermissionDenied', OPENAI_MESSAGES.permissionDenied);
    return undefined;
  }

  /** A chat.completion in the shape of the data-plane example, deterministic for the same input. */
  private completion(deployment: ArmResource, messages: { role?: string; content?: unknown }[]): unknown {
    const prompt = messages.map((m) => `${m.role}:${typeof m.content === 'string' ? m.content : JSON.stringify(m.content)}`).join('\n');
    const digest = createHash('sha256').update(prompt).digest('base64url');
    const content = `Hello from the emulated Azure OpenAI deployment ${deployment.name}, reached privately.`;
    const promptTokens = Math.max(1, Math.ceil(prompt.length / 4));
    const completionTokens = Math.ceil(content.length / 4);
    const model = deployment.body.properties.model?.name ?? deployment.name;
    return {
      id: `chatcmpl-${digest.slice(0, 29)}`,
      object: 'chat.completion',
      // Simulated seconds on a fixed epoch (2025-01-01), so the answer is the same on every run.
      created: 1735689600 + Math.floor(this.ctx.clock.now()),
      model,
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }],
      usage: { completion_tokens: completionTokens, prompt_tokens: promptTokens, total_tokens: completionTokens + promptTokens },
    };
  }
}
