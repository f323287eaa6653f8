/**
 * The emulated AWS endpoint: one HTTP server on 127.0.0.1 answering EC2 (query/XML), Route 53 Resolver and
 * Secrets Manager (JSON 1.1, by X-Amz-Target) and Lambda (REST-JSON, by path), so `AWS_ENDPOINT_URL` can
 * point every SDK client at it.
 *
 * Every call is counted (recorder), may be refused by an injected fault before anything changes, and, once a
 * state-changing call has committed, may have its answer dropped (the connection is destroyed) so the
 * caller's retries meet what really exists, as they would on AWS. Requests hold the simulated clock still.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmulatorContext } from '../cloud/context';
import type { LambdaFunction } from '../cloud/state';
import { describeAwsCall, type AwsCallRecord } from './call-record';
import { AwsServiceError, UnknownOperationError } from './errors';
import { ec2ErrorBody, ec2Fault, identifyEc2, runEc2 } from './ec2';
import { uuidFrom } from './ids';
import { jsonErrorBody, parseJsonBody, type JsonAction } from './json-protocol';
import { identifyLambda, lambdaErrorAnswer, lambdaFault, type LambdaAnswer } from './lambda';
import { RESOLVER_ACTIONS, resolverFault } from './route53resolver';
import { SECRETS_ACTIONS, secretsFault } from './secretsmanager';

export interface AwsEmulatorOptions {
  /** Runs a Lambda function's code when Invoke is called (local wiring supplies the probe). Resolve with the JSON payload the function returns; reject to report a function error (FunctionError: 'Unhandled'). */
  invokeFunction?: (fn: LambdaFunction, payload: unknown) => Promise<unknown>;
}

export interface AwsEmulator {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  close(): Promise<void>;
}

type FaultKind = 'throttle' | 'error5xx';

/** One call, whatever its protocol: what it is, and how to run it and render its errors. */
interface Call {
  action: string;
  target: string;
  mutating: boolean;
  run(): Promise<LambdaAnswer>;
  fault(kind: FaultKind): AwsServiceError;
  error(error: AwsServiceError): LambdaAnswer;
  /** What the answered call touched, for the recorder (IAM simulation). */
  record(answerBody: string, userAgent: string, status: number): AwsCallRecord;
}

const JSON_SERVICES: Record<string, { actions: Record<string, JsonAction>; fault: (kind: FaultKind) => AwsServiceError }> = {
  Route53Resolver: { actions: RESOLVER_ACTIONS, fault: resolverFault },
  secretsmanager: { actions: SECRETS_ACTIONS, fault: secretsFault },
};

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function startAwsEmulator(ctx: EmulatorContext, options: AwsEmulatorOptions = {}): Promise<AwsEmulator> {
  let requests = 0;
  let faults = 0;

  function classify(req: http.IncomingMessage, url: URL, body: Buffer, requestId: string): Call {
    const jsonHeaders = { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': requestId };

    const lambda = identifyLambda({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body });
    if (lambda) {
      return {
        ...lambda,
        run: () => lambda.run(ctx, options.invokeFunction),
        fault: lambdaFault,
        error: (e) => lambdaErrorAnswer(e, requestId),
        record: (answerBody, userAgent, status) =>
          describeAwsCall(ctx, { service: 'lambda', action: lambda.action, target: lambda.target, input: { kind: 'json', body: jsonOrEmpty(body) }, answerBody, userAgent, status }),
      };
    }

    const amzTarget = req.headers['x-amz-target'];
    if (typeof amzTarget === 'string') {
      const dot = amzTarget.indexOf('.');
      const service = JSON_SERVICES[amzTarget.slice(0, dot)];
      const action = amzTarget.slice(dot + 1);
      if (!service) throw new UnknownOperationError(`No emulated service answers X-Amz-Target ${amzTarget}`);
      const entry = service.actions[action];
      const input = (() => {
        try {
          return parseJsonBody(body.toString('utf8'));
        } catch {
          return undefined;
        }
      })();
      const target = entry?.target && input ? String(input[entry.target] ?? '') : '';
      return {
        action,
        target,
        mutating: entry?.mutating ?? false,
        run: async () => {
          if (!entry) throw new AwsServiceError('UnknownOperationException', `The operation ${action} is not supported by the emulator`);
          const output = entry.handler(ctx, parseJsonBody(body.toString('utf8')));
          return { status: 200, headers: jsonHeaders, body: JSON.stringify(output) };
        },
        fault: service.fault,
        error: (e) => ({ status: e.status, headers: { ...jsonHeaders, 'x-amzn-ErrorType': e.code }, body: jsonErrorBody(e) }),
        record: (answerBody, userAgent, status) =>
          describeAwsCall(ctx, {
            service: amzTarget.startsWith('Route53Resolver.') ? 'route53resolver' : 'secretsmanager',
            action,
            target,
            input: { kind: 'json', body: input ?? {} },
            answerBody,
            userAgent,
            status,
          }),
      };
    }

    // EC2 query: a form body on POST (what the SDK sends) or a query string (how the API reference prints it).
    const form = body.length > 0 ? body.toString('utf8') : url.search.slice(1);
    const ec2 = identifyEc2(form);
    if (!ec2.action) throw new UnknownOperationError(`${req.method} ${url.pathname} is not an AWS API call the emulator knows`);
    const xmlHeaders = { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-RequestId': requestId };
    return {
      action: ec2.action,
      target: ec2.target,
      mutating: ec2.mutating,
      run: async () => ({ status: 200, headers: xmlHeaders, body: runEc2(ctx, ec2, requestId) }),
      fault: (kind) => ec2Fault(kind, faults),
      error: (e) => ({ status: e.status, headers: xmlHeaders, body: ec2ErrorBody(e, requestId) }),
      record: (answerBody, userAgent, status) =>
        describeAwsCall(ctx, { service: 'ec2', action: ec2.action, target: ec2.target, input: { kind: 'query', params: ec2.params }, answerBody, userAgent, status }),
    };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const requestId = uuidFrom(`aws-request#${++requests}`);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let call: Call;
    try {
      call = classify(req, url, body, requestId);
    } catch (error) {
      const e = error instanceof AwsServiceError ? error : new UnknownOperationError(String(error));
      send(res, { status: e.status, headers: { 'content-type': 'application/json' }, body: jsonErrorBody(e) });
      return;
    }

    ctx.recorder.call('aws', call.action);
    const fault = ctx.faults.beforeCall(`${call.action} ${call.target}`);
    if (fault) {
      faults++;
      send(res, call.error(call.fault(fault)));
      return;
    }
    let answer: LambdaAnswer;
    try {
      answer = await call.run();
    } catch (error) {
      if (error instanceof AwsServiceError) {
        const refusal = call.error(error);
        // A service's refusal (not found, conflict) comes after authorization: record it for the simulation too.
        if (refusal.status < 500) ctx.recorder.awsCall(recordOf(call, refusal, userAgentOf(req)));
        send(res, refusal);
      } else {
        // A bug in the emulator, not a cloud answer: report it as the service's internal error, loudly.
        console.error(`[aws emulator] ${call.action} failed:`, error);
        send(res, call.error(new AwsServiceError('InternalFailure', `Emulator failure in ${call.action}: ${String(error)}`, 500)));
      }
      return;
    }
    // Authorized and carried out (a dropped answer below was authorized too): what IAM saw, for the simulation.
    ctx.recorder.awsCall(recordOf(call, answer, userAgentOf(req)));
    if (call.mutating && ctx.faults.dropAfterCommit(call.action)) {
      // Committed, but the caller never hears so: exactly what a lost response from AWS looks like.
      req.socket.destroy();
      return;
    }
    send(res, answer);
  }

  const server = http.createServer((req, res) => {
    void ctx.clock.hold(() => handle(req, res)).catch((error) => {
      console.error('[aws emulator] request failed:', error);
      if (!res.headersSent) send(res, { status: 500, body: '' });
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        endpoint: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function send(res: http.ServerResponse, answer: LambdaAnswer): void {
  const body = answer.body ?? '';
  res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function jsonOrEmpty(body: Buffer): Record<string, unknown> {
  try {
    const parsed = JSON.parse(body.toString('utf8') || '{}') as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The record of an answered call; a failure to describe it is recorded as such, never breaks the answer. */
function recordOf(call: Call, answer: LambdaAnswer, userAgent: string): AwsCallRecord {
  try {
    return call.record(answer.status < 300 ? (answer.body ?? '') : '', userAgent, answer.status);
  } catch (error) {
    return { action: call.action, userAgent, status: answer.status, created: [], referenced: [], requestTags: {}, unrecorded: String(error) };
  }
}

const userAgentOf = (req: http.IncomingMessage) => String(req.headers['user-agent'] ?? '');
