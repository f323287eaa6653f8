/** One redactor for logs, the ticket callback and error messages: secret-named fields and secret-looking text. */
import { toWorkflowError } from '../../functions/commons/cloud-errors';
import { createLogger } from '../../functions/commons/logger';
import { logLines } from '../support/log-lines';
import { isSecretFieldName, redact, redactText } from '../../functions/commons/redact';

const FIELD_NAMES_HOLDING_SECRETS = [
  'key1',
  'key2',
  'certificatePem',
  'CustomerGatewayConfiguration',
  'token',
  'access_token',
  'Authorization',
  'authorization',
  'preSharedKey',
  'PreSharedKey',
  'sharedKey',
  'SecretString',
  'clientSecret',
  'client_secret',
  'api-key',
  'apiKey',
  'password',
  'refresh_token',
  'id_token',
  'x-amz-security-token',
  'tunnel1PreSharedKey',
  'privateKey',
];

test.each(FIELD_NAMES_HOLDING_SECRETS)('a field named %s is redacted at any depth', (name) => {
  expect(isSecretFieldName(name)).toBe(true);
  const redacted = redact({ outer: [{ inner: { [name]: 'S3cret-Value-1234' } }] }) as { outer: { inner: Record<string, string> }[] };
  expect(redacted.outer[0].inner[name]).toBe('[redacted]');
});

test('references to secrets and ordinary fields are kept', () => {
  for (const name of ['pskSecretArn', 'pskSecretArns', 'secretName', 'keyArn', 'tokenExpiry', 'name', 'endpoint', 'tunnels', 'keyVaultId']) {
    expect([name, isSecretFieldName(name)]).toEqual([name, false]);
  }
  expect(redact({ pskSecretArn: 'arn:aws:secretsmanager:x', outsideIp: '203.0.113.10' })).toEqual({ pskSecretArn: 'arn:aws:secretsmanager:x', outsideIp: '203.0.113.10' });
});

test.each([
  ['a bearer token', 'Authorization: Bearer abc.def-ghi_jkl', 'abc.def-ghi_jkl'],
  ['a JWT on its own', 'token was eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-part_1 in the log', 'eyJhbGciOiJIUzI1NiJ9'],
  ['account keys as JSON', '{"key1":"Zm9vYmFyMTIz==","key2":"YmF6cXV4NDU2=="}', 'Zm9vYmFyMTIz'],
  ['an api-key header', 'api-key: 0123456789abcdef0123', '0123456789abcdef0123'],
  ['a VPN device configuration key', '<ike><pre_shared_key>Sup3r.Secret_Key</pre_shared_key></ike>', 'Sup3r.Secret_Key'],
  ['a PEM private key', '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----', 'MIIEvQIBADANBg'],
  ['an OAuth form body', 'grant_type=client_credentials&client_secret=s3cr3t-v4lue&scope=x', 's3cr3t-v4lue'],
  ['an access token pair', 'access_token=ya29.A0ARrdaM-xyz', 'ya29.A0ARrdaM-xyz'],
  ['a connection string', 'DefaultEndpointsProtocol=https;AccountName=st;AccountKey=QUJDREVGR0g=;', 'QUJDREVGR0g='],
  ['a SAS signature', 'https://st.blob.core.windows.net/c?sv=2022&sig=AbCdEf0123%3D', 'AbCdEf0123%3D'],
])('text: %s is scrubbed', (_what, text, secret) => {
  const scrubbed = redactText(text);
  expect(scrubbed).not.toContain(secret);
  expect(scrubbed).toContain('[redacted]');
  expect(redactText(scrubbed)).toBe(scrubbed); // idempotent
});

test('plain refusal and status text is left alone', () => {
  const text = 'azure.gatewaySku: Basic is a legacy SKU that Azure no longer creates; use one of VpnGw1AZ, VpnGw2AZ';
  expect(redactText(text)).toBe(text);
  expect(redactText('tunnel 1 is DOWN: IPSEC IS DOWN')).toBe('tunnel 1 is DOWN: IPSEC IS DOWN');
});

test('the logger and the error converter use the same redactor', async () => {
  const lines = await logLines(() =>
    createLogger('test').info('answer', {
      response: { key1: 'LogKey1Value', CustomerGatewayConfiguration: '<pre_shared_key>LogPsk</pre_shared_key>' },
      note: 'sent Authorization: Bearer LogBearerValue',
    }),
  );
  expect(lines).toHaveLength(1);
  expect(JSON.stringify(lines[0])).not.toMatch(/LogKey1Value|LogPsk|LogBearerValue/);
  const named = toWorkflowError(Object.assign(new Error('token rejected: Bearer ErrBearerValue1'), { code: 'InvalidAuthenticationToken', statusCode: 401 }), 'x');
  expect(named.message).not.toContain('ErrBearerValue1');
  expect(named.message).toContain('InvalidAuthenticationToken (HTTP 401)');
});
