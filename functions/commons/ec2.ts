/**
 * EC2 creates take no client token. Idempotency is therefore: tag on create, look up by tag before create,
 * and send the create exactly once (no SDK retry). If its answer is lost, look up again: either it happened
 * (adopt it) or it did not (the state machine's retry sends it again, after another look-up).
 */
import { toWorkflowError } from './cloud-errors';
import { TransientCloudError } from './errors';
import { invocationLog } from './logger';

export async function lookUpThenCreateOnce<T>(
  what: string,
  lookUp: () => Promise<T | undefined>,
  create: () => Promise<T>,
): Promise<{ resource: T; created: boolean }> {
  const existing = await lookUp();
  if (existing) {
    invocationLog().info('found', { create: what });
    return { resource: existing, created: false };
  }
  try {
    const created = await create();
    invocationLog().info('created', { create: what });
    return { resource: created, created: true };
  } catch (error) {
    const after = await lookUp();
    if (after) {
      invocationLog().info('adopted', { create: what, why: 'the create failed or lost its answer, and the look-up finds what it made' });
      return { resource: after, created: true };
    }
    // The same classification as every other cloud error: by code and HTTP status. A lost answer or a
    // throttled or failed (5xx) create made nothing here, so the state's retry may send it again.
    if (toWorkflowError(error, what) instanceof TransientCloudError) {
      const e = error as { name?: string; code?: string; message?: string };
      throw new TransientCloudError(`${what}: the create call failed (${e.code ?? e.name ?? 'no answer'}: ${e.message ?? ''}) and nothing was created; safe to retry`);
    }
    throw error;
  }
}
