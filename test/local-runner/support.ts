/** Helpers for the runner's tests: a stream that collects what is written, temporary folders. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';

export class CollectingStream extends Writable {
  text = '';
  isTTY?: boolean;

  constructor(tty = false) {
    super();
    if (tty) this.isTTY = true;
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }

  get lines(): string[] {
    return this.text.split('\n').filter((line) => line !== '');
  }
}

export function temporaryDirectory(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `aoai-link-${prefix}-`));
}

export const fixture = (name: string) => path.join(__dirname, 'fixtures', name);
