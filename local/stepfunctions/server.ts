/**
 * A local Step Functions endpoint (AWS JSON 1.0, `X-Amz-Target: AWSStepFunctions.<Operation>`) on 127.0.0.1,
 * so the webhook intake, the status endpoint, the notifier and the command line run unchanged with the real
 * @aws-sdk/client-sfn against local executions.
 *
 * Operations: StartExecution, DescribeExecution, GetExecutionHistory, ListExecutions, RedriveExecution.
 * Semantics follow the service where the product depends on them:
 * - names are unique per state machine: starting a RUNNING execution's name with the same input returns that
 *   execution (idempotent); a different input, or a finished execution's name, is ExecutionAlreadyExists;
 * - a redrive continues a FAILED, TIMED_OUT or ABORTED execution from its unsuccessful state (redrive.ts);
 *   RUNNING and SUCCEEDED ones are ExecutionNotRedrivable;
 * - unknown executions are ExecutionDoesNotExist, unknown state machines StateMachineDoesNotExist, bad names
 *   InvalidName, bad ARNs InvalidArn, input that is not JSON InvalidExecutionInput;
 * - timestamps are epoch seconds on the wire, lists are newest first.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HistoryEvent } from '../runner/history';
import { ExecutionEnd, LocalExecutionBackend } from './backend';
import { NotRedrivable } from './redrive';

export const LOCAL_STATE_MACHINE_ARN = 'arn:aws:states:ap-northeast-1:123456789012:stateMachine:aoai-link-provision';
/** The teardown state machine, served beside provisioning (statemachine/teardown.asl.json). */
export const LOCAL_TEARDOWN_STATE_MACHINE_ARN = 'arn:aws:states:ap-northeast-1:123456789012:stateMachine:aoai-link-teardown';

export type ExecutionStatus = 'RUNNING' | ExecutionEnd['status'];

export interface LocalExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  input: string;
  output?: string;
  error?: string | null;
  cause?: string | null;
  startDate: Date;
  stopDate?: Date;
  events: HistoryEvent[];
  /** RedriveExecution: how many times, when last, with which client token, and where its events begin. */
  redriveCount: number;
  redriveDate?: Date;
  redriveToken?: string;
  segmentStart: number;
}

/** A service error as the SDK expects it: HTTP 400 and `__type`. */
export class StepFunctionsError extends Error {
  constructor(readonly type: string, message: string, readonly statusCode = 400) {
    super(message);
    this.name = type;
  }
}

export interface LocalStepFunctionsOptions {
  backend: LocalExecutionBackend;
  /** The state machines that exist. Default: LOCAL_STATE_MACHINE_ARN and LOCAL_TEARDOWN_STATE_MACHINE_ARN. */
  stateMachineArns?: string[];
  /** Default 0 (any free port). Always bound to 127.0.0.1. */
  port?: number;
  /**
   * At most this many items per page of ListExecutions/GetExecutionHistory, whatever maxResults asks: the
   * service says a page "might be fewer than the specified maximum", so callers must follow nextToken.
   */
  pageLimit?: number;
}

export interface LocalStepFunctions {
  /** http://127.0.0.1:<port>, for the SDK's `endpoint` or AWS_ENDPOINT_URL_SFN. */
  endpoint: string;
  port: number;
  executions: Map<string, LocalExecution>;
  /** Resolves when the execution has ended (tests). */
  waitForEnd(executionArn: string): Promise<LocalExecution>;
  close(): Promise<void>;
}

const NAME = /^[A-Za-z0-9_-]{1,80}$/;
/** Executions that ended within the last 14 days can be redriven. */
const REDRIVABLE_PERIOD_MS = 14 * 24 * 3600 * 1000;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/;
const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]+$/;

const seconds = (date: Date | string | undefined) => (date === undefined ? undefined : new Date(date).getTime() / 1000);

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** The execution API over an in-memory store; separate from HTTP so it reads like the service's docs. */
class ExecutionStore {
  readonly executions = new Map<string, LocalExecution>();
  private readonly endWaiters = new Map<string, ((e: LocalExecution) => void)[]>();

  constructor(
    private readonly backend: LocalExecutionBackend,
    private readonly stateMachineArns: Set<string>,
    private readonly pageLimit = Number.POSITIVE_INFINITY,
  ) {}

  private requireStateMachine(arn: unknown): string {
    if (typeof arn !== 'string' || !STATE_MACHINE_ARN.test(arn)) throw new StepFunctionsError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    if (!this.stateMachineArns.has(arn)) throw new StepFunctionsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return arn;
  }

  private requireExecution(arn: unknown): LocalExecution {
    if (typeof arn !== 'string' || !EXECUTION_ARN.test(arn)) throw new StepFunctionsError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    const execution = this.executions.get(arn);
    if (!execution) throw new StepFunctionsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  }

  startExecution(body: { stateMachineArn?: string; name?: string; input?: string }) {
    const stateMachineArn = this.requireStateMachine(body.stateMachineArn);
    const name = body.name ?? crypto.randomUUID();
    if (!NAME.test(name)) throw new StepFunctionsError('InvalidName', `Invalid Name: '${name}'`);
    const input = body.input ?? '{}';
    let parsedInput: unknown;
    try {
      parsedInput = JSON.parse(input);
    } catch {
      throw new StepFunctionsError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not JSON');
    }
    const parts = stateMachineArn.split(':');
    const executionArn = [...parts.slice(0, 5), 'execution', parts[6], name].join(':');
    const existing = this.executions.get(executionArn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input) {
        return { executionArn, startDate: seconds(existing.startDate) };
      }
      throw new StepFunctionsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const execution: LocalExecution = { executionArn, stateMachineArn, name, status: 'RUNNING', input, startDate: new Date(), events: [], redriveCount: 0, segmentStart: 0 };
    this.executions.set(executionArn, execution);
    this.backend.start({ executionArn, stateMachineArn, name, input: parsedInput }, {
      onEvent: (event) => execution.events.push(event),
      onEnd: (end) => this.end(execution, end),
    });
    return { executionArn, startDate: seconds(execution.startDate) };
  }

  /**
   * RedriveExecution: a FAILED, TIMED_OUT or ABORTED execution that ended within the last 14 days continues
   * from its unsuccessful state with that state's input, under the same ARN, its history appended after an
   * ExecutionRedriven event. The same client token again is the same redrive.
   * https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html
   */
  redriveExecution(body: { executionArn?: string; clientToken?: string }) {
    const execution = this.requireExecution(body.executionArn);
    if (body.clientToken !== undefined && body.clientToken === execution.redriveToken) {
      return { redriveDate: seconds(execution.redriveDate) };
    }
    const notRedrivable = this.notRedrivableReason(execution);
    if (notRedrivable) throw new StepFunctionsError('ExecutionNotRedrivable', notRedrivable);
    if (!this.backend.redrive) throw new StepFunctionsError('ExecutionNotRedrivable', 'This local backend cannot redrive executions.');
    const redriveCount = execution.redriveCount + 1;
    const last = execution.events[execution.events.length - 1];
    const redrivenId = (last?.id ?? 0) + 1;
    const redriveDate = new Date();
    const offset = redrivenId - 1;
    try {
      this.backend.redrive(
        {
          executionArn: execution.executionArn,
          stateMachineArn: execution.stateMachineArn,
          name: execution.name,
          input: JSON.parse(execution.input),
          events: [...execution.events],
          redriveCount,
        },
        {
          onEvent: (event) => {
            // The continuation's own start is the ExecutionRedriven event; its other events follow it.
            if (event.type === 'ExecutionStarted') return;
            execution.events.push({
              ...event,
              id: event.id + offset,
              ...(event.previousEventId !== undefined ? { previousEventId: event.previousEventId + offset } : {}),
            });
          },
          onEnd: (end) => this.end(execution, end),
        },
      );
    } catch (error) {
      if (error instanceof NotRedrivable) throw new StepFunctionsError('ExecutionNotRedrivable', error.message);
      throw error;
    }
    execution.events.push({
      id: redrivenId,
      previousEventId: last?.id,
      type: 'ExecutionRedriven',
      timestamp: redriveDate,
      executionRedrivenEventDetails: { redriveCount },
    } as HistoryEvent);
    Object.assign(execution, {
      status: 'RUNNING',
      redriveCount,
      redriveDate,
      redriveToken: body.clientToken,
      segmentStart: execution.events.length - 1,
      stopDate: undefined,
      output: undefined,
      error: undefined,
      cause: undefined,
    });
    return { redriveDate: seconds(redriveDate) };
  }

  /** The service's reasons (DescribeExecution redriveStatusReason) that apply to a local execution. */
  private notRedrivableReason(execution: LocalExecution): string | undefined {
    if (execution.status === 'RUNNING') return 'Execution is RUNNING and cannot be redriven.';
    if (execution.status === 'SUCCEEDED') return 'Execution is SUCCEEDED and cannot be redriven.';
    if (execution.stopDate && Date.now() - execution.stopDate.getTime() > REDRIVABLE_PERIOD_MS) return 'Execution redrivable period exceeded.';
    return undefined;
  }

  private end(execution: LocalExecution, end: ExecutionEnd): void {
    if (execution.status !== 'RUNNING') return;
    const stopDate = new Date();
    Object.assign(execution, { status: end.status, output: end.output, error: end.error, cause: end.cause, stopDate });
    // Backends that report no history (or no terminal event) still leave a readable one.
    if (!execution.events.some((e) => e.type === 'ExecutionStarted')) {
      execution.events.unshift({ id: 0, type: 'ExecutionStarted', timestamp: execution.startDate });
    }
    const terminal = { SUCCEEDED: 'ExecutionSucceeded', FAILED: 'ExecutionFailed', TIMED_OUT: 'ExecutionTimedOut', ABORTED: 'ExecutionAborted' }[end.status];
    if (!execution.events.slice(execution.segmentStart).some((e) => e.type === terminal)) {
      const last = execution.events[execution.events.length - 1];
      execution.events.push({
        id: (last?.id ?? 0) + 1,
        previousEventId: last?.id,
        type: terminal,
        timestamp: stopDate,
        ...(end.status === 'SUCCEEDED' ? { executionSucceededEventDetails: { output: end.output } } : {}),
        ...(end.status === 'FAILED' ? { executionFailedEventDetails: { error: end.error ?? undefined, cause: end.cause ?? undefined } } : {}),
      });
    }
    execution.events.forEach((event, index) => {
      if (!event.id) event.id = index + 1;
    });
    for (const resolve of this.endWaiters.get(execution.executionArn) ?? []) resolve(execution);
    this.endWaiters.delete(execution.executionArn);
  }

  waitForEnd(executionArn: string): Promise<LocalExecution> {
    const execution = this.requireExecution(executionArn);
    if (execution.status !== 'RUNNING') return Promise.resolve(execution);
    return new Promise((resolve) => this.endWaiters.set(executionArn, [...(this.endWaiters.get(executionArn) ?? []), resolve]));
  }

  describeExecution(body: { executionArn?: string }) {
    const e = this.requireExecution(body.executionArn);
    return {
      executionArn: e.executionArn,
      stateMachineArn: e.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: seconds(e.startDate),
      stopDate: seconds(e.stopDate),
      input: e.input,
      inputDetails: { included: true },
      ...(e.output !== undefined ? { output: e.output, outputDetails: { included: true } } : {}),
      ...(e.error ? { error: e.error } : {}),
      ...(e.cause ? { cause: e.cause } : {}),
      redriveCount: e.redriveCount,
      ...(e.redriveDate ? { redriveDate: seconds(e.redriveDate) } : {}),
      redriveStatus: this.notRedrivableReason(e) ? 'NOT_REDRIVABLE' : 'REDRIVABLE',
      ...(this.notRedrivableReason(e) ? { redriveStatusReason: this.notRedrivableReason(e) } : {}),
    };
  }

  getExecutionHistory(body: { executionArn?: string; maxResults?: number; nextToken?: string; reverseOrder?: boolean }) {
    const e = this.requireExecution(body.executionArn);
    const all = body.reverseOrder ? [...e.events].reverse() : e.events;
    const { page, nextToken } = paginate(all, body.maxResults, body.nextToken, this.pageLimit);
    return { events: page.map((event) => ({ ...event, timestamp: seconds(event.timestamp) })), ...(nextToken ? { nextToken } : {}) };
  }

  listExecutions(body: { stateMachineArn?: string; statusFilter?: string; maxResults?: number; nextToken?: string }) {
    const stateMachineArn = this.requireStateMachine(body.stateMachineArn);
    const matching = [...this.executions.values()]
      .filter((e) => e.stateMachineArn === stateMachineArn && (!body.statusFilter || e.status === body.statusFilter))
      .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
    const { page, nextToken } = paginate(matching, body.maxResults, body.nextToken, this.pageLimit);
    return {
      executions: page.map((e) => ({
        executionArn: e.executionArn,
        stateMachineArn: e.stateMachineArn,
        name: e.name,
        status: e.status,
        startDate: seconds(e.startDate),
        ...(e.stopDate ? { stopDate: seconds(e.stopDate) } : {}),
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }
}

/**
 * Offset-based tokens: enough for a local endpoint (the service's tokens are opaque too). As the API reference
 * has it: maxResults 0 or absent means 100, more than 1000 is refused.
 */
function paginate<T>(items: T[], maxResults: number | undefined, token: string | undefined, pageLimit: number): { page: T[]; nextToken?: string } {
  const start = token ? Number.parseInt(token, 10) : 0;
  if (!Number.isInteger(start) || start < 0) throw new StepFunctionsError('InvalidToken', 'Invalid Token');
  if (maxResults !== undefined && (maxResults < 0 || maxResults > 1000)) {
    throw new StepFunctionsError('ValidationException', 'maxResults must be between 0 and 1000');
  }
  const size = Math.min(maxResults && maxResults > 0 ? maxResults : 100, pageLimit);
  const page = items.slice(start, start + size);
  return { page, nextToken: start + size < items.length ? String(start + size) : undefined };
}

function send(response: ServerResponse, status: number, body: unknown, errorType?: string): void {
  response.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.0',
    'x-amzn-RequestId': crypto.randomUUID(),
    ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
  });
  response.end(JSON.stringify(body));
}

export async function startLocalStepFunctions(options: LocalStepFunctionsOptions): Promise<LocalStepFunctions> {
  const store = new ExecutionStore(options.backend, new Set(options.stateMachineArns ?? [LOCAL_STATE_MACHINE_ARN, LOCAL_TEARDOWN_STATE_MACHINE_ARN]), options.pageLimit);
  const operations: Record<string, (body: any) => unknown> = {
    StartExecution: (body) => store.startExecution(body),
    DescribeExecution: (body) => store.describeExecution(body),
    GetExecutionHistory: (body) => store.getExecutionHistory(body),
    ListExecutions: (body) => store.listExecutions(body),
    RedriveExecution: (body) => store.redriveExecution(body),
  };

  const server: Server = createServer(async (request, response) => {
    try {
      const target = String(request.headers['x-amz-target'] ?? '');
      const [prefix, operation] = target.split('.');
      const handler = prefix === 'AWSStepFunctions' ? operations[operation] : undefined;
      if (request.method !== 'POST' || !handler) {
        throw new StepFunctionsError('UnknownOperationException', `Unsupported operation ${target || '(none)'}`);
      }
      const text = await readBody(request);
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        throw new StepFunctionsError('SerializationException', 'Request body is not JSON');
      }
      send(response, 200, handler(body));
    } catch (error) {
      if (error instanceof StepFunctionsError) {
        send(response, error.statusCode, { __type: error.type, message: error.message }, error.type);
      } else {
        send(response, 500, { __type: 'InternalServerError', message: (error as Error).message }, 'InternalServerError');
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    executions: store.executions,
    waitForEnd: (arn) => store.waitForEnd(arn),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
