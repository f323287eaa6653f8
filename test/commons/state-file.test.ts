/** The local state file holds every secret the emulated clouds keep: written 0600, its temporary file too. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeStateFile, type CloudState } from '../../local/cloud/state';

const state = { version: 1, aws: { secrets: [{ Name: 'x', SecretString: 'Sup3r.Secret' }] }, azure: {} } as unknown as CloudState;

test('written 0600 even with an open umask; the file is the temporary one renamed (so it was 0600 too)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'state-file-'));
  const file = path.join(dir, 'nested', 'state.json');
  const previous = process.umask(0o000);
  try {
    writeStateFile(file, state);
  } finally {
    process.umask(previous);
  }
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(state);
  expect(readdirSync(path.dirname(file))).toEqual(['state.json']); // no temporary file left behind
});

test('an existing world-readable state file is replaced by an owner-only one', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'state-file-'));
  const file = path.join(dir, 'state.json');
  writeFileSync(file, '{}', { mode: 0o644 });
  writeStateFile(file, state);
  expect(statSync(file).mode & 0o777).toBe(0o600);
});

test('a failed write leaves neither a half file nor the temporary file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'state-file-'));
  const target = path.join(dir, 'state.json');
  writeFileSync(path.join(dir, 'keep'), '');
  // A directory where the file should go: the rename fails.
  mkdirSync(target);
  expect(() => writeStateFile(target, state)).toThrow();
  expect(readdirSync(dir).sort()).toEqual(['keep', 'state.json']);
});
