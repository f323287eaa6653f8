/** The teardown's summary: what was removed, what was left and why, the keys' recovery window, the account's access. */
import { handler } from '../../functions/summarise-teardown/handler';
import { summariseTeardown } from '../../functions/summarise-teardown/summarise-teardown';
import { TUNNEL_KEY_RECOVERY_WINDOW_DAYS, type FinishedTeardown } from '../../functions/commons/teardown-data';
import { lambdaContext } from '../support/lambda-context';
import { logLines } from '../support/log-lines';
import { DEFAULT_REQUEST } from '../workflow/support';

const ENV = DEFAULT_REQUEST.environmentId as string;
const secret = { cloud: 'aws' as const, type: 'secret', name: `aoai-link/${ENV}/tunnel-1-psk`, id: 'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:x' };
const gateway = { cloud: 'azure' as const, type: 'Microsoft.Network/virtualNetworkGateways', name: `vgw-${ENV}`, id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworkGateways/g' };
const lookAlike = { cloud: 'aws' as const, type: 'security-group', name: `aoai-link-${ENV}-probe`, id: 'sg-0123', reason: 'it lacks the tag managed-by=aoai-private-link: this product did not create it' };

function finished(patch: Partial<FinishedTeardown['inventory']> = {}, publicAccess?: FinishedTeardown['publicAccess']): FinishedTeardown {
  return {
    request: DEFAULT_REQUEST,
    inventory: { environmentId: ENV, ours: [secret, gateway], foreign: [], kept: [], nothingToRemove: false, restorePublicNetworkAccess: false, ...patch },
    ...(publicAccess ? { publicAccess } : {}),
  };
}

test('lists what was removed, says the tunnel keys can be restored for the recovery window, and that the account kept its settings', () => {
  const summary = summariseTeardown(finished());
  expect(summary.message).toBe(`Removed 2 resources of environment ${ENV}.`);
  expect(summary.removed).toEqual([secret, gateway]);
  expect(summary.left).toEqual([]);
  expect(summary.tunnelKeySecrets.recoveryWindowInDays).toBe(TUNNEL_KEY_RECOVERY_WINDOW_DAYS);
  expect(summary.tunnelKeySecrets.note).toMatch(new RegExp(`^1 tunnel-key secret scheduled for deletion: restorable with RestoreSecret for ${TUNNEL_KEY_RECOVERY_WINDOW_DAYS} days`));
  expect(summary.openAiAccount).toEqual({ publicNetworkAccess: 'kept as it is' });
});

test('a look-alike that is not ours is listed as left, with why', () => {
  const summary = summariseTeardown(finished({ foreign: [lookAlike] }));
  expect(summary.message).toBe(`Removed 2 resources of environment ${ENV}; left 1 resource that is not this environment's (listed with why).`);
  expect(summary.left).toEqual([lookAlike]);
});

test('nothing to remove says so, and removes nothing', () => {
  const summary = summariseTeardown(finished({ ours: [], nothingToRemove: true }));
  expect(summary.message).toBe(`Nothing of environment ${ENV} exists: nothing to remove.`);
  expect(summary.removed).toEqual([]);
  expect(summary.tunnelKeySecrets.note).toBe('No tunnel-key secret was left to schedule for deletion.');
});

test('a restored account says to what', () => {
  expect(summariseTeardown(finished({}, { recorded: 'Enabled', publicNetworkAccess: 'Enabled', restored: true })).openAiAccount).toEqual({ publicNetworkAccess: 'restored', value: 'Enabled' });
  expect(summariseTeardown(finished({}, { publicNetworkAccess: 'Disabled', restored: false })).openAiAccount).toEqual({ publicNetworkAccess: 'kept as it is', value: 'Disabled' });
});

test('the handler logs one line with the execution, the environment and the counts', async () => {
  let result: unknown;
  const logged = await logLines(async () => {
    result = await handler({ state: finished({ foreign: [lookAlike] }), executionName: `${ENV}-teardown-1a2b3c` }, lambdaContext('aoai-link-summarise-teardown', 'req-teardown-1'));
  });
  expect(result).toEqual(summariseTeardown(finished({ foreign: [lookAlike] })));
  expect(logged).toEqual([
    expect.objectContaining({ level: 'INFO', service: 'summarise-teardown', message: 'step finished', executionName: `${ENV}-teardown-1a2b3c`, environmentId: ENV, removed: 2, left: 1 }),
  ]);
});

test('asked to restore but nothing was recorded: the account is kept, and the summary says why', () => {
  const note = 'Provisioning recorded no value before it locked the account; nothing was changed.';
  expect(summariseTeardown(finished({}, { publicNetworkAccess: 'Disabled', restored: false, note })).openAiAccount).toEqual({ publicNetworkAccess: 'kept as it is', value: 'Disabled', note });
});
