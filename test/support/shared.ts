/** The workplace's shared/ folder (contracts, official API examples) sits beside the repository, in CI too. */
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export function sharedPath(...parts: string[]): string {
  const root = process.env.AOAI_SHARED_DIR ?? path.resolve(__dirname, '..', '..', '..', 'shared');
  if (!existsSync(root)) throw new Error(`shared/ not found at ${root}: the official examples the emulators are checked against live there`);
  return path.join(root, ...parts);
}
