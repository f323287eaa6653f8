// Lets plain `node` run the CDK app's TypeScript offline: each .ts file is transpiled by the project's esbuild
// on require (no type check; `npm run typecheck` does that). Used by cdk.json: `node -r ./cdk/register.js cdk/app.ts`.
const { readFileSync } = require('node:fs');
const { transformSync } = require('esbuild');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    loader: 'ts',
    format: 'cjs',
    target: 'node20',
    sourcefile: filename,
    sourcemap: 'inline',
  });
  module._compile(code, filename);
};
