/** Lambda: "Summarise the environment". The event is the whole (small, secret-free) state. */
import { stepHandler } from '../commons/handler';
import type { SummaryEvent } from '../commons/workflow-data';
import { summarise } from './summarise';

export const handler = stepHandler(
  'summarise',
  'Summarise the environment',
  () => undefined,
  async (event: SummaryEvent) => summarise(event.state),
  (summary) => ({ environmentId: summary.environmentId, privateEndpointIp: summary.privateEndpointIp }),
);
