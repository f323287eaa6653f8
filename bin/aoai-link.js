#!/usr/bin/env node
// The aoai-link command line. Bundles cli/main.ts with esbuild on each run (~100 ms) into dist/cli.js and
// runs it. The Lambda handlers are loaded from their TypeScript sources at run time, so a require hook for
// `.ts` is installed first (esbuild transform to CommonJS).
'use strict';
require('../local/polyfills.js');
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const outfile = path.join(root, 'dist', 'cli.js');

require.extensions['.ts'] = function loadTypeScript(module, filename) {
  const { code } = esbuild.transformSync(fs.readFileSync(filename, 'utf8'), {
    loader: 'ts',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    sourcefile: filename,
  });
  module._compile(code, filename);
};

// Built beside and renamed over: commands started at the same moment (a test's child processes) each load
// a whole bundle, never one another is still writing.
const building = `${outfile}.${process.pid}.partial`;
esbuild.buildSync({
  entryPoints: [path.join(root, 'cli', 'main.ts')],
  outfile: building,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'error',
});
fs.renameSync(building, outfile);
if (typeof process.setSourceMapsEnabled === 'function') process.setSourceMapsEnabled(true);

const { main } = require(outfile);
main(process.argv.slice(2)).then(
  (code) => {
    // exitCode, not exit(): the process ends once every server is closed, which proves nothing is left open.
    process.exitCode = code;
  },
  (error) => {
    console.error(error && error.stack ? error.stack : error);
    process.exitCode = 1;
  },
);
