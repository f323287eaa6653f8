/**
 * The functions are bundled minified, and a minifier renames classes: every error the product throws must still
 * carry the name the state machine's Retry and Catch match. Bundled here the way the stack bundles them.
 */
import { buildSync } from 'esbuild';
import * as path from 'node:path';
import { runInNewContext } from 'node:vm';
import { BUNDLE_MAIN_FIELDS } from '../../cdk/bundles';
import * as errors from '../../functions/commons/errors';

const ROOT = path.join(__dirname, '..', '..');

test('every product error keeps its name in a minified bundle', () => {
  const entry = [
    "const errors = require('./functions/commons/errors');",
    "const { ConfigurationError } = require('./functions/commons/config');",
    "const { SignatureError } = require('./functions/commons/signature');",
    'module.exports = [',
    "  ...Object.entries(errors).filter(([, value]) => typeof value === 'function').map(([exported, Type]) => [exported, exported === 'RequestRefused' ? new Type('refused', []).name : new Type('m').name]),",
    "  ['ConfigurationError', new ConfigurationError(['X']).name],",
    "  ['SignatureError', new SignatureError('m').name],",
    '];',
  ].join('\n');
  const bundle = buildSync({
    stdin: { contents: entry, resolveDir: ROOT, sourcefile: 'names.js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    minify: true,
    mainFields: BUNDLE_MAIN_FIELDS,
    write: false,
    logLevel: 'silent',
  });
  const code = bundle.outputFiles[0].text;
  const module = { exports: [] as [string, string][] };
  runInNewContext(code, { module, exports: module.exports, require, process, Buffer, TextEncoder, TextDecoder, URL, console });
  const names = module.exports;
  expect(names.length).toBeGreaterThan(10);
  for (const [exported, name] of names) expect([exported, name]).toEqual([exported, exported]);
  // And the same from the sources, so the list above is the product's own.
  expect(Object.keys(errors).filter((key) => typeof (errors as Record<string, unknown>)[key] === 'function').length).toBe(names.length - 2);
});
