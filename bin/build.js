#!/usr/bin/env node
// Builds the command line once into dist/cli.js (`npm run build`). Beside it, dist/cli.inputs.json lists the
// sources the bundle was made from, so bin/aoai-link.js can tell a stale bundle from a fresh one without
// rebuilding. The Lambda handlers are not in the bundle: local mode loads them from their sources.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const outfile = path.join(root, 'dist', 'cli.js');
const inputsFile = path.join(root, 'dist', 'cli.inputs.json');

function buildCli() {
  const esbuild = require('esbuild');
  // The bundle is dated when its sources were read: a source saved during the build still counts as newer.
  const readAt = new Date();
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  const result = esbuild.buildSync({
    entryPoints: [path.join(root, 'cli', 'main.ts')],
    outfile,
    write: false,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    // A linked map, not an inline one: the bundle stays small to load, and stack traces still name the sources.
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'error',
  });
  const inputs = Object.keys(result.metafile.inputs).map((input) => path.relative(root, path.resolve(root, input)));
  // Each file written beside and renamed over: commands started at the same moment (a test's child processes)
  // each load a whole bundle, never one another is still writing. The map and the source list go first, so a
  // bundle is never newer than the list that says what it holds.
  const files = [...result.outputFiles.filter((file) => file.path !== outfile), { path: inputsFile, contents: Buffer.from(JSON.stringify(inputs, null, 1) + '\n') }];
  files.push(result.outputFiles.find((file) => file.path === outfile));
  for (const file of files) {
    const partial = `${file.path}.${process.pid}.partial`;
    fs.writeFileSync(partial, file.contents);
    fs.renameSync(partial, file.path);
  }
  fs.utimesSync(outfile, readAt, readAt);
  return { outfile, inputs };
}

/** True when the bundle is missing, or one of its sources (or the source list) changed after it was built. */
function isStale() {
  let builtAt;
  let inputs;
  try {
    builtAt = fs.statSync(outfile).mtimeMs;
    inputs = JSON.parse(fs.readFileSync(inputsFile, 'utf8'));
  } catch {
    return true;
  }
  for (const input of inputs) {
    let changedAt;
    try {
      changedAt = fs.statSync(path.join(root, input)).mtimeMs;
    } catch {
      return true; // a source moved or went away: the imports changed
    }
    if (changedAt > builtAt) return true;
  }
  return false;
}

module.exports = { buildCli, isStale, outfile };

if (require.main === module) {
  const started = process.hrtime.bigint();
  let inputs;
  try {
    ({ inputs } = buildCli());
  } catch {
    console.error('building dist/cli.js failed (see above)');
    process.exit(1);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(`dist/cli.js built from ${inputs.length} sources in ${Math.round(ms)} ms\n`);
}
