/**
 * The official API examples the emulators are checked against, copied into test/fixtures/ (sources and
 * licences in test/fixtures/README.md) so a plain clone of the repository tests itself.
 */
import * as path from 'node:path';

export const OFFICIAL_EXAMPLES_DIR = path.resolve(__dirname, '..', 'fixtures');

export function officialExamplePath(...parts: string[]): string {
  return path.join(OFFICIAL_EXAMPLES_DIR, ...parts);
}
