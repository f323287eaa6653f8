/** Lambda: "Check the request against both clouds". The event is the environment request itself. */
import { callbackChecksOfThisProcess } from '../commons/callback-url';
import { cloudClients } from '../commons/clients';
import { toWorkflowError } from '../commons/cloud-errors';
import { createLogger } from '../commons/logger';
import { validateEnvironmentRequest } from './validate';

const log = createLogger('validate-request');

export async function handler(event: unknown) {
  try {
    const clients = cloudClients();
    const result = await validateEnvironmentRequest(event, clients, {
      deploymentRegion: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
      callbackChecks: callbackChecksOfThisProcess(),
    });
    log.info('request accepted', { environmentId: result.request.environmentId });
    return result;
  } catch (error) {
    const named = toWorkflowError(error, 'Check the request against both clouds');
    log.warn('request refused or unreadable', { error: named.name, cause: named.message });
    throw named;
  }
}
