/**
 * The redactor, rule by rule: every field name and fragment that denotes key material, every reference suffix
 * that does not, and every text pattern (with its length boundary), so that dropping any one rule is seen.
 */
import { REDACTED, isSecretFieldName, redact, redactText } from '../../functions/commons/redact';

const VALUE = 'S3cret-Value-1234';

function redactedUnder(name: string, value: unknown = VALUE): unknown {
  return (redact({ [name]: value }) as Record<string, unknown>)[name];
}

describe('field names', () => {
  // Each entry of the exact-name list, in the spelling the clouds and the product use.
  test.each([
    'key1',
    'key2',
    'primaryKey',
    'secondaryKey',
    'accountKey',
    'sharedKey',
    'preSharedKey',
    'psk',
    'SecretString',
    'SecretBinary',
    'secretValue',
    'clientSecret',
    'apiKey',
    'password',
    'passphrase',
    'Authorization',
    'Proxy-Authorization',
    'Cookie',
    'Set-Cookie',
    'token',
    'access_token',
    'refresh_token',
    'id_token',
    'SessionToken',
    'bearerToken',
    'privateKey',
    'privateKeyPem',
    'certificate',
    'certificatePem',
    'CustomerGatewayConfiguration',
    'connectionString',
    'sasUrl',
    'sasToken',
    'signature',
    'X-Amz-Security-Token',
  ])('%s holds key material', (name) => {
    expect(isSecretFieldName(name)).toBe(true);
    expect(redactedUnder(name)).toBe(REDACTED);
  });

  test('separators and case do not matter, all of them', () => {
    for (const name of ['customer_gateway_configuration', 'Customer-Gateway-Configuration', 'CONNECTION STRING', 'sas.url', 'SECRET__BINARY']) {
      expect([name, isSecretFieldName(name)]).toEqual([name, true]);
    }
  });

  // Each fragment, inside a name that is not on the exact list.
  test.each([
    ['tunnel1PreSharedKey', 'presharedkey'],
    ['vpnSharedKeyValue', 'sharedkey'],
    ['azureClientSecret', 'clientsecret'],
    ['signingSecretString', 'secretstring'],
    ['signingSecretValue', 'secretvalue'],
    ['adminPassword', 'password'],
    ['gpgPassphrase', 'passphrase'],
    ['sshPrivateKeyData', 'privatekey'],
    ['openaiApiKey', 'apikey'],
    ['awsAccessKey', 'accesskey'],
    ['githubToken', 'token'],
    ['serverCertificatePem', 'certificatepem'],
  ])('%s holds key material (fragment %s)', (name) => {
    expect(isSecretFieldName(name)).toBe(true);
    expect(redactedUnder(name)).toBe(REDACTED);
  });

  // Each reference suffix after a fragment: a pointer to a secret, kept so the reader can find it.
  test.each([
    'clientSecretArn',
    'clientSecretArns',
    'clientSecretName',
    'clientSecretNames',
    'clientSecretId',
    'clientSecretIds',
    'privateKeyFile',
    'privateKeyPath',
    'apiKeyUrl',
    'apiKeyHeader',
    'tokenExpiry',
    'tokenExpiresAt',
    'tokenExpiresOn',
    'tokenTtl',
    'tokenType',
    'tokenCount',
  ])('%s is a reference, kept', (name) => {
    expect(isSecretFieldName(name)).toBe(false);
    expect(redactedUnder(name, 'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:x')).toBe('arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:x');
  });

  test('a reference word in the middle of a name does not make it a reference', () => {
    for (const name of ['passwordFileContents', 'tokenNameValue', 'apiKeyIdSecret']) expect([name, isSecretFieldName(name)]).toEqual([name, true]);
  });

  test('whatever the value is, it goes; an empty or absent value is left as it is', () => {
    expect(redact({ password: 12345, token: true, clientSecret: { value: 'x' }, key1: ['a'] })).toEqual({
      password: REDACTED,
      token: REDACTED,
      clientSecret: REDACTED,
      key1: REDACTED,
    });
    expect(redact({ password: '', token: null, clientSecret: undefined })).toEqual({ password: '', token: null, clientSecret: undefined });
  });
});

describe('the walk', () => {
  test('at any depth, in arrays, strings scrubbed, other values kept', () => {
    expect(redact({ a: [{ b: { sharedKey: VALUE, note: 'psk=abcdefgh', n: 3, ok: false, none: null } }] })).toEqual({
      a: [{ b: { sharedKey: REDACTED, note: `psk=${REDACTED}`, n: 3, ok: false, none: null } }],
    });
    expect(redact(['token=abcdefgh', 7])).toEqual([`token=${REDACTED}`, 7]);
    expect(redact('password: hunter22')).toBe(`password: ${REDACTED}`);
    expect(redact(42)).toBe(42);
    expect(redact(undefined)).toBeUndefined();
  });

  test('an Error becomes its name and scrubbed message', () => {
    const error = Object.assign(new TypeError('rejected token=abcdefgh'), { secretStack: 'x' });
    expect(redact({ error })).toEqual({ error: { name: 'TypeError', message: `rejected token=${REDACTED}` } });
  });

  test('nesting is followed to twelve levels; deeper is cut off', () => {
    const nest = (levels: number) => {
      let value: unknown = { note: 'leaf' };
      for (let i = 0; i < levels; i++) value = { inner: value };
      return value;
    };
    const leafAt = (value: unknown, levels: number) => {
      let cursor = value as Record<string, unknown>;
      for (let i = 0; i < levels; i++) cursor = cursor.inner as Record<string, unknown>;
      return cursor;
    };
    expect(leafAt(redact(nest(12)), 12)).toEqual({ note: 'leaf' });
    expect(leafAt(redact(nest(13)), 13)).toBe(REDACTED);
  });

  test('a cycle ends in the marker instead of recursing', () => {
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    expect(redact(loop)).toEqual({ name: 'loop', self: REDACTED });
  });
});

describe('text', () => {
  test.each([
    ['a PEM certificate', 'before -----BEGIN CERTIFICATE-----\nMIIBxyz\n-----END CERTIFICATE----- after', `before ${REDACTED} after`],
    ['a PEM key with digits in its label', '-----BEGIN PKCS8 PRIVATE KEY-----\nMIIEvQ\n-----END PKCS8 PRIVATE KEY-----', REDACTED],
    ['two PEM blocks, the text between kept', '-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE----- and -----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----', `${REDACTED} and ${REDACTED}`],
    ['a truncated PEM block', 'cause: -----BEGIN RSA PRIVATE KEY-----\nMIIEow', `cause: ${REDACTED}`],
    ['a device configuration key', '<ike><pre_shared_key>Sup3r.Key</pre_shared_key></ike>', `<ike><pre_shared_key>${REDACTED}</pre_shared_key></ike>`],
    ['a device configuration key in capitals', '<PRE_SHARED_KEY>Sup3r.Key</PRE_SHARED_KEY>', `<PRE_SHARED_KEY>${REDACTED}</PRE_SHARED_KEY>`],
    ['a truncated device configuration key', '<pre_shared_key>Sup3r.Ke', `<pre_shared_key>${REDACTED}`],
    ['an XML PreSharedKey', '<PreSharedKey>abc</PreSharedKey>', `<PreSharedKey>${REDACTED}</PreSharedKey>`],
    ['an XML SharedKey', '<SharedKey>abc</SharedKey>', `<SharedKey>${REDACTED}</SharedKey>`],
    ['an XML SecretString', '<secretstring>abc</secretstring>', `<secretstring>${REDACTED}</secretstring>`],
    ['an XML ClientSecret', '<ClientSecret>abc</ClientSecret>', `<ClientSecret>${REDACTED}</ClientSecret>`],
    ['an XML Password', '<Password>abc</Password>', `<Password>${REDACTED}</Password>`],
    ['a bearer token of six characters', 'sent Bearer abcdef', `sent Bearer ${REDACTED}`],
    ['a bearer token with every token character', 'Bearer a.b_c~d+e/f=g:h%i&j-k', `Bearer ${REDACTED}`],
    ['a SAS authorization', 'SharedAccessSignature sr=x&sig=abc%3D&se=1', `SharedAccessSignature ${REDACTED}`],
    ['a JWT with short segments', 'got eyJabcd.efgh.ij here', `got ${REDACTED} here`],
    ['an unsigned JWT', 'got eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0. here', `got ${REDACTED} here`],
    ['a Basic authorization header', 'Authorization: Basic dXNlcjpwYXNzd29yZA==', `Authorization: ${REDACTED}`],
    ['a lower-case bearer header', 'authorization: bearer abcdefgh', `authorization: ${REDACTED}`],
    ['a proxy authorization header', 'Proxy-Authorization=Digest username123', `Proxy-Authorization=${REDACTED}`],
  ])('%s', (_what, text, scrubbed) => {
    expect(redactText(text)).toBe(scrubbed);
    expect(redactText(scrubbed)).toBe(scrubbed);
  });

  test('a bearer value of five characters is not taken for a token (ordinary prose after the word)', () => {
    expect(redactText('the Bearer abcde')).toBe('the Bearer abcde');
  });

  test.each([
    'key1',
    'key2',
    'primaryKey',
    'secondaryKey',
    'sharedKey',
    'preSharedKey',
    'PreSharedKey',
    'secretString',
    'SecretString',
    'clientSecret',
    'client_secret',
    'apiKey',
    'api-key',
    'password',
    'token',
    'access_token',
    'refresh_token',
    'id_token',
    'authorization',
    'Authorization',
    'privateKey',
  ])('JSON text: the value of "%s" is replaced, escapes included', (name) => {
    expect(redactText(`{"${name}":"ab\\"cd","next":"kept"}`)).toBe(`{"${name}":"${REDACTED}","next":"kept"}`);
    expect(redactText(`{ "${name}" :  "" }`)).toBe(`{ "${name}" :  "${REDACTED}" }`);
  });

  test.each([
    'key1',
    'key2',
    'shared_key',
    'sharedkey',
    'pre_shared_key',
    'presharedkey',
    'psk',
    'secret_string',
    'secretstring',
    'client_secret',
    'clientsecret',
    'api-key',
    'api_key',
    'apikey',
    'password',
    'passwd',
    'pwd',
    'token',
    'access_token',
    'accesstoken',
    'refresh_token',
    'id_token',
    'idtoken',
    'account_key',
    'AccountKey',
    'sig',
    'authorization',
    'x-amz-security-token',
    'PASSWORD',
  ])('name=value text: %s', (name) => {
    expect(redactText(`${name}=abcd&next=1`)).toBe(`${name}=${REDACTED}&next=1`);
    expect(redactText(`${name}: "abcdef" rest`)).toBe(`${name}: "${REDACTED}" rest`);
    expect(redactText(`x ${name} = abcd;y`)).toBe(`x ${name} = ${REDACTED};y`);
    expect(redactText(`${name}=abcd,z`)).toBe(`${name}=${REDACTED},z`);
  });

  test('name=value: three characters are not a secret value; four are', () => {
    expect(redactText('psk=abc')).toBe('psk=abc');
    expect(redactText('psk=abcd')).toBe(`psk=${REDACTED}`);
  });
});
