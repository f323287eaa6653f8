#!/usr/bin/env node
// The aoai-link command line: runs the bundle dist/cli.js that `npm run build` makes, building it first only
// when it is missing or older than one of its sources (a bare clone, or sources edited since). The Lambda
// handlers are loaded from their TypeScript sources at run time, so a require hook for `.ts` is installed
// (esbuild transform to CommonJS, loaded on the first `.ts` only: `--help` never needs it).
'use strict';
require('../local/polyfills.js');
const fs = require('node:fs');
const { buildCli, isStale, outfile } = require('./build.js');

let esbuild;
require.extensions['.ts'] = function loadTypeScript(module, filename) {
  esbuild ??= require('esbuild');
  const { code } = esbuild.transformSync(fs.readFileSync(filename, 'utf8'), {
    loader: 'ts',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    sourcefile: filename,
  });
  module._compile(code, filename);
};

if (isStale()) {
  try {
    buildCli();
  } catch {
    // esbuild has already printed what failed, with its place in the sources.
    console.error('aoai-link: building dist/cli.js failed (see above)');
    process.exit(1);
  }
}
if (typeof process.setSourceMapsEnabled === 'function') process.setSourceMapsEnabled(true);

const { main } = require(outfile);
main(process.argv.slice(2)).then(
  (code) => {
    // exitCode, not exit(): the process ends once every server is closed, which proves nothing is left open.
    process.exitCode = code;
  },
  (error) => {
    // main reports every error itself; this is the last line of defence, still without a stack unless asked.
    console.error(`aoai-link: ${error && error.name ? `${error.name}: ${error.message}` : error}`);
    if (process.env.AOAI_LINK_DEBUG && error && error.stack) console.error(error.stack);
    process.exitCode = 1;
  },
);
