/** Lambda: "Summarise the environment". The event is the whole (small, secret-free) state. */
import { createLogger } from '../commons/logger';
import { summarise, type FinishedState } from './summarise';

const log = createLogger('summarise');

export async function handler(event: FinishedState) {
  const summary = summarise(event);
  log.info('environment ready', { environmentId: summary.environmentId, privateEndpointIp: summary.privateEndpointIp });
  return summary;
}
