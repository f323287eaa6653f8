// Jest transform: TypeScript to CommonJS with esbuild. Type checking is `tsc --noEmit`, run by `npm test`.
const { transformSync } = require('esbuild');

module.exports = {
  process(sourceText, sourcePath) {
    const { code, map } = transformSync(sourceText, {
      loader: 'ts',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'both',
      sourcefile: sourcePath,
    });
    return { code, map };
  },
};
