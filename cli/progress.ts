/**
 * Progress of an execution as a person wants to follow it, from its history events: a line when a step
 * starts, a line when it finishes (with how long it took), waits, failures and retries, on the execution's
 * clock (elapsed hh:mm:ss; simulated in local mode). Used by `local` and by `watch` for real executions.
 *
 * Polling loops re-enter the same states many times; only the first pass prints lines. On a terminal a
 * transient status line shows the later passes; elsewhere every tenth re-entry of a Wait prints a line.
 * Plain ASCII, no colour, when the output is not a terminal or NO_COLOR is set.
 */
import { formatRefusal, readRefusal } from '../functions/commons/refusal';
import type { HistoryEvent } from './history';

export interface ProgressOptions {
  /** The clock is simulated (local mode): said in the summary. */
  simulated?: boolean;
  /** Forces the plain or the fancy style; by default fancy only on a terminal without NO_COLOR. */
  fancy?: boolean;
  /** What the execution does, said before its outcome ("Teardown SUCCEEDED ..."); nothing by default. */
  subject?: string;
}

export interface ProgressSummary {
  status: string;
  error?: string | null;
  cause?: string | null;
  /** Duration of the execution in seconds. */
  seconds?: number;
  /** The state the failure started in. */
  state?: string;
}

interface Glyphs {
  enter: string;
  done: string;
  wait: string;
  fail: string;
  retry: string;
  more: string;
}

const FANCY: Glyphs = { enter: '▶', done: '✓', wait: '⏳', fail: '✗', retry: '↻', more: '…' };
const PLAIN: Glyphs = { enter: '>', done: '+', wait: '~', fail: 'x', retry: '*', more: '.' };

const COLOURS = { green: 32, red: 31, cyan: 36, yellow: 33, dim: 2 } as const;
type Colour = keyof typeof COLOURS;

/** Steps worth a line; Pass, Choice and Succeed states are plumbing. */
const SHOWN_KINDS = new Set(['Task', 'Wait', 'Parallel', 'Map']);
const REPEAT_LINE_EVERY = 10;

/** hh:mm:ss of elapsed seconds. */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

/** A short human duration: "1 s", "2 min 5 s", "1 h 2 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
  const minutes = Math.floor((s % 3600) / 60);
  return minutes === 0 ? `${Math.floor(s / 3600)} h` : `${Math.floor(s / 3600)} h ${minutes} min`;
}

/** The readable part of a Cause: a Lambda Cause is JSON with errorMessage; a refusal lists its problems. */
export function readableCause(cause: string | null | undefined): string {
  if (!cause) return '';
  const refusal = readRefusal(cause);
  if (refusal) return formatRefusal(refusal);
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (parsed && typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: shown as it is
  }
  return cause;
}

function kindOf(type: string, suffix: string): string | undefined {
  return type.endsWith(suffix) ? type.slice(0, -suffix.length) : undefined;
}

export class ProgressDisplay {
  private readonly glyphs: Glyphs;
  private readonly colour: boolean;
  private readonly transient: boolean;
  private startedAt: number | undefined;
  private lastSeconds = 0;
  private statusShown = false;
  private readonly entries = new Map<string, number>();
  private readonly enteredAt = new Map<string, number>();
  private readonly lastFailure = new Map<string, boolean>();
  /** States waiting on a dependency (ResourceNotReady retries), announced once until they finish. */
  private readonly waitingOn = new Set<string>();
  private readonly names = new Map<number, string>();

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly options: ProgressOptions = {},
  ) {
    const terminal = (out as { isTTY?: boolean }).isTTY === true;
    const fancy = options.fancy ?? (terminal && !process.env.NO_COLOR);
    this.glyphs = fancy ? FANCY : PLAIN;
    this.colour = fancy;
    this.transient = fancy && terminal;
  }

  onEvent(event: HistoryEvent): void {
    const seconds = this.secondsOf(event);
    this.lastSeconds = Math.max(this.lastSeconds, seconds);
    const type = event.type;
    const name =
      event.stateEnteredEventDetails?.name ??
      event.stateExitedEventDetails?.name ??
      (event.previousEventId !== undefined ? this.names.get(event.previousEventId) : undefined);
    if (name !== undefined) this.names.set(event.id, name);

    const entered = kindOf(type, 'StateEntered');
    if (entered !== undefined) return this.stateEntered(entered, event.stateEnteredEventDetails?.name ?? '', seconds);
    const exited = kindOf(type, 'StateExited');
    if (exited !== undefined) return this.stateExited(exited, event.stateExitedEventDetails?.name ?? '', seconds);

    switch (type) {
      case 'TaskFailed':
      case 'LambdaFunctionFailed': {
        const name = this.nameOf(event);
        const details = event.taskFailedEventDetails ?? (event as { lambdaFunctionFailedEventDetails?: { error?: string; cause?: string } }).lambdaFunctionFailedEventDetails;
        const message = readableCause(details?.cause).split('\n')[0];
        // "Not ready yet" is the state waiting on a dependency through its Retry, not a failure: say so once.
        if (details?.error === 'ResourceNotReady') {
          if (!this.waitingOn.has(name)) this.line(seconds, this.paint('yellow', this.glyphs.wait), `${name}: waiting — ${message}`);
          this.waitingOn.add(name);
          return;
        }
        this.lastFailure.set(name, true);
        this.line(seconds, this.paint('red', this.glyphs.fail), `${name}: ${details?.error ?? 'error'}${message ? ` — ${message}` : ''}`);
        return;
      }
      case 'TaskScheduled':
      case 'LambdaFunctionScheduled': {
        const name = this.nameOf(event);
        if (this.lastFailure.get(name)) {
          this.lastFailure.set(name, false);
          this.line(seconds, this.paint('yellow', this.glyphs.retry), `${name} (retrying)`);
        }
        return;
      }
      default:
        return;
    }
  }

  finish(summary: ProgressSummary): void {
    this.clearStatus();
    const seconds = summary.seconds ?? this.lastSeconds;
    const clock = `${formatClock(seconds)}${this.options.simulated ? ' simulated' : ''}`;
    const status = this.options.subject ? `${this.options.subject} ${summary.status}` : summary.status;
    if (summary.status === 'SUCCEEDED') {
      this.write(`${this.paint('green', this.glyphs.done)} ${status} in ${clock} (${formatDuration(seconds)})\n`);
      return;
    }
    this.write(`${this.paint('red', this.glyphs.fail)} ${status} after ${clock}${summary.error ? `: ${summary.error}` : ''}\n`);
    if (summary.state) this.write(`  in state: ${summary.state}\n`);
    const cause = readableCause(summary.cause);
    if (cause) this.write(cause.split('\n').map((l) => `  ${l}`).join('\n') + '\n');
  }

  private stateEntered(kind: string, name: string, seconds: number): void {
    if (kind === 'Fail') {
      this.line(seconds, this.paint('red', this.glyphs.fail), name);
      return;
    }
    if (!SHOWN_KINDS.has(kind)) return;
    this.enteredAt.set(name, seconds);
    this.lastFailure.set(name, false);
    const count = (this.entries.get(name) ?? 0) + 1;
    this.entries.set(name, count);
    const glyph = kind === 'Wait' ? this.paint('yellow', this.glyphs.wait) : this.paint('cyan', this.glyphs.enter);
    if (count === 1) {
      this.line(seconds, glyph, name);
    } else if (this.transient) {
      this.status(seconds, glyph, `${name} (#${count})`);
    } else if (kind === 'Wait' && count % REPEAT_LINE_EVERY === 0) {
      this.line(seconds, glyph, `${name} (#${count})`);
    }
  }

  private stateExited(kind: string, name: string, seconds: number): void {
    if (!SHOWN_KINDS.has(kind) || kind === 'Wait') return;
    this.waitingOn.delete(name);
    if ((this.entries.get(name) ?? 0) > 1) return;
    const took = seconds - (this.enteredAt.get(name) ?? seconds);
    this.line(seconds, this.paint('green', this.glyphs.done), `${name} (${formatDuration(took)})`);
  }

  /**
   * Task events carry no state name: each event's previousEventId leads back to the event that entered its
   * state (as in Step Functions' own histories), so names are carried along that chain.
   */
  private nameOf(event: HistoryEvent): string {
    return this.names.get(event.id) ?? '';
  }

  private secondsOf(event: HistoryEvent): number {
    if (typeof event.simulatedSeconds === 'number') return event.simulatedSeconds;
    const time = new Date(event.timestamp).getTime();
    if (this.startedAt === undefined || event.type === 'ExecutionStarted') this.startedAt ??= time;
    return (time - (this.startedAt ?? time)) / 1000;
  }

  private paint(colour: Colour, text: string): string {
    return this.colour ? `\x1b[${COLOURS[colour]}m${text}\x1b[0m` : text;
  }

  private line(seconds: number, glyph: string, text: string): void {
    this.clearStatus();
    this.write(`${this.paint('dim', `[${formatClock(seconds)}]`)} ${glyph} ${text}\n`);
  }

  private status(seconds: number, glyph: string, text: string): void {
    this.clearStatus();
    this.write(`${this.paint('dim', `[${formatClock(seconds)}]`)} ${glyph} ${text}`);
    this.statusShown = true;
  }

  private clearStatus(): void {
    if (!this.statusShown) return;
    this.write('\r\x1b[K');
    this.statusShown = false;
  }

  private write(text: string): void {
    this.out.write(text);
  }
}
