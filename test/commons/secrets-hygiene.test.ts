/** Logs and errors never carry a secret: the logger redacts secret-named fields, errors are rebuilt and scrubbed. */
import { createLogger, redact } from '../../functions/commons/logger';
import { logLines, withLogLevel } from '../support/log-lines';
import { rememberSecret, toWorkflowError } from '../../functions/commons/cloud-errors';
import { ResourceNotReady, TransientCloudError } from '../../functions/commons/errors';

describe('logger', () => {
  it('redacts secret-named fields at any depth', async () => {
    const lines = (
      await logLines(() =>
        createLogger('test').info('connection', {
          body: { properties: { sharedKey: 'Sup3r.Secret_Key', gatewayIpAddress: '3.112.10.1' } },
          tunnels: [{ PreSharedKey: 'An0ther.Key_123' }],
          headers: { 'api-key': 'k3y-k3y-k3y' },
        }),
      )
    ).map((line) => JSON.stringify(line));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/Sup3r|An0ther|k3y-k3y/);
    expect(lines[0]).toContain('3.112.10.1');
    expect(redact({ SecretString: 'x', name: 'y' })).toEqual({ SecretString: '[redacted]', name: 'y' });
  });

  it('drops lines below its level', async () => {
    const lines = await withLogLevel('WARN', () => logLines(() => createLogger('test').info('quiet')));
    expect(lines).toEqual([]);
  });
});

describe('toWorkflowError', () => {
  it('rebuilds SDK errors as small named errors without the request that carried the key', () => {
    const sdkError = Object.assign(new Error('Conflict'), {
      code: 'AnotherOperationInProgress',
      statusCode: 409,
      request: { body: '{"properties":{"sharedKey":"Sup3r.Secret_Key"}}' },
    });
    const named = toWorkflowError(sdkError, 'tunnels.connectTunnels');
    expect(named).toBeInstanceOf(ResourceNotReady);
    expect(JSON.stringify({ ...named, message: named.message })).not.toContain('Sup3r');
  });

  it('classifies throttling, 5xx and dropped connections as transient', () => {
    expect(toWorkflowError(Object.assign(new Error('slow down'), { name: 'RequestLimitExceeded', $metadata: { httpStatusCode: 503 } }), 'x')).toBeInstanceOf(
      TransientCloudError,
    );
    expect(toWorkflowError(Object.assign(new Error('boom'), { statusCode: 500, code: 'InternalServerError' }), 'x')).toBeInstanceOf(TransientCloudError);
    expect(toWorkflowError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'x')).toBeInstanceOf(TransientCloudError);
  });

  it('keeps the service code as the error name for errors no retry fixes', () => {
    const named = toWorkflowError(Object.assign(new Error('bad CIDR'), { name: 'InvalidParameterValue', $metadata: { httpStatusCode: 400 } }), 'aws-vpn.x');
    expect(named.name).toBe('InvalidParameterValue');
    expect(named.message).toBe('aws-vpn.x: InvalidParameterValue (HTTP 400): bad CIDR');
  });

  it('scrubs a remembered secret that a service echoed in its message', () => {
    rememberSecret('Echoed.Key_4567');
    const named = toWorkflowError(Object.assign(new Error('The key Echoed.Key_4567 is invalid'), { name: 'InvalidParameterValue' }), 'x');
    expect(named.message).not.toContain('Echoed.Key_4567');
    expect(named.message).toContain('[redacted]');
  });
});
