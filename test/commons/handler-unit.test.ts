/**
 * functions/commons handler.ts, logger.ts, errors.ts: the shell every task Lambda shares. What the state
 * machine can match (the error's name, classified by code and HTTP status), and what reaches the logs: one
 * JSON line per event (Powertools' Logger), at or above the level, every line through the redactor, each with
 * the Lambda request id, the function name and, for tasks, the execution name.
 */
import { actionHandler } from '../../functions/commons/handler';
import { createLogger, invocationLog, invocationLogger } from '../../functions/commons/logger';
import { lambdaContext } from '../support/lambda-context';
import { logLines, withLogLevel } from '../support/log-lines';
import {
  GatewayBuildFailed,
  PermissionDenied,
  ProbeFailed,
  RequestRefused,
  ResourceConflict,
  ResourceFailed,
  ResourceNotReady,
  TERMINAL_ERRORS,
  TransientCloudError,
  TunnelsDown,
  WaitTimedOut,
  WorkflowError,
} from '../../functions/commons/errors';

const PSK = 'Zx9_psk.value.0123456789abcdef';


const clients = () => ({ ec2: { send: async () => ({}) } });

describe('Logger', () => {
  test('one JSON line: level, ISO timestamp, service, message, then the data', async () => {
    const before = Date.now();
    const [line] = await withLogLevel('INFO', () => logLines(() => createLogger('svc').info('hello', { extra: 1, fixed: 'data' })));
    expect(line).toEqual({ level: 'INFO', timestamp: expect.any(String), service: 'svc', message: 'hello', fixed: 'data', extra: 1 });
    expect(new Date(line.timestamp).toISOString()).toBe(line.timestamp);
    expect(new Date(line.timestamp).getTime()).toBeGreaterThanOrEqual(before - 1);
  });

  test('levels: below the threshold nothing is written; the name of the level is case-blind; unknown means INFO', async () => {
    for (const [level, expected] of [
      ['DEBUG', ['DEBUG', 'INFO', 'WARN', 'ERROR']],
      ['debug', ['DEBUG', 'INFO', 'WARN', 'ERROR']],
      ['INFO', ['INFO', 'WARN', 'ERROR']],
      ['WARN', ['WARN', 'ERROR']],
      ['ERROR', ['ERROR']],
      ['LOUD', ['INFO', 'WARN', 'ERROR']],
      ['SILENT', []],
    ] as const) {
      const lines = await withLogLevel(level, () =>
        logLines(() => {
          const logger = createLogger('svc');
          logger.debug('d');
          logger.info('i');
          logger.warn('w');
          logger.error('e');
        }),
      );
      expect([level, lines.map((l) => l.level)]).toEqual([level, expected]);
    }
  });

  test("an invocation's logger carries the Lambda context and the invocation's keys; the parent's lines do not", async () => {
    const lines = await withLogLevel('WARN', () =>
      logLines(() => {
        const parent = createLogger('svc');
        const child = invocationLogger(parent, lambdaContext('fn-1', 'req-1'), { executionName: 'aoai-prod-01-run-1', action: 'a1', environmentId: undefined });
        child.info('hidden');
        child.warn('shown');
        parent.warn('parent');
      }),
    );
    expect(lines).toEqual([
      { level: 'WARN', timestamp: expect.any(String), service: 'svc', message: 'shown', function_name: 'fn-1', function_request_id: 'req-1', executionName: 'aoai-prod-01-run-1', action: 'a1' },
      { level: 'WARN', timestamp: expect.any(String), service: 'svc', message: 'parent' },
    ]);
  });

  test('every line goes through the redactor: data, keys and the message itself', async () => {
    const lines = await withLogLevel('DEBUG', () =>
      logLines(() => {
        const child = invocationLogger(createLogger('svc'), undefined, { presharedKey: PSK });
        child.debug(`tunnel psk=${PSK}`, { tunnel1PreSharedKey: PSK, nested: { clientSecret: PSK, note: `Bearer ${PSK}` } });
        child.error('failed', { cause: `<pre_shared_key>${PSK}</pre_shared_key>` });
      }),
    );
    expect(JSON.stringify(lines)).not.toContain(PSK);
    expect(lines[0]).toMatchObject({ presharedKey: '[redacted]', tunnel1PreSharedKey: '[redacted]', nested: { clientSecret: '[redacted]' } });
    expect(lines).toHaveLength(2);
  });

  test('LOG_LEVEL is read when POWERTOOLS_LOG_LEVEL is not set', async () => {
    const saved = process.env.LOG_LEVEL;
    try {
      process.env.LOG_LEVEL = 'WARN';
      const lines = await withLogLevel(undefined, () =>
        logLines(() => {
          const log = createLogger('svc-warn');
          log.info('no');
          log.warn('yes', { apiKey: PSK });
        }),
      );
      expect(lines).toEqual([expect.objectContaining({ level: 'WARN', service: 'svc-warn', message: 'yes', apiKey: '[redacted]' })]);
    } finally {
      if (saved === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = saved;
    }
  });
});

describe('named errors', () => {
  test("each error's name is its class name (what Retry/Catch match), its message the cause", () => {
    const classes = [ResourceNotReady, TransientCloudError, GatewayBuildFailed, WaitTimedOut, TunnelsDown, ResourceFailed, ProbeFailed, ResourceConflict, PermissionDenied];
    for (const ErrorClass of classes) {
      const error = new ErrorClass('what it last reported');
      expect(error).toBeInstanceOf(WorkflowError);
      expect(error).toBeInstanceOf(Error);
      expect([error.name, error.message]).toEqual([ErrorClass.name, 'what it last reported']);
    }
    expect(new WorkflowError('x').name).toBe('WorkflowError');
    const refused = new RequestRefused('refused', [{ path: 'aws.vpcId', message: 'not found' }]);
    expect(refused).toBeInstanceOf(WorkflowError);
    expect([refused.name, refused.summary, refused.problems]).toEqual(['RequestRefused', 'refused', [{ path: 'aws.vpcId', message: 'not found' }]]);
  });

  test('the terminal errors: no retry can fix them; not-ready, transient and probe failures are retried', () => {
    expect([...TERMINAL_ERRORS].sort()).toEqual(
      ['GatewayBuildFailed', 'PermissionDenied', 'RequestRefused', 'ResourceConflict', 'ResourceFailed', 'TunnelsDown', 'WaitTimedOut'].sort(),
    );
  });
});

describe('actionHandler', () => {
  const request = { environmentId: 'env-1' };

  test('runs the named action with its input, the clients, the invocation logger and the context; logs the result redacted', async () => {
    const seen: unknown[] = [];
    const context = lambdaContext('aoai-link-svc-ok', 'req-ok-1');
    const handler = actionHandler('svc-ok', clients, {
      build: async (input: { request: { environmentId: string }; size: number }, c, log, ctx) => {
        seen.push(input.size, typeof c.ec2.send, log === invocationLog(), ctx.awsRequestId);
        log.info('created', { id: 'vgw-1' });
        return { id: 'vgw-1', presharedKey: PSK };
      },
    });
    let result: unknown;
    const lines = await logLines(async () => {
      result = await handler({ action: 'build', executionName: 'env-1-run-1', request, size: 2 }, context);
    });
    expect(result).toEqual({ id: 'vgw-1', presharedKey: PSK });
    expect(seen).toEqual([2, 'function', true, 'req-ok-1']);
    const keys = { service: 'svc-ok', function_name: 'aoai-link-svc-ok', function_request_id: 'req-ok-1', executionName: 'env-1-run-1', action: 'build', environmentId: 'env-1' };
    expect(lines).toEqual([
      expect.objectContaining({ ...keys, level: 'INFO', message: 'created', id: 'vgw-1', cold_start: true }),
      expect.objectContaining({ ...keys, level: 'INFO', message: 'action finished', result: { id: 'vgw-1', presharedKey: '[redacted]' } }),
    ]);
    const again = await logLines(() => handler({ action: 'build', request, size: 1 }, lambdaContext('aoai-link-svc-ok', 'req-ok-2')));
    expect(again.map((l) => [l.function_request_id, l.cold_start, 'executionName' in l])).toEqual([
      ['req-ok-2', false, false],
      ['req-ok-2', false, false],
    ]);
  });

  test('an unknown action is refused before anything runs', async () => {
    let ran = false;
    const handler = actionHandler('svc-unknown', clients, { build: async (_input: { request: object }) => (ran = true) });
    // The refusal names the function and the action it was asked for, so a wrong ASL Parameters is found.
    await expect(handler({ action: 'destroy' } as never, lambdaContext())).rejects.toThrow(/svc-unknown.*destroy/);
    await expect(handler({ action: 'toString' } as never, lambdaContext())).rejects.toThrow(/svc-unknown.*toString/);
    await expect(handler(undefined as never, lambdaContext())).rejects.toThrow(/svc-unknown/);
    expect(ran).toBe(false);
  });

  test('a cloud failure becomes a named error by code and status; a workflow error keeps its name; both logged redacted', async () => {
    const throttled = Object.assign(new Error(`slow down, token=${PSK}`), { name: 'RequestLimitExceeded', $metadata: { httpStatusCode: 503 } });
    const denied = Object.assign(new Error('not allowed'), { name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } });
    const handler = actionHandler('svc-fail', clients, {
      throttled: async (_input: { request: object }) => {
        throw throttled;
      },
      denied: async (_input: { request: object }) => {
        throw denied;
      },
      notReady: async (_input: { request: object }) => {
        throw new ResourceNotReady(`gateway Updating, psk=${PSK}`);
      },
    });
    const outcomes: { name: string; message: string }[] = [];
    const lines = await logLines(async () => {
      for (const action of ['throttled', 'denied', 'notReady'] as const) {
        await handler({ action, request }, lambdaContext()).catch((error: Error) => outcomes.push({ name: error.name, message: error.message }));
      }
    });
    expect(outcomes.map((o) => o.name)).toEqual(['TransientCloudError', 'PermissionDenied', 'ResourceNotReady']);
    expect(outcomes[0].message).toContain('svc-fail.throttled');
    expect(JSON.stringify(outcomes)).not.toContain(PSK);
    expect(lines.map((l) => [l.level, l.message, l.action, l.environmentId, l.error])).toEqual([
      ['WARN', 'action failed', 'throttled', 'env-1', 'TransientCloudError'],
      ['WARN', 'action failed', 'denied', 'env-1', 'PermissionDenied'],
      ['WARN', 'action failed', 'notReady', 'env-1', 'ResourceNotReady'],
    ]);
    expect(lines.every((l) => typeof l.cause === 'string' && l.cause.length > 0)).toBe(true);
    expect(JSON.stringify(lines)).not.toContain(PSK);
  });

  test('an event without a request logs no environment', async () => {
    const handler = actionHandler('svc-none', clients, { ping: async (_input: object) => 'pong' });
    const lines = await logLines(() => handler({ action: 'ping' }, lambdaContext()));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ action: 'ping', result: 'pong' });
    expect('environmentId' in lines[0]).toBe(false);
  });

  test('two invocations running at once keep their own keys, in the shell and in the domain code', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handler = actionHandler('svc-concurrent', clients, {
      slow: async (_input: { request: object }) => {
        await gate;
        invocationLog().info('found', { kind: 'thing' });
        return 'slow';
      },
      fast: async (_input: { request: object }) => {
        invocationLog().info('created', { kind: 'thing' });
        release();
        return 'fast';
      },
    });
    const lines = await logLines(() =>
      Promise.all([
        handler({ action: 'slow', executionName: 'a-run-1', request: { environmentId: 'env-a' } }, lambdaContext('fn', 'req-a')),
        handler({ action: 'fast', executionName: 'b-run-1', request: { environmentId: 'env-b' } }, lambdaContext('fn', 'req-b')),
      ]),
    );
    const byMessage = (message: string) => lines.filter((l) => l.message === message).map((l) => [l.function_request_id, l.executionName, l.environmentId]);
    expect(byMessage('found')).toEqual([['req-a', 'a-run-1', 'env-a']]);
    expect(byMessage('created')).toEqual([['req-b', 'b-run-1', 'env-b']]);
  });
});
