/**
 * IPsec pre-shared keys for the AWS VPN tunnels (and the matching Azure connections).
 *
 * AWS's rule is the stricter of the two clouds: 8–64 characters of [A-Za-z0-9._], not starting with "0".
 * Azure accepts any key that passes it, so one generator serves both sides.
 */
import * as crypto from 'crypto';

export const PSK_MIN_LENGTH = 8;
export const PSK_MAX_LENGTH = 64;
export const PSK_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._';
/** The first character may be anything but "0" (AWS refuses keys that start with zero). */
const FIRST_ALPHABET = PSK_ALPHABET.replace('0', '');

export const PSK_RULE =
  'a pre-shared key must be 8 to 64 characters of letters (A-Z, a-z), digits (0-9), period (.) and underscore (_), and must not start with 0';

const PSK_PATTERN = /^[A-Za-z1-9._][A-Za-z0-9._]{7,63}$/;

export function isValidPreSharedKey(key: unknown): boolean {
  return typeof key === 'string' && PSK_PATTERN.test(key);
}

/**
 * A uniformly random key. Each character is drawn by rejection sampling: a random byte is used only when it
 * falls below the largest multiple of the alphabet size that fits in 256, so no character is favoured by the
 * modulo (this matters for the 63-character first alphabet; the 64-character one divides 256 exactly).
 * `randomBytes` is injectable so tests can use a deterministic source.
 */
export function generatePreSharedKey(
  randomBytes: (n: number) => Buffer = crypto.randomBytes,
  length = 32,
): string {
  if (!Number.isInteger(length) || length < PSK_MIN_LENGTH || length > PSK_MAX_LENGTH) {
    throw new RangeError(`pre-shared key length must be an integer from ${PSK_MIN_LENGTH} to ${PSK_MAX_LENGTH}; got ${length}`);
  }
  const source = byteStream(randomBytes, length);
  let key = pickCharacter(FIRST_ALPHABET, source);
  while (key.length < length) key += pickCharacter(PSK_ALPHABET, source);
  return key;
}

function pickCharacter(alphabet: string, nextByte: () => number): string {
  const limit = 256 - (256 % alphabet.length);
  // Rejection happens with probability < 1/64 per draw, so a real random source ends almost at once; the cap
  // only stops a broken source (say, all 0xff bytes) from spinning forever.
  for (let attempt = 0; attempt < 1000; attempt++) {
    const byte = nextByte();
    if (byte < limit) return alphabet[byte % alphabet.length];
  }
  throw new Error('random source keeps returning out-of-range bytes');
}

/** Reads bytes in batches (one call per batch) rather than one call per byte. */
function byteStream(randomBytes: (n: number) => Buffer, batchSize: number): () => number {
  let buffer: Buffer = Buffer.alloc(0);
  let position = 0;
  let emptyBatches = 0;
  return () => {
    while (position >= buffer.length) {
      buffer = randomBytes(batchSize);
      position = 0;
      // A broken source that returns nothing would otherwise loop forever.
      if (buffer.length === 0 && ++emptyBatches > 3) throw new Error('random source returned no bytes');
    }
    return buffer[position++];
  };
}
