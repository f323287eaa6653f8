/**
 * HMAC-SHA256 request signatures shared by the webhook intake, the ticket notifier and the command line.
 *
 * Scheme (the same in both directions, so a ticket system implements it once):
 *   X-Signature-Timestamp: <unix seconds>
 *   X-Signature: sha256=<hex of HMAC-SHA256(secret, timestamp + "." + body)>
 * The timestamp is inside the signed text, so a captured request cannot be replayed with a fresh timestamp;
 * the receiver refuses timestamps outside a window (5 minutes) so an old capture cannot be replayed at all.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Signature';
export const TIMESTAMP_HEADER = 'X-Signature-Timestamp';
export const SIGNATURE_PREFIX = 'sha256=';
/** Seconds a signed request stays acceptable, either side of the receiver's clock. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export type SignatureFailureReason = 'missing' | 'malformed' | 'stale' | 'mismatch';

/** Why a signature was refused; the message never contains the secret or the expected signature. */
export class SignatureError extends Error {
  constructor(readonly reason: SignatureFailureReason, message: string) {
    super(message);
    this.name = 'SignatureError';
  }
}

function bodyBuffer(body: string | Buffer): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

/** Hex HMAC-SHA256 over `timestamp + "." + body`. */
export function computeSignature(secret: string, timestamp: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(bodyBuffer(body)).digest('hex');
}

/** The two headers to send with `body`. `nowSeconds` is for tests. */
export function signatureHeaders(
  secret: string,
  body: string | Buffer,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const timestamp = String(nowSeconds);
  return {
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_HEADER]: `${SIGNATURE_PREFIX}${computeSignature(secret, timestamp, body)}`,
  };
}

/** Case-insensitive header lookup (API Gateway keeps the sender's case; Node lowercases). */
export function headerValue(headers: Record<string, string | string[] | undefined> | null | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

export interface VerifyOptions {
  secret: string;
  body: string | Buffer;
  timestamp: string | undefined;
  signature: string | undefined;
  nowSeconds?: number;
  toleranceSeconds?: number;
}

/** Throws SignatureError unless the signature is present, fresh and right. Comparison is constant-time. */
export function verifySignature(options: VerifyOptions): void {
  const { secret, body, timestamp, signature } = options;
  if (!timestamp || !signature) {
    throw new SignatureError('missing', `Missing ${TIMESTAMP_HEADER} or ${SIGNATURE_HEADER} header.`);
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    throw new SignatureError('malformed', `${TIMESTAMP_HEADER} must be Unix seconds.`);
  }
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(now - Number(timestamp)) > tolerance) {
    throw new SignatureError('stale', `${TIMESTAMP_HEADER} is outside the ${tolerance}-second window.`);
  }
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(signature.trim());
  if (!match) {
    throw new SignatureError('malformed', `${SIGNATURE_HEADER} must be "sha256=<64 hex digits>".`);
  }
  const expected = Buffer.from(computeSignature(secret, timestamp, body), 'hex');
  const given = Buffer.from(match[1].toLowerCase(), 'hex');
  // Both are 32 bytes here (checked by the pattern), which timingSafeEqual requires.
  if (!timingSafeEqual(expected, given)) {
    throw new SignatureError('mismatch', 'Signature does not match.');
  }
}
