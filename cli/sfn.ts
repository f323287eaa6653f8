/**
 * Step Functions for the command line: a client configured from the environment, and following an
 * execution's history into the progress display until it ends.
 */
import type { HistoryEvent as SdkHistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import type { HistoryEvent } from './history';

/** The SDK, loaded by the commands that call Step Functions (not by `--help` or local mode's options). */
const sdk = () => require('@aws-sdk/client-sfn') as typeof import('@aws-sdk/client-sfn');

export const TERMINAL_EVENTS = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted']);

/**
 * Region and credentials come from the usual AWS chain (AWS_PROFILE, AWS_REGION...). The endpoint from
 * AWS_ENDPOINT_URL_SFN, else AWS_ENDPOINT_URL (the local Step Functions endpoint, a VPC endpoint).
 */
export function sfnClientFromEnv(env: NodeJS.ProcessEnv = process.env): SFNClient {
  const endpoint = env.AWS_ENDPOINT_URL_SFN || env.AWS_ENDPOINT_URL;
  return new (sdk().SFNClient)({ ...(endpoint ? { endpoint } : {}) });
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
      const page = await sfn.send(new (sdk().GetExecutionHistoryCommand)({ executionArn, maxResults: 1000, nextToken, includeExecutionData: true }));
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
  const described = await sfn.send(new (sdk().DescribeExecutionCommand)({ executionArn }));
  return {
    status: String(described.status),
    error: described.error ?? null,
    cause: described.cause ?? null,
    output: described.output,
    seconds: first && last ? (last.getTime() - first.getTime()) / 1000 : 0,
  };
}

/** The execution's history as it is now (every page) and its description: one look, no waiting. */
export async function readExecution(sfn: SFNClient, executionArn: string): Promise<FollowResult & { events: HistoryEvent[] }> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new (sdk().GetExecutionHistoryCommand)({ executionArn, maxResults: 1000, nextToken, includeExecutionData: true }));
    events.push(...(page.events ?? []).map(toHistoryEvent));
    nextToken = page.nextToken;
  } while (nextToken);
  const described = await sfn.send(new (sdk().DescribeExecutionCommand)({ executionArn }));
  const times = events.map((event) => new Date(event.timestamp).getTime());
  return {
    status: String(described.status),
    error: described.error ?? null,
    cause: described.cause ?? null,
    output: described.output,
    seconds: times.length > 1 ? (Math.max(...times) - Math.min(...times)) / 1000 : 0,
    events,
  };
}
