/**
 * Structured JSON logger. Every line goes through the one redactor (./redact), so a pre-shared key, client
 * secret, token or API key that ends up in a logged object or message is replaced before it reaches CloudWatch.
 */
import { redact } from './redact';

export { redact };

type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
const ORDER: Record<Level, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };

export class Logger {
  private readonly threshold: number;

  constructor(
    private readonly service: string,
    private readonly context: Record<string, unknown> = {},
    level: string = process.env.LOG_LEVEL ?? 'INFO',
    private readonly sink: (line: string) => void = (line) => process.stdout.write(line + '\n'),
  ) {
    this.threshold = ORDER[(level.toUpperCase() as Level)] ?? ORDER.INFO;
  }

  child(context: Record<string, unknown>): Logger {
    const level = Object.entries(ORDER).find(([, n]) => n === this.threshold)?.[0] ?? 'INFO';
    return new Logger(this.service, { ...this.context, ...context }, level, this.sink);
  }

  debug(message: string, data?: Record<string, unknown>): void {
    this.write('DEBUG', message, data);
  }
  info(message: string, data?: Record<string, unknown>): void {
    this.write('INFO', message, data);
  }
  warn(message: string, data?: Record<string, unknown>): void {
    this.write('WARN', message, data);
  }
  error(message: string, data?: Record<string, unknown>): void {
    this.write('ERROR', message, data);
  }

  private write(level: Level, message: string, data?: Record<string, unknown>): void {
    if (ORDER[level] < this.threshold) return;
    const line = { level, timestamp: new Date().toISOString(), service: this.service, message, ...this.context, ...(data ?? {}) };
    this.sink(JSON.stringify(redact(line)));
  }
}

/** Local mode runs handlers in-process and keeps the console for progress: LOG_LEVEL=SILENT there. */
export function createLogger(service: string): Logger {
  const level = process.env.LOG_LEVEL ?? 'INFO';
  if (level.toUpperCase() === 'SILENT') return new Logger(service, {}, 'ERROR', () => undefined);
  return new Logger(service, {}, level);
}
