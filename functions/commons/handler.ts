/**
 * The shell every task Lambda shares: the state machine names an `action`, the handler runs the matching plain
 * function with the cloud clients, logs the outcome (redacted), and turns any failure into a named,
 * secret-free error that the state's Retry/Catch can match.
 */
import { cloudClients, type CloudClients } from './clients';
import { toWorkflowError } from './cloud-errors';
import { createLogger, type Logger } from './logger';

export interface ActionEvent {
  action: string;
  [field: string]: unknown;
}

export type Action = (event: any, clients: CloudClients, log: Logger) => Promise<unknown>;

export function actionHandler(service: string, actions: Record<string, Action>) {
  const logger = createLogger(service);
  return async function handler(event: ActionEvent): Promise<unknown> {
    const action = actions[event?.action];
    if (!action) throw new Error(`${service} has no action "${String(event?.action)}"; known: ${Object.keys(actions).join(', ')}`);
    const environmentId = (event.request as { environmentId?: string } | undefined)?.environmentId;
    const log = logger.child({ action: event.action, environmentId });
    try {
      const result = await action(event, cloudClients(), log);
      log.info('action finished', { result: result as Record<string, unknown> });
      return result;
    } catch (error) {
      const named = toWorkflowError(error, `${service}.${event.action}`);
      log.warn('action failed', { error: named.name, cause: named.message });
      throw named;
    }
  };
}
