/** Lambda: "Check the request against both clouds". The event is the environment request itself. */
import { callbackChecksOfThisProcess } from '../commons/callback-url';
import { stepHandler } from '../commons/handler';
import { validateRequestClients } from './clients';
import { validateEnvironmentRequest } from './validate';

export const handler = stepHandler(
  'validate-request',
  'Check the request against both clouds',
  validateRequestClients,
  (event: unknown, clients) =>
    validateEnvironmentRequest(event, clients, {
      deploymentRegion: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
      callbackChecks: callbackChecksOfThisProcess(),
    }),
  (result) => ({ environmentId: result.request.environmentId }),
);
