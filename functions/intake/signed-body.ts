/**
 * What both webhook routes check first, in the order they are decided: the body's size (nothing else is worth
 * doing with an oversized one), then its signature over the raw bytes. Answers the refusal, or the body.
 */
import { MAX_REQUEST_BYTES } from '../commons/request/contract';
import { SIGNATURE_HEADER, SignatureError, TIMESTAMP_HEADER, headerValue, verifySignature } from '../commons/signature';
import { json, rawBody, type HttpAnswer, type ProxyEvent } from '../commons/http';
import type { SecretSource } from '../commons/secret';

export interface SignatureDeps {
  signingSecret: SecretSource;
  /** Unix seconds; tests move it to check the window. */
  nowSeconds?: () => number;
}

export async function signedBody(event: ProxyEvent, deps: SignatureDeps): Promise<{ body: Buffer } | { refused: HttpAnswer }> {
  const body = rawBody(event);
  if (body.length > MAX_REQUEST_BYTES) {
    return { refused: json(413, { message: `The request is ${body.length} bytes; the limit is ${MAX_REQUEST_BYTES}.` }) };
  }
  try {
    verifySignature({
      secret: await deps.signingSecret(),
      body,
      timestamp: headerValue(event.headers, TIMESTAMP_HEADER),
      signature: headerValue(event.headers, SIGNATURE_HEADER),
      nowSeconds: deps.nowSeconds?.(),
    });
  } catch (error) {
    if (error instanceof SignatureError) return { refused: json(401, { message: error.message, reason: error.reason }) };
    throw error;
  }
  return { body };
}
