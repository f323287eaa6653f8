/**
 * functions/commons handler.ts, logger.ts, errors.ts: the shell every task Lambda shares. What the state
 * machine can match (the error's name, classified by code and HTTP status), and what reaches the logs: one
 * JSON line per event, at or above the level, every line through the redactor.
 */
import { actionHandler } from '../../functions/commons/handler';
import { Logger, createLogger } from '../../functions/commons/logger';
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

/** Everything written to stdout while `work` runs, one parsed JSON object per line. */
async function stdoutLines(work: () => Promise<unknown> | unknown): Promise<Record<string, any>[]> {
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await work();
  } catch {
    // The caller checks the outcome separately.
  } finally {
    spy.mockRestore();
  }
  expect(written.every((chunk) => chunk.endsWith('\n'))).toBe(true);
  return written.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

function captured(level?: string) {
  const lines: string[] = [];
  const logger = new Logger('svc', { fixed: 'yes' }, level, (line) => lines.push(line));
  return { logger, lines: () => lines.map((line) => JSON.parse(line)) };
}

describe('Logger', () => {
  test('one JSON line: level, ISO timestamp, service, message, the context, then the data', () => {
    const { logger, lines } = captured('INFO');
    const before = Date.now();
    logger.info('hello', { extra: 1, fixed: 'data wins' });
    const [line] = lines();
    expect(line).toEqual({ level: 'INFO', timestamp: expect.any(String), service: 'svc', message: 'hello', fixed: 'data wins', extra: 1 });
    expect(new Date(line.timestamp).toISOString()).toBe(line.timestamp);
    expect(new Date(line.timestamp).getTime()).toBeGreaterThanOrEqual(before - 1);
  });

  test('levels: below the threshold nothing is written; the name of the level is case-blind; unknown means INFO', () => {
    const write = (logger: Logger) => {
      logger.debug('d');
      logger.info('i');
      logger.warn('w');
      logger.error('e');
    };
    for (const [level, expected] of [
      ['DEBUG', ['DEBUG', 'INFO', 'WARN', 'ERROR']],
      ['debug', ['DEBUG', 'INFO', 'WARN', 'ERROR']],
      ['INFO', ['INFO', 'WARN', 'ERROR']],
      ['WARN', ['WARN', 'ERROR']],
      ['ERROR', ['ERROR']],
      ['LOUD', ['INFO', 'WARN', 'ERROR']],
    ] as const) {
      const { logger, lines } = captured(level);
      write(logger);
      expect([level, lines().map((l) => l.level)]).toEqual([level, expected]);
      expect(lines().map((l) => l.message)).toEqual(expected.map((l) => l[0].toLowerCase()));
    }
  });

  test('a child keeps the level, the sink and the context, and adds its own', () => {
    const { logger, lines } = captured('WARN');
    const child = logger.child({ action: 'a1' }).child({ environmentId: 'env-1' });
    child.info('hidden');
    child.warn('shown');
    expect(lines()).toEqual([expect.objectContaining({ level: 'WARN', service: 'svc', fixed: 'yes', action: 'a1', environmentId: 'env-1', message: 'shown' })]);
    const debugLines: string[] = [];
    new Logger('svc', {}, 'DEBUG', (l) => debugLines.push(l)).child({}).debug('kept');
    expect(debugLines).toHaveLength(1);
  });

  test('every line goes through the redactor: data, context and the message itself', () => {
    const { logger, lines } = captured('DEBUG');
    const child = logger.child({ presharedKey: PSK });
    child.debug(`tunnel psk=${PSK}`, { tunnel1PreSharedKey: PSK, nested: { clientSecret: PSK, note: `Bearer ${PSK}` } });
    child.error('failed', { cause: `<pre_shared_key>${PSK}</pre_shared_key>` });
    const text = JSON.stringify(lines());
    expect(text).not.toContain(PSK);
    expect(lines()[0]).toMatchObject({ presharedKey: '[redacted]', tunnel1PreSharedKey: '[redacted]', nested: { clientSecret: '[redacted]' } });
    expect(lines()).toHaveLength(2);
  });

  test('createLogger writes to stdout at LOG_LEVEL; SILENT writes nothing at all', async () => {
    const saved = process.env.LOG_LEVEL;
    try {
      process.env.LOG_LEVEL = 'WARN';
      const warnLines = await stdoutLines(() => {
        const log = createLogger('svc-warn');
        log.info('no');
        log.warn('yes', { apiKey: PSK });
      });
      expect(warnLines).toEqual([expect.objectContaining({ level: 'WARN', service: 'svc-warn', message: 'yes', apiKey: '[redacted]' })]);

      delete process.env.LOG_LEVEL;
      const defaultLines = await stdoutLines(() => {
        const log = createLogger('svc-default');
        log.debug('no');
        log.info('yes');
      });
      expect(defaultLines.map((l) => l.message)).toEqual(['yes']);

      process.env.LOG_LEVEL = 'silent';
      const silentLines = await stdoutLines(() => {
        const log = createLogger('svc-silent');
        log.error('no');
        log.child({ a: 1 }).error('no');
      });
      expect(silentLines).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = saved;
    }
  });
});

describe('named errors', () => {
  test("each error's name is its class name (what Retry/Catch match), its message the cause", () => {
    const classes = [RequestRefused, ResourceNotReady, TransientCloudError, GatewayBuildFailed, WaitTimedOut, TunnelsDown, ResourceFailed, ProbeFailed, ResourceConflict, PermissionDenied];
    for (const ErrorClass of classes) {
      const error = new ErrorClass('what it last reported');
      expect(error).toBeInstanceOf(WorkflowError);
      expect(error).toBeInstanceOf(Error);
      expect([error.name, error.message]).toEqual([ErrorClass.name, 'what it last reported']);
    }
    expect(new WorkflowError('x').name).toBe('WorkflowError');
  });

  test('the terminal errors: no retry can fix them; not-ready, transient and probe failures are retried', () => {
    expect([...TERMINAL_ERRORS].sort()).toEqual(
      ['GatewayBuildFailed', 'PermissionDenied', 'RequestRefused', 'ResourceConflict', 'ResourceFailed', 'TunnelsDown', 'WaitTimedOut'].sort(),
    );
  });
});

describe('actionHandler', () => {
  const request = { environmentId: 'env-1' };

  test('runs the named action with the clients and a child logger, logs the result redacted, returns it', async () => {
    const seen: unknown[] = [];
    const handler = actionHandler('svc-ok', {
      build: async (event, clients, log) => {
        seen.push(event.action, typeof clients.ec2?.send, log instanceof Logger);
        return { id: 'vgw-1', presharedKey: PSK };
      },
    });
    let result: unknown;
    const lines = await stdoutLines(async () => {
      result = await handler({ action: 'build', request });
    });
    expect(result).toEqual({ id: 'vgw-1', presharedKey: PSK });
    expect(seen).toEqual(['build', 'function', true]);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'INFO', service: 'svc-ok', message: 'action finished', action: 'build', environmentId: 'env-1', result: { id: 'vgw-1', presharedKey: '[redacted]' } }),
    ]);
  });

  test('an unknown action is refused before anything runs', async () => {
    let ran = false;
    const handler = actionHandler('svc-unknown', { build: async () => (ran = true) });
    // The refusal names the function and the action it was asked for, so a wrong ASL Parameters is found.
    await expect(handler({ action: 'destroy' })).rejects.toThrow(/svc-unknown.*destroy/);
    await expect(handler(undefined as any)).rejects.toThrow(/svc-unknown/);
    expect(ran).toBe(false);
  });

  test('a cloud failure becomes a named error by code and status; a workflow error keeps its name; both logged redacted', async () => {
    const throttled = Object.assign(new Error(`slow down, token=${PSK}`), { name: 'RequestLimitExceeded', $metadata: { httpStatusCode: 503 } });
    const denied = Object.assign(new Error('not allowed'), { name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } });
    const handler = actionHandler('svc-fail', {
      throttled: async () => {
        throw throttled;
      },
      denied: async () => {
        throw denied;
      },
      notReady: async () => {
        throw new ResourceNotReady(`gateway Updating, psk=${PSK}`);
      },
    });
    const outcomes: { name: string; message: string }[] = [];
    const lines = await stdoutLines(async () => {
      for (const action of ['throttled', 'denied', 'notReady']) {
        await handler({ action, request }).catch((error: Error) => outcomes.push({ name: error.name, message: error.message }));
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
    const handler = actionHandler('svc-none', { ping: async () => 'pong' });
    const lines = await stdoutLines(() => handler({ action: 'ping' }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ action: 'ping', result: 'pong' });
    expect('environmentId' in lines[0]).toBe(false);
  });
});
