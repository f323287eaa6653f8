/**
 * The mutation run's shards (scripts/mutation.js): together they must cover exactly the scope that
 * stryker.config.json names, or a whole-scope score would silently leave files out.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

type Report = { schemaVersion?: string; files: Record<string, { mutants: unknown[] }> };
const shards = require('../../scripts/mutation') as {
  SHARDS: { name: string; files: string[] }[];
  scopeFiles: (base?: string) => string[];
  filesByShard: (files: string[], shards?: { name: string; files: string[] }[]) => Map<string, string[]>;
  mergeReports: (reports: Report[]) => Report;
};
const config = require('../../stryker.config.json') as { mutate: string[] };

test("the shards cover every file of the configured scope, each in one shard", () => {
  expect(config.mutate).toEqual(['functions/**/*.ts', 'cdk/permissions.ts']);
  const files = shards.scopeFiles();
  expect(files).toContain('functions/probe/probe.ts');
  expect(files).toContain('cdk/permissions.ts');
  const assigned = shards.filesByShard(files);
  const all = [...assigned.values()].flat();
  expect(all.sort()).toEqual(files);
  expect(new Set(all).size).toBe(all.length);
  for (const [name, list] of assigned) expect([name, list.length > 0]).toEqual([name, true]);
});

test('a file of the scope that no shard names is refused, not left out', () => {
  const base = mkdtempSync(path.join(tmpdir(), 'mutation-scope-'));
  mkdirSync(path.join(base, 'functions/new-function'), { recursive: true });
  mkdirSync(path.join(base, 'cdk'));
  writeFileSync(path.join(base, 'functions/new-function/handler.ts'), '');
  writeFileSync(path.join(base, 'functions/new-function/types.d.ts'), '');
  writeFileSync(path.join(base, 'cdk/permissions.ts'), '');
  const files = shards.scopeFiles(base);
  expect(files).toEqual(['cdk/permissions.ts', 'functions/new-function/handler.ts']);
  const narrow = [{ name: 'only-cdk', files: ['cdk/permissions.ts'] }];
  expect(() => shards.filesByShard(files, narrow)).toThrow(/functions\/new-function\/handler\.ts.*no shard/);
});

test('a folder names every file under it; an earlier shard that names a file keeps it', () => {
  const assigned = shards.filesByShard(['functions/commons/arm.ts', 'functions/commons/request.ts'], [
    { name: 'first', files: ['functions/commons/arm.ts'] },
    { name: 'rest', files: ['functions/commons/'] },
  ]);
  expect(assigned.get('first')).toEqual(['functions/commons/arm.ts']);
  expect(assigned.get('rest')).toEqual(['functions/commons/request.ts']);
});

test("merging keeps every shard's files and refuses a file reported twice", () => {
  const a: Report = { schemaVersion: '2', files: { 'functions/a.ts': { mutants: [1] } } };
  const b: Report = { schemaVersion: '2', files: { 'functions/b.ts': { mutants: [2, 3] } } };
  expect(Object.keys(shards.mergeReports([a, b]).files)).toEqual(['functions/a.ts', 'functions/b.ts']);
  expect(() => shards.mergeReports([a, a])).toThrow(/functions\/a\.ts is in two shards/);
});
