/** Lambda: the scheduled health check of the environments (EventBridge Scheduler target); wiring only. */
import { healthCheckClients } from './clients';
import { requiredSetting } from '../commons/config';
import { eventHandler } from '../commons/handler';
import { brokenSteps } from './health-check';
import { runScheduledHealthCheck, type ScheduledEvent } from './scheduled';

export const handler = eventHandler(
  'health-check',
  (event: ScheduledEvent | null) =>
    runScheduledHealthCheck(
      healthCheckClients(),
      { stateMachineArn: requiredSetting('STATE_MACHINE_ARN'), teardownStateMachineArn: requiredSetting('TEARDOWN_STATE_MACHINE_ARN') },
      event ?? {},
    ),
  (reports) => ({
    environments: reports.length,
    unhealthy: reports.filter((r) => !r.ok).map((r) => `${r.environmentId}: ${brokenSteps(r)}`),
  }),
);
