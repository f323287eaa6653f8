/**
 * The one redactor. Logs, the ticket callback and error messages all pass through it, so a rule added here
 * protects every exit at once.
 *
 * Two lines of defence: a field whose name denotes key material is replaced whatever its value, and text
 * (a cause, a message, any string value) is scrubbed of values that look like secrets whatever they are called.
 * References to secrets (an ARN, a secret's name or id) are kept: they are what the product passes instead.
 */

export const REDACTED = '[redacted]';

/** Field names, lower-cased with separators removed, that hold key material themselves. */
const SECRET_FIELD_NAMES = new Set([
  'key1',
  'key2',
  'primarykey',
  'secondarykey',
  'accountkey',
  'sharedkey',
  'presharedkey',
  'psk',
  'secretstring',
  'secretbinary',
  'secretvalue',
  'clientsecret',
  'apikey',
  'password',
  'passphrase',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'sessiontoken',
  'bearertoken',
  'privatekey',
  'privatekeypem',
  'certificate',
  'certificatepem',
  'customergatewayconfiguration',
  'connectionstring',
  'sasurl',
  'sastoken',
  'signature',
  'xamzsecuritytoken',
]);

/** Fragments that make any field name secret (`tunnel1PreSharedKey`, `azureClientSecret`, `signingSecretValue`). */
const SECRET_FIELD_FRAGMENTS = /(presharedkey|sharedkey|clientsecret|secretstring|secretvalue|password|passphrase|privatekey|apikey|accesskey|secretaccesskey|token|certificatepem)/;

/** Names that point at a secret rather than hold one. */
const REFERENCE_SUFFIX = /(arn|arns|name|names|id|ids|file|path|url|header|expiry|expiresat|expireson|ttl|type|count)$/;

/** True when a field of this name holds key material. */
export function isSecretFieldName(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (SECRET_FIELD_NAMES.has(normalized)) return true;
  return SECRET_FIELD_FRAGMENTS.test(normalized) && !REFERENCE_SUFFIX.test(normalized);
}

/**
 * Secret-looking values inside free text. Each pattern keeps its label (group 1) and replaces the value, so a
 * reader still sees what was there. Ordered from the most specific.
 */
const TEXT_PATTERNS: [RegExp, string][] = [
  // PEM blocks: certificates and private keys.
  [/-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(-----END [A-Z0-9 ]+-----|$)/g, REDACTED],
  // The VPN connection's device configuration carries each tunnel's key as XML.
  [/(<pre_shared_key>)[^<]*(<\/pre_shared_key>)?/gi, `$1${REDACTED}$2`],
  [/(<(?:PreSharedKey|SharedKey|SecretString|ClientSecret|Password)>)[^<]*/gi, `$1${REDACTED}`],
  // HTTP authorization schemes.
  [/\b(Bearer|SharedAccessSignature)(\s+)[A-Za-z0-9._~+/=:%&-]{6,}/g, `$1$2${REDACTED}`],
  // JSON Web Tokens wherever they appear.
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // "name": "value" and name=value / name: value pairs whose name denotes key material.
  [
    /("(?:key1|key2|primaryKey|secondaryKey|sharedKey|preSharedKey|PreSharedKey|secretString|SecretString|clientSecret|client_secret|apiKey|api-key|password|token|access_token|refresh_token|id_token|authorization|Authorization|privateKey)"\s*:\s*")((?:[^"\\]|\\.)*)(")/g,
    `$1${REDACTED}$3`,
  ],
  // An authorization header whatever its scheme (Basic, Digest, a lower-case bearer): the scheme word alone
  // must not be taken for the whole value, or the credentials after it would be left in place.
  [/\b((?:proxy-)?authorization\s*[=:]\s*)(?!\[redacted\])[A-Za-z][A-Za-z0-9-]*\s+[^\s"&;,]{4,}/gi, `$1${REDACTED}`],
  [
    /\b((?:key1|key2|shared_?key|pre_?shared_?key|psk|secret_?string|client_?secret|api[-_]?key|password|passwd|pwd|token|access_?token|refresh_?token|id_?token|account_?key|AccountKey|sig|authorization|x-amz-security-token)\s*[=:]\s*)(?!\[redacted\])("?)[^\s"&;,]{4,}/gi,
    `$1$2${REDACTED}`,
  ],
];

/** Scrubs secret-looking values from free text. Idempotent. */
export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of TEXT_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Deep copy with secret-named fields replaced and every string scrubbed. Cycles and depth are bounded. */
export function redact(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 12 || seen.has(value)) return REDACTED;
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1, seen));
  if (value instanceof Error) {
    return { name: value.name, message: redactText(value.message) };
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    out[key] = isSecretFieldName(key) && item !== null && item !== undefined && item !== '' ? REDACTED : redact(item, depth + 1, seen);
  }
  return out;
}
