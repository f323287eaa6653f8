#!/usr/bin/env node
/**
 * `npm run mutation`: StrykerJS over the product code, in shards.
 *
 * A whole run takes hours on two cores, longer than a working session. Each shard is one Stryker run with its own
 * JSON and HTML report and incremental file under reports/mutation/shards/, so a run that is interrupted keeps
 * the shards it finished, the next `npm run mutation` starts with the first unfinished one, and a later run
 * re-tests only the mutants whose code or tests changed. The score is then computed over all shards together by
 * Stryker's own metrics package, and written to reports/mutation/mutation.json and index.html.
 *
 *   npm run mutation                     run the unfinished shards, then report
 *   npm run mutation -- --again          run every shard again (incremental: only what changed is re-tested)
 *   npm run mutation -- --shard NAME     run one shard
 *   npm run mutation -- --report         only merge what the shards wrote and print the score
 * Other options go to each Stryker run as they are, e.g. `--checkers ''` to leave out the type checker, which
 * holds one of two cores (a mutant that does not compile then runs anyway, through esbuild, and is counted).
 */
const { spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const shardDir = path.join(root, 'reports/mutation/shards');

/**
 * Files that the same tests reach go in one shard, so each shard's first test run loads only those tests; the
 * shared modules are last because every mutant there is reached by many tests. Stryker writes a shard's
 * incremental file only when the shard ends, so each shard is kept to what a quiet half hour tests: a stopped
 * run then loses at most that. The array's order is the order they run in: the probe's verdict, the guards
 * (signature, redaction, keys, ownership) and the request's refusals first.
 */
const SHARDS = [
  { name: 'aws-side', files: ['functions/aws-dns/', 'functions/aws-vpn/', 'functions/environment-status/', 'functions/openai-account/', 'functions/summarise/'] },
  { name: 'probe', files: ['functions/probe/', 'functions/probe-runner/'] },
  {
    name: 'commons-guards',
    files: [
      'functions/commons/signature.ts', 'functions/commons/redact.ts', 'functions/commons/psk.ts', 'functions/commons/ownership.ts',
      'functions/commons/errors.ts', 'functions/commons/cidr.ts',
    ],
  },
  { name: 'intake', files: ['functions/intake/', 'functions/notify-ticket/'] },
  { name: 'validation', files: ['functions/validate-request/', 'functions/catalog.ts'] },
  { name: 'commons-request', files: ['functions/commons/request/'] },
  { name: 'commons-arm', files: ['functions/commons/arm.ts', 'functions/commons/cloud-errors.ts'] },
  { name: 'azure-network', files: ['functions/azure-network/'] },
  { name: 'tunnels', files: ['functions/tunnels/', 'functions/health-check/'] },
  { name: 'teardown-azure', files: ['functions/remove-azure/'] },
  { name: 'teardown-aws', files: ['functions/remove-aws-dns/', 'functions/remove-aws-vpn/'] },
  { name: 'teardown-inventory', files: ['functions/teardown-inventory/', 'functions/remove-probe/', 'functions/summarise-teardown/'] },
  { name: 'commons-naming', files: ['functions/commons/naming.ts', 'functions/commons/callback-url.ts'] },
  {
    name: 'commons-house',
    files: [
      'functions/commons/pages.ts', 'functions/commons/ec2.ts', 'functions/commons/handler.ts', 'functions/commons/logger.ts',
      'functions/commons/security-groups.ts', 'functions/commons/clients.ts', 'cdk/permissions.ts',
    ],
  },
  { name: 'commons-executions', files: ['functions/commons/executions.ts', 'functions/commons/refusal.ts', 'functions/commons/config.ts', 'functions/commons/http.ts'] },
  // Whatever else commons/ holds: the clients, the workflow's data types, the shared look-ups.
  { name: 'commons-rest', files: ['functions/commons/'] },
];

/** Every file of the mutation scope (stryker.config.json's `mutate`), relative to the project root. */
function scopeFiles(base = root) {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(path.join(base, dir), { withFileTypes: true })) {
      const relative = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(relative);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(relative);
    }
  };
  walk('functions');
  files.push('cdk/permissions.ts');
  return files.sort();
}

/** Each file goes to the first shard that names it (a folder names every file under it). */
function filesByShard(files, shards = SHARDS) {
  const assigned = new Map(shards.map((shard) => [shard.name, []]));
  for (const file of files) {
    const shard = shards.find((candidate) => candidate.files.some((name) => (name.endsWith('/') ? file.startsWith(name) : file === name)));
    if (!shard) throw new Error(`${file} is in the mutation scope but in no shard of scripts/mutation.mjs`);
    assigned.get(shard.name).push(file);
  }
  return assigned;
}

/** Merges the shards' reports (mutation-testing-report-schema) into one: their files are disjoint. */
function mergeReports(reports) {
  const merged = { schemaVersion: '2', thresholds: { high: 90, low: 85, break: null }, files: {} };
  for (const report of reports) {
    merged.schemaVersion = report.schemaVersion ?? merged.schemaVersion;
    for (const [file, result] of Object.entries(report.files)) {
      if (merged.files[file]) throw new Error(`${file} is in two shards' reports`);
      merged.files[file] = result;
    }
  }
  return merged;
}

function strykerConfig(shard, files) {
  const base = JSON.parse(readFileSync(path.join(root, 'stryker.config.json'), 'utf8'));
  return {
    ...base,
    mutate: files,
    reporters: ['html', 'json', 'clear-text', 'progress'],
    htmlReporter: { fileName: `reports/mutation/shards/${shard}.html` },
    jsonReporter: { fileName: `reports/mutation/shards/${shard}.json` },
    incrementalFile: `reports/mutation/shards/${shard}.incremental.json`,
    tempDirName: `.stryker-tmp-${shard}`,
  };
}

function runShard(shard, files, strykerOptions) {
  const configFile = path.join(shardDir, `${shard}.config.json`);
  writeFileSync(configFile, JSON.stringify(strykerConfig(shard, files), null, 2));
  const started = Date.now();
  console.log(`mutation: shard ${shard} (${files.length} files) started ${new Date(started).toISOString()}`);
  // The package's bin script: its exports map does not let require.resolve name it.
  const stryker = path.join(root, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js');
  const run = spawnSync(process.execPath, [stryker, 'run', configFile, '--incremental', ...strykerOptions], {
    cwd: root,
    stdio: 'inherit',
  });
  const minutes = ((Date.now() - started) / 60000).toFixed(1);
  console.log(`mutation: shard ${shard} ended with status ${run.status} after ${minutes} min`);
  return run.status === 0;
}

async function report() {
  const reports = SHARDS.map((shard) => path.join(shardDir, `${shard.name}.json`))
    .filter((file) => existsSync(file))
    .map((file) => JSON.parse(readFileSync(file, 'utf8')));
  const missing = SHARDS.filter((shard) => !existsSync(path.join(shardDir, `${shard.name}.json`))).map((shard) => shard.name);
  const merged = mergeReports(reports);
  // Stryker's own metrics package (ESM), so the score is computed as Stryker computes it.
  const { calculateMetrics } = await import('mutation-testing-metrics');
  const metrics = calculateMetrics(merged.files);
  writeFileSync(path.join(root, 'reports/mutation/mutation.json'), JSON.stringify(merged));
  writeFileSync(path.join(root, 'reports/mutation/index.html'), htmlPage(merged));
  const line = (name, m) =>
    `${name.padEnd(48)} ${m.mutationScore.toFixed(2).padStart(6)}%  killed ${m.killed}  timeout ${m.timeout}  survived ${m.survived}  no coverage ${m.noCoverage}`;
  console.log(line('All files in the finished shards', metrics.metrics));
  for (const child of flatten(metrics)) console.log(line(child.name, child.metrics));
  const survivors = Object.entries(merged.files).flatMap(([file, result]) =>
    result.mutants
      .filter((mutant) => mutant.status === 'Survived' || mutant.status === 'NoCoverage')
      .map((mutant) => `${file}:${mutant.location.start.line}:${mutant.location.start.column} ${mutant.status} ${mutant.mutatorName} ${JSON.stringify(mutant.replacement ?? '')}`),
  );
  writeFileSync(path.join(root, 'reports/mutation/survivors.txt'), survivors.join('\n') + '\n');
  console.log(`${survivors.length} survivors listed in reports/mutation/survivors.txt`);
  if (missing.length) console.log(`NOT a whole-scope score: shards without a report: ${missing.join(', ')}`);
}

function flatten(result) {
  return result.childResults.flatMap((child) => (child.file ? [child] : flatten(child).map((c) => ({ ...c, name: `${child.name}/${c.name}` }))));
}

/** The same single-file report Stryker's HTML reporter writes, over the merged result. */
function htmlPage(merged) {
  const elements = readFileSync(require.resolve('mutation-testing-elements/dist/mutation-test-elements.js'), 'utf8');
  const json = JSON.stringify(merged).replace(/</g, '\\u003c');
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Mutation report</title>
<script>${elements.replace(/<\/script/gi, '<\\/script')}</script></head>
<body><mutation-test-report-app title-postfix="aoai-private-link"></mutation-test-report-app>
<script>document.querySelector('mutation-test-report-app').report = ${json};</script></body></html>`;
}

async function main(argv) {
  mkdirSync(shardDir, { recursive: true });
  if (argv.includes('--report')) return report();
  const only = argv.includes('--shard') ? argv[argv.indexOf('--shard') + 1] : undefined;
  if (only && !SHARDS.some((shard) => shard.name === only)) throw new Error(`no shard ${only}; shards: ${SHARDS.map((s) => s.name).join(', ')}`);
  const ours = new Set(['--again', '--report']);
  const strykerOptions = argv.filter((arg, index) => !ours.has(arg) && arg !== '--shard' && argv[index - 1] !== '--shard');
  const assigned = filesByShard(scopeFiles());
  for (const shard of SHARDS) {
    if (only && shard.name !== only) continue;
    const finished = existsSync(path.join(shardDir, `${shard.name}.json`));
    if (finished && !only && !argv.includes('--again')) {
      console.log(`mutation: shard ${shard.name} already has a report (--again to re-test what changed)`);
      continue;
    }
    if (!runShard(shard.name, assigned.get(shard.name), strykerOptions)) process.exitCode = 1;
  }
  await report();
}

module.exports = { SHARDS, scopeFiles, filesByShard, mergeReports };

if (require.main === module) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(`mutation: ${error.message}`);
    process.exitCode = 1;
  });
}
