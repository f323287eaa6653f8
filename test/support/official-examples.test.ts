/**
 * The copies in test/fixtures/ stand for published examples: each is listed in the folder's README with its
 * source, and the Azure ones still hash to what the README recorded when they were copied.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { OFFICIAL_EXAMPLES_DIR, officialExamplePath } from './official-examples';

const readme = readFileSync(officialExamplePath('README.md'), 'utf8');

/** `| \`folder/file\` | ... |` rows: the file named in the first cell, and the row's cells. */
function listedRows(): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of readme.split('\n')) {
    const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
    const named = /^`([^`]+)`$/.exec(cells[0] ?? '');
    if (named) rows.set(named[1], cells);
  }
  return rows;
}

const copies = (collection: string) =>
  readdirSync(officialExamplePath(collection), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(officialExamplePath(collection), path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();

describe('the official examples copied into the repository', () => {
  const rows = listedRows();

  it.each(['aws-api-examples', 'azure-rest-api-examples'])('lists every file of %s in the README with its source', (collection) => {
    const files = copies(collection);
    expect(files.length).toBeGreaterThan(20);
    expect(files.filter((file) => !rows.has(file))).toEqual([]);
  });

  it('keeps each Azure example byte for byte as copied (sha256 recorded in the README)', () => {
    const files = copies('azure-rest-api-examples');
    const mismatched = files.filter((file) => {
      const recorded = rows.get(file)?.at(-1)?.replace(/`/g, '');
      const actual = createHash('sha256').update(readFileSync(officialExamplePath('azure-rest-api-examples', file))).digest('hex');
      return !recorded || !actual.startsWith(recorded) || recorded.length !== 16;
    });
    expect(mismatched).toEqual([]);
  });

  it('is what the tests read: no test reaches outside the repository for shared material', () => {
    const testRoot = path.resolve(__dirname, '..');
    const sources = readdirSync(testRoot, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && /\.(ts|js)$/.test(entry.name))
      .map((entry) => path.join(entry.parentPath, entry.name))
      .filter((file) => file !== __filename);
    expect(sources.length).toBeGreaterThan(20);
    const outside = /\.\.\/shared\b|\/work\/shared\b|'\.\.', '\.\.', '\.\.'|AOAI_SHARED_DIR/;
    expect(sources.filter((file) => outside.test(readFileSync(file, 'utf8'))).map((file) => path.relative(testRoot, file))).toEqual([]);
  });
});
