/**
 * The lock of the OpenAI account (functions/openai-account): a PATCH of publicNetworkAccess Disabled and the
 * network ACL's default action Deny, keeping every other setting of an account the product does not own
 * (its IP and VNet rules, disableLocalAuth, its subdomain), sent only from a terminal state, re-sent when
 * the accepted update failed, and checked until ARM reports it applied.
 */
import { checkAccountLocked, lockPublicAccess } from '../../functions/openai-account/openai-account';
import { ResourceFailed, ResourceNotReady } from '../../functions/commons/errors';
import { advanceToReady, type TestAzure } from '../local-azure/support';
import { ACCOUNT_ID, calls, endOperation, failureOf, stepInput, stored, withAzure } from './azure-support';

const PATCH = 'PATCH Microsoft.CognitiveServices/accounts';
const PUT = 'PUT Microsoft.CognitiveServices/accounts';
const input = stepInput();

let env!: TestAzure;
afterEach(async () => {
  await env?.close();
  env = undefined as unknown as TestAzure;
});

/** The world's account, given settings a real account often has: rules of its own and keys turned off. */
async function accountWithItsOwnSettings(): Promise<TestAzure> {
  const azure = await withAzure();
  const account = stored(azure, ACCOUNT_ID)!;
  account.body.properties.disableLocalAuth = true;
  account.body.properties.networkAcls = {
    defaultAction: 'Allow',
    bypass: 'AzureServices',
    ipRules: [{ value: '203.0.113.7' }],
    virtualNetworkRules: [{ id: '/subscriptions/x/resourceGroups/rg-app/providers/Microsoft.Network/virtualNetworks/vnet-app/subnets/app', ignoreMissingVnetServiceEndpoint: false }],
  };
  return azure;
}

const accountProperties = (azure: TestAzure) => stored(azure, ACCOUNT_ID)!.body.properties;

describe('lockPublicAccess', () => {
  it('PATCHes public access Disabled and the ACL default Deny, keeping the rules, disableLocalAuth and the subdomain', async () => {
    env = await accountWithItsOwnSettings();
    expect(await lockPublicAccess(env.client, input)).toEqual({ provisioningState: 'Accepted' });
    expect(calls(env, PATCH)).toBe(1);
    expect(calls(env, PUT)).toBe(0);
    const properties = accountProperties(env);
    expect(properties.publicNetworkAccess).toBe('Disabled');
    expect(properties.networkAcls).toEqual({
      defaultAction: 'Deny',
      bypass: 'AzureServices',
      ipRules: [{ value: '203.0.113.7' }],
      virtualNetworkRules: [expect.objectContaining({ id: expect.stringContaining('vnet-app') })],
    });
    expect(properties.disableLocalAuth).toBe(true);
    expect(properties.customSubDomainName).toBe('aoai-prod');
    expect(stored(env, ACCOUNT_ID)!.body.kind).toBe('OpenAI');
  });

  it('an account without any ACL gets one that denies by default', async () => {
    env = await withAzure();
    delete accountProperties(env).networkAcls;
    await lockPublicAccess(env.client, input);
    expect(accountProperties(env).networkAcls).toEqual({ defaultAction: 'Deny' });
  });

  it('while the update runs: nothing more is sent, the state is answered', async () => {
    env = await withAzure();
    await lockPublicAccess(env.client, input);
    expect(await lockPublicAccess(env.client, input)).toEqual({ provisioningState: 'Accepted' });
    expect(calls(env, PATCH)).toBe(1);
  });

  it('once applied (Disabled and Succeeded): a re-run sends nothing', async () => {
    env = await withAzure();
    await lockPublicAccess(env.client, input);
    await advanceToReady(env, ACCOUNT_ID);
    expect(await lockPublicAccess(env.client, input)).toEqual({ provisioningState: 'Succeeded' });
    expect(calls(env, PATCH)).toBe(1);
  });

  it('Disabled but Succeeded is needed both: a Failed update that shows Disabled is sent again', async () => {
    env = await withAzure();
    await lockPublicAccess(env.client, input);
    endOperation(env, ACCOUNT_ID, 'Failed');
    expect(await lockPublicAccess(env.client, input)).toEqual({ provisioningState: 'Accepted' });
    expect(calls(env, PATCH)).toBe(2);
  });

  it('Succeeded but still Enabled (someone opened it again): sent again', async () => {
    env = await withAzure();
    await lockPublicAccess(env.client, input);
    await advanceToReady(env, ACCOUNT_ID);
    accountProperties(env).publicNetworkAccess = 'Enabled';
    await lockPublicAccess(env.client, input);
    expect(calls(env, PATCH)).toBe(2);
    expect(accountProperties(env).publicNetworkAccess).toBe('Disabled');
  });

  it('an account that is gone: ResourceFailed naming it, nothing sent', async () => {
    env = await withAzure();
    const gone = stepInput((r) => (r.azure.openAiAccountId = ACCOUNT_ID.replace('aoai-prod', 'aoai-gone')));
    const failed = await failureOf(lockPublicAccess(env.client, gone));
    expect(failed).toBeInstanceOf(ResourceFailed);
    expect(failed.message).toContain(gone.request.azure.openAiAccountId);
    expect(calls(env, PATCH)).toBe(0);
  });
});

describe('checkAccountLocked', () => {
  it('while the update runs: ResourceNotReady; once applied: Disabled', async () => {
    env = await withAzure();
    await lockPublicAccess(env.client, input);
    const running = await failureOf(checkAccountLocked(env.client, input));
    expect(running).toBeInstanceOf(ResourceNotReady);
    expect(running.message).toContain('Accepted');
    await advanceToReady(env, ACCOUNT_ID);
    expect(await checkAccountLocked(env.client, input)).toEqual({ publicNetworkAccess: 'Disabled' });
    expect(calls(env, PATCH)).toBe(1);
  });

  it('Succeeded but not Disabled: not locked yet', async () => {
    env = await withAzure();
    const open = await failureOf(checkAccountLocked(env.client, input));
    expect(open).toBeInstanceOf(ResourceNotReady);
    expect(open.message).toContain('Enabled');
    expect(calls(env, PATCH)).toBe(0);
  });

  it.each(['Failed', 'Canceled'] as const)('an accepted update that ended %s: the PATCH is sent again and the check comes back', async (outcome) => {
    env = await withAzure();
    await lockPublicAccess(env.client, input);
    endOperation(env, ACCOUNT_ID, outcome);
    const again = await failureOf(checkAccountLocked(env.client, input));
    expect(again).toBeInstanceOf(ResourceNotReady);
    expect(again.message).toContain(outcome);
    expect(calls(env, PATCH)).toBe(2);
    await advanceToReady(env, ACCOUNT_ID);
    expect(await checkAccountLocked(env.client, input)).toEqual({ publicNetworkAccess: 'Disabled' });
  });
});
