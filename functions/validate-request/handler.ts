/** Lambda: "Check the request against both clouds". The event is the environment request, as the execution got it. */
import { callbackChecksOfThisEnvironment } from '../commons/callback-url';
import { stepHandler } from '../commons/handler';
import type { RequestCheckEvent } from '../commons/workflow-data';
import { validateRequestClients } from './clients';
import { validateEnvironmentRequest } from './validate';

export const handler = stepHandler(
  'validate-request',
  'Check the request against both clouds',
  validateRequestClients,
  (event: RequestCheckEvent, clients) =>
    validateEnvironmentRequest(event?.request, clients, {
      deploymentRegion: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
      callbackChecks: callbackChecksOfThisEnvironment(),
    }),
  (result) => ({ environmentId: result.request.environmentId }),
);
