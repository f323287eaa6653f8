/**
 * Each function's bundle holds exactly the SDK client families its catalog entry declares (esbuild's metafile:
 * the inputs of the entry, bundled as the stack bundles it), so importing a client a function does not use, or
 * the all-clients module, fails here.
 */
import { buildBundle, deployedEntries } from '../../cdk/bundles';

describe('each bundle holds only the clients its function uses', () => {
  it.each(deployedEntries().map((entry) => [entry.id, entry]))('%s', (_id, { id, entry, clients }) => {
    const bundle = buildBundle(id, entry, { minify: false });
    expect(bundle.families.slice().sort()).toEqual([...clients].sort());
    // The module that builds every client is for tests and tools, never for a function.
    expect(bundle.projectInputs).not.toContain('functions/commons/clients.ts');
    expect(bundle.projectInputs.filter((file) => /^(local|cli|cdk|test)\//.test(file))).toEqual([]);
  });
});
