/** Shared by the intake and CLI tests: the local Step Functions endpoint, a controllable backend, signing. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { HistoryEvent } from '../../cli/history';
import { signatureHeaders } from '../../functions/commons/signature';
import type { ProxyEvent } from '../../functions/commons/http';
import { ExecutionEnd, ExecutionSink, LocalExecutionBackend, RedrivenExecution, StartedExecution } from '../../local/stepfunctions/backend';
import { LOCAL_STATE_MACHINE_ARN, LocalStepFunctions, startLocalStepFunctions } from '../../local/stepfunctions/server';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const SECRET = 'test-signing-secret-0123456789abcdef';
export const STATE_MACHINE_ARN = LOCAL_STATE_MACHINE_ARN;

export function sampleRequest(): Record<string, any> {
  return JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'events', 'new-environment.json'), 'utf8'));
}

/** A backend the test drives: executions stay RUNNING until the test ends them. */
export class ManualBackend implements LocalExecutionBackend {
  readonly started = new Map<string, { execution: StartedExecution; sink: ExecutionSink }>();
  /** Redrives asked for, in order. */
  readonly redriven: RedrivenExecution[] = [];

  start(execution: StartedExecution, sink: ExecutionSink): void {
    this.started.set(execution.executionArn, { execution, sink });
  }

  redrive(execution: RedrivenExecution, sink: ExecutionSink): void {
    this.redriven.push(execution);
    this.started.set(execution.executionArn, { execution, sink });
  }

  emit(executionArn: string, event: HistoryEvent): void {
    this.started.get(executionArn)!.sink.onEvent(event);
  }

  finish(executionArn: string, end: ExecutionEnd): void {
    this.started.get(executionArn)!.sink.onEnd(end);
  }
}

export function sfnClient(endpoint: string): SFNClient {
  return new SFNClient({
    endpoint,
    region: 'ap-northeast-1',
    credentials: { accessKeyId: 'AKIATESTLOCAL0000000', secretAccessKey: 'test-secret-access-key' },
  });
}

export async function localSfn(backend: LocalExecutionBackend): Promise<{ server: LocalStepFunctions; sfn: SFNClient }> {
  const server = await startLocalStepFunctions({ backend });
  return { server, sfn: sfnClient(server.endpoint) };
}

/** An API Gateway proxy event carrying `body`, signed now (or at `nowSeconds`) unless `sign` is false. */
export function webhookEvent(body: string, options: { sign?: boolean; secret?: string; nowSeconds?: number } = {}): ProxyEvent {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (options.sign !== false) Object.assign(headers, signatureHeaders(options.secret ?? SECRET, body, options.nowSeconds));
  return { body, isBase64Encoded: false, headers };
}

/** A writable that keeps what is written. */
export function captured(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as Writable & { text: () => string };
  stream.text = () => chunks.join('');
  return stream;
}
