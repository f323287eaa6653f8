/**
 * The OpenAI account's network settings before provisioning changed them: recorded on the environment's gateway
 * public IP by the PUT that creates it (functions/commons/public-access-record.ts), kept by every re-run
 * and repair, and put back by the teardown's "Restore the OpenAI account's public access as it was"
 * (functions/remove-azure/restore-public-access.ts) only from that record.
 */
import * as azure from '../../functions/azure-network/azure-network';
import { ResourceNotReady } from '../../functions/commons/errors';
import { hubTags } from '../../functions/commons/hub';
import type { InventoriedState } from '../../functions/commons/teardown-data';
import { checkAccountLocked, lockPublicAccess } from '../../functions/openai-account/openai-account';
import { ACL_DEFAULT_ACTION_BEFORE_TAG, PUBLIC_ACCESS_BEFORE_TAG } from '../../functions/commons/public-access-record';
import { restorePublicAccess } from '../../functions/remove-azure/restore-public-access';
import type { TestAzure } from '../local-azure/support';
import { ACCOUNT_ID, calls, endOperation, ENV, failureOf, stepInput, stored, withAzure } from '../workflow/azure-support';
import { settle, untilReady, provisionedAzureNames } from './remove-azure-support';

const input = stepInput();
const n = provisionedAzureNames(input.request);
const PUT_PIP = 'PUT Microsoft.Network/publicIPAddresses';
const PATCH_ACCOUNT = 'PATCH Microsoft.CognitiveServices/accounts';
const OPEN = { [PUBLIC_ACCESS_BEFORE_TAG]: 'Enabled', [ACL_DEFAULT_ACTION_BEFORE_TAG]: 'Allow' };

const teardownState = (request = input.request): InventoriedState => ({
  request: { ...request, options: { ...request.options, publicNetworkAccessOnTeardown: 'restore' } },
  inventory: { environmentId: ENV, ours: [], foreign: [], kept: [], nothingToRemove: false, restorePublicNetworkAccess: true },
});

let env!: TestAzure;
afterEach(async () => {
  await env?.close();
  env = undefined as unknown as TestAzure;
});

const account = () => stored(env, ACCOUNT_ID)!.body.properties;
const pipTags = () => stored(env, n.publicIp.id)!.body.tags;

/** The gateway public IP made and read, then the account locked and the lock applied, as provisioning does. */
async function provisionedAndLocked(): Promise<void> {
  await azure.createGatewaySubnetAndPublicIp(env.client, input);
  await settle(env);
  await azure.readGatewayPublicIp(env.client, input);
  await lockPublicAccess(env.client, input);
  await untilReady(env, () => checkAccountLocked(env.client, input), 10);
  expect(account().publicNetworkAccess).toBe('Disabled');
}

describe('the record, written by provisioning', () => {
  it("holds the account's settings as they were, on the gateway public IP, from the PUT that creates it", async () => {
    env = await withAzure();
    account().networkAcls = { defaultAction: 'Allow', ipRules: [{ value: '203.0.113.7' }], virtualNetworkRules: [] };
    await azure.createGatewaySubnetAndPublicIp(env.client, input);
    expect(pipTags()).toEqual({ ...hubTags(input.request), ...OPEN });
    expect(calls(env, PUT_PIP)).toBe(1);
  });

  it('records what the account already had when someone else had locked it before', async () => {
    env = await withAzure();
    account().publicNetworkAccess = 'Disabled';
    account().networkAcls = { defaultAction: 'Deny' };
    await azure.createGatewaySubnetAndPublicIp(env.client, input);
    expect(pipTags()).toMatchObject({ [PUBLIC_ACCESS_BEFORE_TAG]: 'Disabled', [ACL_DEFAULT_ACTION_BEFORE_TAG]: 'Deny' });
  });

  it('an account that never set either (ARM leaves them unset) is recorded as open', async () => {
    env = await withAzure();
    delete account().publicNetworkAccess;
    delete account().networkAcls;
    await azure.createGatewaySubnetAndPublicIp(env.client, input);
    expect(pipTags()).toMatchObject(OPEN);
  });
});

describe('a provisioning re-run', () => {
  it('after the lock sends nothing and keeps the record as it was before the lock', async () => {
    env = await withAzure();
    await provisionedAndLocked();
    await azure.createGatewaySubnetAndPublicIp(env.client, input);
    await azure.readGatewayPublicIp(env.client, input);
    expect(calls(env, PUT_PIP)).toBe(1);
    expect(pipTags()).toMatchObject(OPEN);
  });

  it("repairing a Failed public IP after the lock carries the record it has, not the account's locked value", async () => {
    env = await withAzure();
    await provisionedAndLocked();
    endOperation(env, n.publicIp.id, 'Failed');
    expect(await failureOf(azure.readGatewayPublicIp(env.client, input))).toBeInstanceOf(ResourceNotReady);
    expect(calls(env, PUT_PIP)).toBe(2);
    expect(pipTags()).toMatchObject({ ...OPEN, 'aoai-link-repairs': '1' });
    endOperation(env, n.publicIp.id, 'Failed');
    await azure.createGatewaySubnetAndPublicIp(env.client, input);
    expect(calls(env, PUT_PIP)).toBe(3);
    expect(pipTags()).toMatchObject(OPEN);
  });
});

describe('restoring on teardown', () => {
  it('PATCHes the recorded settings back, keeping the rules, waits until applied, and a re-run sends nothing', async () => {
    env = await withAzure();
    account().networkAcls = { defaultAction: 'Allow', ipRules: [{ value: '203.0.113.7' }], virtualNetworkRules: [] };
    await provisionedAndLocked();
    expect(account().networkAcls.defaultAction).toBe('Deny');
    const locks = calls(env, PATCH_ACCOUNT);

    const sent = await failureOf(restorePublicAccess(env.client, teardownState()));
    expect(sent).toBeInstanceOf(ResourceNotReady);
    expect(calls(env, PATCH_ACCOUNT)).toBe(locks + 1);
    const waiting = await failureOf(restorePublicAccess(env.client, teardownState()));
    expect(waiting).toBeInstanceOf(ResourceNotReady);
    expect(calls(env, PATCH_ACCOUNT)).toBe(locks + 1);

    const { result } = await untilReady(env, () => restorePublicAccess(env.client, teardownState()), 10);
    expect(result).toEqual({ recorded: 'Enabled', publicNetworkAccess: 'Enabled', restored: true, note: expect.stringMatching(/as before provisioning/) });
    expect(account().publicNetworkAccess).toBe('Enabled');
    expect(account().networkAcls).toEqual({ defaultAction: 'Allow', ipRules: [{ value: '203.0.113.7' }], virtualNetworkRules: [] });
    expect(calls(env, PATCH_ACCOUNT)).toBe(locks + 1);

    expect(await restorePublicAccess(env.client, teardownState())).toMatchObject({ restored: true });
    expect(calls(env, PATCH_ACCOUNT)).toBe(locks + 1);
  });

  it('an update that failed after it was accepted is sent again', async () => {
    env = await withAzure();
    await provisionedAndLocked();
    await failureOf(restorePublicAccess(env.client, teardownState()));
    const sent = calls(env, PATCH_ACCOUNT);
    await settle(env);
    endOperation(env, ACCOUNT_ID, 'Failed');
    account().publicNetworkAccess = 'Disabled';
    expect(await failureOf(restorePublicAccess(env.client, teardownState()))).toBeInstanceOf(ResourceNotReady);
    expect(calls(env, PATCH_ACCOUNT)).toBe(sent + 1);
    const { result } = await untilReady(env, () => restorePublicAccess(env.client, teardownState()), 10);
    expect(result.restored).toBe(true);
  });

  it('without a record: nothing is changed, restored is false, and the answer says why', async () => {
    env = await withAzure();
    await provisionedAndLocked();
    const tags = pipTags()!;
    delete tags[PUBLIC_ACCESS_BEFORE_TAG];
    delete tags[ACL_DEFAULT_ACTION_BEFORE_TAG];
    const locks = calls(env, PATCH_ACCOUNT);
    expect(await restorePublicAccess(env.client, teardownState())).toEqual({
      publicNetworkAccess: 'Disabled',
      restored: false,
      note: expect.stringMatching(/no record .* keeps the settings it has/),
    });
    expect(calls(env, PATCH_ACCOUNT)).toBe(locks);
    expect(account().publicNetworkAccess).toBe('Disabled');
  });

  it("a record on a public IP that is not ours is not trusted", async () => {
    env = await withAzure();
    await provisionedAndLocked();
    stored(env, n.publicIp.id)!.body.tags = { ...OPEN, team: 'network-hub' };
    const locks = calls(env, PATCH_ACCOUNT);
    expect(await restorePublicAccess(env.client, teardownState())).toMatchObject({ restored: false, publicNetworkAccess: 'Disabled' });
    expect(calls(env, PATCH_ACCOUNT)).toBe(locks);
  });

  it('the public IP already gone (a teardown re-run past it): no record, nothing changed', async () => {
    env = await withAzure();
    expect(await restorePublicAccess(env.client, teardownState())).toMatchObject({ restored: false, publicNetworkAccess: 'Enabled' });
    expect(calls(env, PATCH_ACCOUNT)).toBe(0);
  });
});
