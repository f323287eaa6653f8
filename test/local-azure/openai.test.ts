/** The Azure OpenAI data plane over node:https, trusting the emulator's CA. */
import { readFileSync } from 'node:fs';
import { ACCOUNT, COGNITIVE_API, rawRequest, startTestAzure, type TestAzure } from './support';
import { officialExamplePath } from '../support/official-examples';

const HOST = 'aoai-prod.openai.azure.com';
const example = JSON.parse(readFileSync(officialExamplePath('azure-rest-api-examples', 'cognitiveservices', 'chat_completions.json'), 'utf8'));

let env: TestAzure;
beforeEach(async () => {
  env = await startTestAzure();
});
afterEach(async () => {
  await env.close();
});

function chat(port: number, opts: { key?: string; deployment?: string; host?: string } = {}) {
  const host = opts.host ?? HOST;
  return rawRequest(`https://127.0.0.1:${port}/openai/deployments/${opts.deployment ?? 'gpt-4o'}/chat/completions?api-version=2024-10-21`, {
    method: 'POST',
    ca: env.azure.caPem,
    servername: host,
    headers: { host, ...(opts.key !== undefined ? { 'api-key': opts.key } : {}) },
    body: example.parameters.body,
  });
}

/** Property paths of a JSON value, arrays collapsed to `[]`. */
function paths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => paths(v, `${prefix}[]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [prefix ? `${prefix}.${k}` : k, ...paths(v, prefix ? `${prefix}.${k}` : k)]);
  }
  return [];
}

it('answers 200 with a chat.completion shaped like the official example', async () => {
  const key = env.ctx.state.azure.accountKeys[ACCOUNT.toLowerCase()].key1;
  const res = await chat(env.azure.openAi.privatePort, { key });
  expect(res.status).toBe(200);
  for (const p of paths(example.responses['200'].body)) expect(paths(res.json)).toContain(p);
  expect(res.json.choices[0].message.role).toBe('assistant');
  // Also through the public listener while public access is enabled, and with key2.
  const viaPublic = await chat(env.azure.openAi.publicPort, { key: env.ctx.state.azure.accountKeys[ACCOUNT.toLowerCase()].key2 });
  expect(viaPublic.status).toBe(200);
});

it('401 for a wrong or missing key, 404 DeploymentNotFound for an unknown deployment', async () => {
  const wrong = await chat(env.azure.openAi.privatePort, { key: 'nope' });
  expect(wrong.status).toBe(401);
  expect(wrong.json).toEqual({
    error: {
      code: '401',
      message:
        'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
    },
  });
  expect((await chat(env.azure.openAi.privatePort)).status).toBe(401);
  const key = env.ctx.state.azure.accountKeys[ACCOUNT.toLowerCase()].key1;
  const unknown = await chat(env.azure.openAi.privatePort, { key, deployment: 'gpt-5' });
  expect(unknown.status).toBe(404);
  expect(unknown.json.error.code).toBe('DeploymentNotFound');
});

it('403 on the public listener once the PATCH to publicNetworkAccess=Disabled has completed; private still 200', async () => {
  const key = env.ctx.state.azure.accountKeys[ACCOUNT.toLowerCase()].key1;
  const poller = await env.client.resources.beginUpdateById(ACCOUNT, COGNITIVE_API, { properties: { publicNetworkAccess: 'Disabled' } }, { updateIntervalInMs: 5 });
  // While the update runs (Accepted), the old setting still applies.
  expect((await chat(env.azure.openAi.publicPort, { key })).status).toBe(200);
  const done = poller.pollUntilDone();
  await env.clock.sleep(60);
  await done;
  const refused = await chat(env.azure.openAi.publicPort, { key });
  expect(refused.status).toBe(403);
  expect(refused.json).toEqual({ error: { code: '403', message: 'Public access is disabled. Please configure private endpoint.' } });
  // Refused before the key is even looked at.
  expect((await chat(env.azure.openAi.publicPort, { key: 'nope' })).status).toBe(403);
  expect((await chat(env.azure.openAi.privatePort, { key })).status).toBe(200);
  // The privatelink name reaches the same account.
  expect((await chat(env.azure.openAi.privatePort, { key, host: 'aoai-prod.privatelink.openai.azure.com' })).status).toBe(200);
});
