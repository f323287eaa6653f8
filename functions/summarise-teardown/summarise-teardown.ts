/**
 * The teardown's last step: what a change board reads. Every removal step ends only once its resource is
 * gone (or was not ours to touch), so what the first step found to be ours is what was removed.
 */
import { TUNNEL_KEY_RECOVERY_WINDOW_DAYS, type FinishedTeardown, type TeardownSummary } from '../commons/teardown-data';

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

export function summariseTeardown(state: FinishedTeardown): TeardownSummary {
  const { inventory, publicAccess } = state;
  const removed = inventory.nothingToRemove ? [] : inventory.ours;
  const left = inventory.foreign;
  const kept = inventory.kept ?? [];
  const keptWords = kept.length ? `; kept ${plural(kept.length, 'hub resource')} that other environments on the hub still use` : '';
  const leftWords = `${keptWords}${left.length ? `; left ${plural(left.length, 'resource')} that ${left.length === 1 ? 'is' : 'are'} not this environment's (listed with why)` : ''}`;
  const message = inventory.nothingToRemove
    ? `Nothing of environment ${inventory.environmentId} exists: nothing to remove${leftWords}.`
    : `Removed ${plural(removed.length, 'resource')} of environment ${inventory.environmentId}${leftWords}.`;
  const secrets = removed.filter((entry) => entry.type === 'secret').length;
  return {
    environmentId: inventory.environmentId,
    message,
    removed,
    left,
    kept,
    tunnelKeySecrets: {
      recoveryWindowInDays: TUNNEL_KEY_RECOVERY_WINDOW_DAYS,
      note: secrets
        ? `${plural(secrets, 'tunnel-key secret')} scheduled for deletion: restorable with RestoreSecret for ${TUNNEL_KEY_RECOVERY_WINDOW_DAYS} days, then deleted by Secrets Manager.`
        : 'No tunnel-key secret was left to schedule for deletion.',
    },
    openAiAccount: publicAccess?.restored
      ? { publicNetworkAccess: 'restored', value: publicAccess.publicNetworkAccess }
      : {
          publicNetworkAccess: 'kept as it is',
          ...(publicAccess ? { value: publicAccess.publicNetworkAccess } : {}),
          // Asked to restore but could not (nothing recorded): say why.
          ...(publicAccess?.note ? { note: publicAccess.note } : {}),
        },
  };
}
