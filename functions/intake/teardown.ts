/**
 * DELETE /environments/{environmentId}: the ticket's way to remove an environment. Plain function over its
 * clients, like the POST intake, and signed the same way (over the raw body). The signature covers the body
 * only, so the body must name the environment the path names: a signed DELETE captured for one environment
 * cannot be replayed against another.
 *
 * Answers, in the order they are decided:
 *   413 body over MAX_REQUEST_BYTES;
 *   401 missing, malformed, stale (±5 min) or wrong signature;
 *   400 a malformed environmentId, or a body other than {"environmentId": <the path's>, "publicNetworkAccessOnTeardown"?: "keep" | "restore"};
 *   404 no provisioning execution of the environment was ever started (there is no request to remove);
 *   409 a provisioning or a teardown of the environment is running;
 *   200 redelivery: the latest teardown is this request, running or succeeded, and nothing was provisioned since;
 *   202 started.
 * The teardown's input is the request of the environment's latest provisioning execution (secret-free, as
 * every execution input is), with the public-access choice merged into its options.
 */
import { ExecutionStatus } from '@aws-sdk/client-sfn';
import { TEARDOWN_PUBLIC_NETWORK_ACCESS_OPTIONS, isEnvironmentId, type TeardownPublicNetworkAccessOption } from '../commons/request/contract';
import { consoleUrl, latestProvisioningRequest, startTeardown, teardownInput } from '../commons/executions';
import { HttpAnswer, ProxyEvent, json } from '../commons/http';
import { signedBody } from './signed-body';
import type { IntakeDeps } from './intake';

export interface TeardownIntakeDeps extends IntakeDeps {
  teardownStateMachineArn: string;
}

const BODY_FIELD = 'publicNetworkAccessOnTeardown';

const ID_FIELD = 'environmentId';

type BodyReading = { ok: true; choice?: TeardownPublicNetworkAccessOption } | { ok: false; message: string };

/** One JSON object naming the path's environment, with the one optional field. */
function readTeardownBody(body: Buffer, environmentId: string): BodyReading {
  const shape = `The body must be a JSON object {"${ID_FIELD}": "${environmentId}"}, optionally with "${BODY_FIELD}".`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, message: shape };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: false, message: shape };
  const unknown = Object.keys(parsed).filter((key) => key !== BODY_FIELD && key !== ID_FIELD);
  if (unknown.length) return { ok: false, message: `Unknown field(s) ${unknown.join(', ')}; the fields are ${ID_FIELD} and ${BODY_FIELD}.` };
  // The signature covers the body, not the path: the body's environment is what the signer meant.
  if ((parsed as Record<string, unknown>)[ID_FIELD] !== environmentId) {
    return { ok: false, message: `The body's ${ID_FIELD} must be the path's, "${environmentId}". ${shape}` };
  }
  const choice = (parsed as Record<string, unknown>)[BODY_FIELD];
  if (choice === undefined) return { ok: true };
  if (!TEARDOWN_PUBLIC_NETWORK_ACCESS_OPTIONS.includes(choice as TeardownPublicNetworkAccessOption)) {
    return { ok: false, message: `${BODY_FIELD} must be one of ${TEARDOWN_PUBLIC_NETWORK_ACCESS_OPTIONS.join(', ')}.` };
  }
  return { ok: true, choice: choice as TeardownPublicNetworkAccessOption };
}

export async function handleTeardownRequest(event: ProxyEvent, deps: TeardownIntakeDeps): Promise<HttpAnswer> {
  const signed = await signedBody(event, deps);
  if ('refused' in signed) return signed.refused;
  const body = signed.body;

  const environmentId = event.pathParameters?.environmentId ?? '';
  if (!isEnvironmentId(environmentId)) {
    return json(400, { message: 'environmentId must match ^[a-z][a-z0-9-]{2,30}$ and not end with "-".' });
  }
  const reading = readTeardownBody(body, environmentId);
  if (!reading.ok) return json(400, { message: reading.message, environmentId });

  const provisioned = await latestProvisioningRequest(deps.sfn, deps.stateMachineArn, environmentId);
  if (!provisioned) {
    return json(404, { message: `No provisioning of environment ${environmentId} was ever started; there is nothing to remove.`, environmentId });
  }
  const request = teardownInput(provisioned.request, reading.choice);
  const outcome = await startTeardown(
    deps.sfn,
    { provisioningStateMachineArn: deps.stateMachineArn, teardownStateMachineArn: deps.teardownStateMachineArn },
    request,
  );
  if (outcome.kind === 'busy') {
    return json(409, {
      message: `Environment ${environmentId} has a ${outcome.workflow} running; try again when it has finished.`,
      environmentId,
      runningWorkflow: outcome.workflow,
      runningExecutionArn: outcome.runningExecutionArn,
      consoleUrl: consoleUrl(outcome.runningExecutionArn),
    });
  }
  const answerBody = (status: string, message: string) => ({
    message,
    environmentId,
    executionArn: outcome.executionArn,
    executionName: outcome.executionName,
    status,
    consoleUrl: consoleUrl(outcome.executionArn),
    requestOf: provisioned.execution.name,
    publicNetworkAccessOnTeardown: request.options.publicNetworkAccessOnTeardown,
  });
  if (outcome.kind === 'already') return json(200, answerBody(outcome.status, 'Already received; no new teardown was started.'));
  const message = outcome.rerunOf
    ? `Teardown started; a re-run after ${outcome.rerunOf.name} (${outcome.rerunOf.status}).`
    : 'Teardown started.';
  return json(202, answerBody(ExecutionStatus.RUNNING, message));
}
