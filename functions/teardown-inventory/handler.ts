/** Lambda: "Find what the environment left in both clouds". The event is the environment request, as the teardown got it. */
import { callbackChecksOfThisEnvironment } from '../commons/callback-url';
import { stepHandler } from '../commons/handler';
import type { TeardownCheckEvent } from '../commons/teardown-data';
import { teardownInventoryClients } from './clients';
import { takeInventory } from './inventory';

export const handler = stepHandler(
  'teardown-inventory',
  'Find what the environment left in both clouds',
  teardownInventoryClients,
  (event: TeardownCheckEvent, clients) =>
    takeInventory(event?.request, clients, {
      deploymentRegion: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
      callbackAllowance: callbackChecksOfThisEnvironment().allowance,
    }),
  (state) => ({ environmentId: state.inventory.environmentId, toRemove: state.inventory.ours.length, toLeave: state.inventory.foreign.length }),
);
