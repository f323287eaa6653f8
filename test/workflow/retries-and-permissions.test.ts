/**
 * Local mode retries the check before start exactly as the deployed first state would (its Retry, read from
 * the definition, on the simulated clock), and a missing permission ends the run at its first refusal.
 * The real definition on the real interpreter, with the emulated clouds; one handler is wrapped per case.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { RestError } from '@azure/core-rest-pipeline';
import { toWorkflowError } from '../../functions/commons/cloud-errors';
import { TransientCloudError } from '../../functions/commons/errors';
import { handler as validateHandler } from '../../functions/validate-request/handler';
import { ROOT, run } from './support';
import { lambdaContext } from '../support/lambda-context';

const definition = JSON.parse(readFileSync(path.join(ROOT, 'statemachine', 'provision.asl.json'), 'utf8'));
const firstState = definition.States[definition.StartAt];
/** The attempts the first state's Retry gives a TransientCloudError: the first call and its retries. */
const transientAttempts = 1 + firstState.Retry.find((r: { ErrorEquals: string[] }) => r.ErrorEquals.includes('TransientCloudError')).MaxAttempts;

/** The validate handler, failing its first `failures` calls as throttled ARM reads that outlasted the SDK's own retries. */
function flakyValidate(failures: number) {
  const calls = { count: 0 };
  const handler = async (input: unknown) => {
    calls.count++;
    if (calls.count <= failures) throw new TransientCloudError(`validate-request: SubscriptionRequestsThrottled (HTTP 429): call ${calls.count}`);
    return validateHandler(input as { request: unknown }, lambdaContext('validate-request'));
  };
  return { handler, calls };
}

describe('the check before start', () => {
  it('retries throttling as the first state would, then runs the execution', async () => {
    const flaky = flakyValidate(transientAttempts - 1);
    const { result } = await run({ handlers: { ValidateRequestFunctionArn: flaky.handler } });
    expect(result.status).toBe('SUCCEEDED');
    // Every failure retried before start, one good check, then the first state itself.
    expect(flaky.calls.count).toBe(transientAttempts + 1);
  });

  it('gives up after the first state\'s attempts, starting nothing', async () => {
    const flaky = flakyValidate(Number.MAX_SAFE_INTEGER);
    await expect(run({ handlers: { ValidateRequestFunctionArn: flaky.handler } })).rejects.toMatchObject({ name: 'TransientCloudError' });
    expect(flaky.calls.count).toBe(transientAttempts);
  });
});

describe('a missing permission', () => {
  it('ends the run at the first refusal, with no retry, naming the role to grant', async () => {
    const calls: string[] = [];
    const refused = new RestError(
      "The client 'c0ffee00-0000-0000-0000-000000000001' with object id 'c0ffee00-0000-0000-0000-000000000001' does not have authorization to perform action 'Microsoft.Network/virtualNetworks/subnets/write' over scope '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/GatewaySubnet' or the scope is invalid.",
      { code: 'AuthorizationFailed', statusCode: 403 },
    );
    const { result } = await run({
      handlers: {
        AzureNetworkFunctionArn: async (input: unknown) => {
          calls.push((input as { action: string }).action);
          throw toWorkflowError(refused, 'azure-network.x');
        },
      },
    });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('PermissionDenied');
    expect(result.failedState).toBe('Create the gateway subnet and public IP');
    expect(result.cause).toContain('Network Contributor role on resource group /subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-network');
    expect(calls).toHaveLength(1);
  });
});
