/**
 * The emulated Entra ID through the real ClientSecretCredential (@azure/identity / MSAL), and what ARM and the
 * OpenAI data plane accept from it: the audience, the expiry on the simulated clock, the data-plane role, and
 * an account with local (key) auth disabled.
 */
import { readFileSync } from 'node:fs';
import { readWorld, type World } from '../../local/cloud/world';
import * as https from 'node:https';
import { LOCAL_SERVICE_PRINCIPAL, TOKEN_LIFETIME_SECONDS } from '../../local/azure/entra';
import { officialExamplePath } from '../support/official-examples';
import { ACCOUNT, COGNITIVE_API, emulatorCredential, rawRequest, startTestAzure, VNET, NETWORK_API, type TestAzure } from './support';

const HOST = 'aoai-prod.openai.azure.com';
const ARM_SCOPE = 'https://management.azure.com/.default';
const DATA_SCOPE = 'https://cognitiveservices.azure.com/.default';
const example = JSON.parse(readFileSync(officialExamplePath('azure-rest-api-examples', 'cognitiveservices', 'chat_completions.json'), 'utf8'));

function worldWith(patch: Partial<World['azure']['openAiAccounts'][number]>): World {
  const world = readWorld();
  Object.assign(world.azure.openAiAccounts[0], patch);
  return world;
}

let env: TestAzure;
afterEach(async () => {
  await env?.close();
});

function chat(headers: Record<string, string>) {
  return rawRequest(`https://127.0.0.1:${env.azure.openAi.privatePort}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`, {
    method: 'POST',
    ca: env.azure.caPem,
    servername: HOST,
    headers: { host: HOST, ...headers },
    body: example.parameters.body,
  });
}

function armGet(token: string) {
  return rawRequest(`${env.azure.endpoint}${VNET}?api-version=${NETWORK_API}`, { ca: env.azure.caPem, headers: { authorization: `Bearer ${token}` } });
}

function postForm(url: string, form: URLSearchParams): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', ca: env.azure.caPem, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(form.toString());
  });
}

const tokenFor = async (scope: string) => (await emulatorCredential(env.azure).getToken(scope))!.token;

describe('tokens from the emulated Entra ID', () => {
  beforeEach(async () => {
    env = await startTestAzure();
  });

  it('are JWTs with the scope\'s audience, each accepted only by its own service', async () => {
    const armToken = await tokenFor(ARM_SCOPE);
    const dataToken = await tokenFor(DATA_SCOPE);
    const claims = JSON.parse(Buffer.from(dataToken.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ aud: 'https://cognitiveservices.azure.com', tid: expect.any(String), oid: expect.any(String) });
    expect(claims.exp - claims.iat).toBe(TOKEN_LIFETIME_SECONDS);

    expect((await armGet(armToken)).status).toBe(200);
    const wrongForArm = await armGet(dataToken);
    expect([wrongForArm.status, wrongForArm.json.error.code]).toEqual([401, 'InvalidAuthenticationTokenAudience']);

    expect((await chat({ authorization: `Bearer ${dataToken}` })).status).toBe(200);
    const wrongForData = await chat({ authorization: `Bearer ${armToken}` });
    expect(wrongForData.status).toBe(401);
    expect(wrongForData.json).toEqual({
      statusCode: 401,
      message: 'Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.',
    });
    // A token signed by anyone else is no token.
    const [h, p] = dataToken.split('.');
    expect((await chat({ authorization: `Bearer ${h}.${p}.${Buffer.from('forged').toString('base64url')}` })).status).toBe(401);
  });

  it('expire on the simulated clock', async () => {
    const armToken = await tokenFor(ARM_SCOPE);
    const dataToken = await tokenFor(DATA_SCOPE);
    await env.clock.sleep(TOKEN_LIFETIME_SECONDS - 1);
    expect((await armGet(armToken)).status).toBe(200);
    expect((await chat({ authorization: `Bearer ${dataToken}` })).status).toBe(200);
    await env.clock.sleep(1);
    const expired = await armGet(armToken);
    expect([expired.status, expired.json.error.code]).toEqual([401, 'ExpiredAuthenticationToken']);
    expect((await chat({ authorization: `Bearer ${dataToken}` })).status).toBe(401);
  });

  it('are refused to a wrong secret, an unknown client and a scope without /.default, with Entra ID\'s codes', async () => {
    const wrongSecret = await emulatorCredential(env.azure, { ...LOCAL_SERVICE_PRINCIPAL, clientSecret: 'not-it' })
      .getToken(ARM_SCOPE)
      .then(() => undefined, (e: Error) => e);
    expect(wrongSecret?.message).toMatch(/AADSTS7000215/);
    const unknownClient = await emulatorCredential(env.azure, { ...LOCAL_SERVICE_PRINCIPAL, clientId: '00000000-0000-0000-0000-0000000000ff' })
      .getToken(ARM_SCOPE)
      .then(() => undefined, (e: Error) => e);
    expect(unknownClient?.message).toMatch(/AADSTS700016/);
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: LOCAL_SERVICE_PRINCIPAL.clientId, client_secret: LOCAL_SERVICE_PRINCIPAL.clientSecret, scope: 'https://management.azure.com/user_impersonation' });
    const badScope = await postForm(`${env.azure.authorityHost}/${LOCAL_SERVICE_PRINCIPAL.tenantId}/oauth2/v2.0/token`, form);
    expect([badScope.status, badScope.json.error, badScope.json.error_codes]).toEqual([400, 'invalid_scope', [1002012]]);
  });
});

describe('an account with disableLocalAuth', () => {
  beforeEach(async () => {
    env = await startTestAzure('', 1, worldWith({ disableLocalAuth: true }));
  });

  it('refuses listKeys (400) and any api-key, even the right one (403); a token still works', async () => {
    const refused = await env.send('POST', `${ACCOUNT}/listKeys`, COGNITIVE_API);
    expect(refused.status).toBe(400);
    expect(refused.json).toEqual({ error: { code: 'BadRequest', message: 'Failed to list key. disableLocalAuth is set to be true' } });

    const rightKey = env.ctx.state.azure.accountKeys[ACCOUNT.toLowerCase()].key1;
    const withKey = await chat({ 'api-key': rightKey });
    expect(withKey.status).toBe(403);
    expect(withKey.json).toEqual({ error: { code: 'AuthenticationTypeDisabled', message: 'Key based authentication is disabled for this resource.' } });
    expect((await chat({ authorization: `Bearer ${await tokenFor(DATA_SCOPE)}` })).status).toBe(200);
    const account = (await env.send('GET', ACCOUNT, COGNITIVE_API)).json;
    expect(account.properties.disableLocalAuth).toBe(true);
  });
});

describe('an account whose OpenAI User role the principal does not hold', () => {
  beforeEach(async () => {
    env = await startTestAzure('', 1, worldWith({ openAiUserRoleWithheld: true }));
  });

  it('answers 401 PermissionDenied to a valid token', async () => {
    const denied = await chat({ authorization: `Bearer ${await tokenFor(DATA_SCOPE)}` });
    expect(denied.status).toBe(401);
    expect(denied.json).toEqual({ error: { code: 'PermissionDenied', message: 'Principal does not have access to API/Operation.' } });
  });
});
