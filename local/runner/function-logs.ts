/**
 * The functions' log lines in local mode. In Lambda each function's stdout goes to its log group; here the
 * handlers run in this process, whose console shows the run's progress. So while a run is on, every JSON line
 * written to stdout or stderr (the shape the functions' logger writes) goes to `functions.log` in the out dir of
 * the execution the line names (`executionName`), or of the run when it names none; other writes pass through.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';

interface Capture {
  /** Where a line naming this execution goes. */
  files: Map<string, string>;
  /** Where a line naming no execution of this capture goes. */
  fallback: string;
}

const active = new Set<Capture>();
let restore: (() => void) | undefined;

function logFileFor(line: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || !('level' in parsed)) return undefined;
  const named = (parsed as { executionName?: unknown; execution_name?: unknown }).executionName ?? (parsed as { execution_name?: unknown }).execution_name;
  let fallback: string | undefined;
  for (const capture of active) {
    const file = typeof named === 'string' ? capture.files.get(named) : undefined;
    if (file) return file;
    fallback ??= capture.fallback;
  }
  return fallback;
}

function intercept(stream: NodeJS.WriteStream): () => void {
  const original = stream.write;
  stream.write = function write(this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : undefined;
    if (text !== undefined && text.trimStart().startsWith('{')) {
      const lines = text.split('\n').filter((line) => line.trim() !== '');
      const files = lines.map(logFileFor);
      if (files.every((file) => file !== undefined)) {
        lines.forEach((line, index) => {
          mkdirSync(path.dirname(files[index]!), { recursive: true });
          appendFileSync(files[index]!, line + '\n');
        });
        const callback = rest.find((item) => typeof item === 'function') as (() => void) | undefined;
        callback?.();
        return true;
      }
    }
    return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof stream.write;
  return () => {
    stream.write = original;
  };
}

/**
 * Sends the functions' log lines to files while the run is on; gives back the function that stops it. Several
 * runs in one process each get the lines of their own executions.
 */
export function captureFunctionLogs(outDirs: Map<string, string>, fallbackDir: string): { stop(): void; fileOf(executionName: string): string } {
  const capture: Capture = {
    files: new Map([...outDirs].map(([name, dir]) => [name, path.join(dir, 'functions.log')])),
    fallback: path.join(fallbackDir, 'functions.log'),
  };
  active.add(capture);
  if (!restore) {
    const restoreOut = intercept(process.stdout);
    const restoreErr = intercept(process.stderr);
    restore = () => {
      restoreOut();
      restoreErr();
    };
  }
  return {
    stop() {
      active.delete(capture);
      if (active.size === 0 && restore) {
        restore();
        restore = undefined;
      }
    },
    fileOf: (executionName) => capture.files.get(executionName) ?? capture.fallback,
  };
}
