/**
 * EC2 creates take no client token. Idempotency is therefore: tag on create, look up by tag before create,
 * and send the create exactly once (no SDK retry). If its answer is lost, look up again: either it happened
 * (adopt it) or it did not (the state machine's retry sends it again, after another look-up).
 */
import { TransientCloudError } from './errors';

export async function lookUpThenCreateOnce<T>(
  what: string,
  lookUp: () => Promise<T | undefined>,
  create: () => Promise<T>,
): Promise<{ resource: T; created: boolean }> {
  const existing = await lookUp();
  if (existing) return { resource: existing, created: false };
  try {
    return { resource: await create(), created: true };
  } catch (error) {
    const after = await lookUp();
    if (after) return { resource: after, created: true };
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number }; message?: string };
    const status = e.$metadata?.httpStatusCode;
    if (status === undefined || status >= 500 || /RequestLimitExceeded|Throttl/.test(e.name ?? '')) {
      throw new TransientCloudError(`${what}: the create call failed (${e.name ?? 'network error'}: ${e.message ?? ''}) and nothing was created; safe to retry`);
    }
    throw error;
  }
}
