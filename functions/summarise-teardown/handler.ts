/** Lambda: "Summarise the teardown". The event is the whole (small, secret-free) state. */
import { stepHandler } from '../commons/handler';
import type { TeardownSummaryEvent } from '../commons/teardown-data';
import { summariseTeardown } from './summarise-teardown';

export const handler = stepHandler(
  'summarise-teardown',
  'Summarise the teardown',
  () => undefined,
  async (event: TeardownSummaryEvent) => summariseTeardown(event.state),
  (summary) => ({ environmentId: summary.environmentId, removed: summary.removed.length, left: summary.left.length }),
);
