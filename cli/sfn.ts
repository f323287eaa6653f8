/**
 * Step Functions for the command line: a client configured from the environment, and following an
 * execution's history into the progress display until it ends.
 */
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, type HistoryEvent as SdkHistoryEvent } from '@aws-sdk/client-sfn';
import type { HistoryEvent } from './history';

export const TERMINAL_EVENTS = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted']);

/**
 * Region and credentials come from the usual AWS chain (AWS_PROFILE, AWS_REGION...). The endpoint from
 * AWS_ENDPOINT_URL_SFN, else AWS_ENDPOINT_URL (the local Step Functions endpoint, a VPC endpoint).
 */
export function sfnClientFromEnv(env: NodeJS.ProcessEnv = process.env): SFNClient {
  const endpoint = env.AWS_ENDPOINT_URL_SFN || env.AWS_ENDPOINT_URL;
  return new SFNClient({ ...(endpoint ? { endpoint } : {}) });
}

/** Whether the client talks to a local endpoint (then history times are simulated). */
export async function isLocalEndpoint(sfn: SFNClient): Promise<boolean> {
  const endpoint = sfn.config.endpoint ? await sfn.config.endpoint() : undefined;
  return endpoint?.hostname === '127.0.0.1' || endpoint?.hostname === 'localhost';
}

export interface EventSink {
  onEvent(event: HistoryEvent): void;
}

export interface FollowResult {
  status: string;
  error: string | null;
  cause: string | null;
  output?: string;
  /** From the first to the last history event. */
  seconds: number;
}

export interface FollowOptions {
  /** Between polls. Default 5 s (the console refreshes no faster). */
  intervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** The SDK's event, in the shape the display reads (dates as Date, details passed through). */
function toHistoryEvent(event: SdkHistoryEvent): HistoryEvent {
  return { ...(event as unknown as HistoryEvent), id: event.id ?? 0, type: String(event.type), timestamp: event.timestamp ?? new Date(0) };
}

/** Polls GetExecutionHistory, feeding each new event to the sink once, until the execution has ended. */
export async function followExecution(sfn: SFNClient, executionArn: string, sink: EventSink, options: FollowOptions = {}): Promise<FollowResult> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let lastId = 0;
  let first: Date | undefined;
  let last: Date | undefined;
  for (;;) {
    let ended = false;
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken, includeExecutionData: true }));
      for (const raw of page.events ?? []) {
        const event = toHistoryEvent(raw);
        // A redriven execution's history holds its earlier end, then ExecutionRedriven and the continuation.
        if (TERMINAL_EVENTS.has(event.type)) ended = true;
        if (event.type === 'ExecutionRedriven') ended = false;
        if (event.id <= lastId) continue;
        lastId = event.id;
        const at = new Date(event.timestamp);
        first ??= at;
        last = at;
        sink.onEvent(event);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    if (ended) break;
    await sleep(options.intervalMs ?? 5_000);
  }
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  return {
    status: String(described.status),
    error: described.error ?? null,
    cause: described.cause ?? null,
    output: described.output,
    seconds: first && last ? (last.getTime() - first.getTime()) / 1000 : 0,
  };
}

export interface CliIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

export const PROCESS_IO: CliIo = { out: process.stdout, err: process.stderr };

/** `--name value` or `--name=value`; returns the value and the other arguments. */
export function takeOption(argv: string[], name: string): { value?: string; rest: string[] } {
  const rest: string[] = [];
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === `--${name}`) value = argv[++i];
    else if (arg.startsWith(`--${name}=`)) value = arg.slice(name.length + 3);
    else rest.push(arg);
  }
  return { value, rest };
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
