/**
 * The functions' bundles as the stack builds them (esbuild, the NodejsFunction options of stack.ts), measured:
 * which SDK client families each holds (from esbuild's metafile: the inputs of the entry), its size, and how
 * long a fresh Node process takes to load it (cold start's import, without Lambda's own start).
 *
 * `node -r ./cdk/register.js cdk/bundles.ts [--json]` prints the table (the README's numbers come from it).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { ENTRY_FUNCTIONS, FUNCTION_RUNTIME_NAME, LAMBDAS, PROBE_FUNCTION_ENTRY, type ClientFamily } from '../functions/catalog';

const PROJECT_ROOT = path.resolve(__dirname, '..');
/** ES modules first: the SDKs ship both, and only the ES build lets the bundler drop the commands never sent. */
export const BUNDLE_MAIN_FIELDS = ['module', 'main'];
/**
 * Packages bundled as another module: the SDK's default credential chain as its environment link only (see the
 * module). Paths are relative to the project root, where esbuild runs.
 */
export const FUNCTION_BUNDLE_ALIASES: Record<string, string> = {
  '@aws-sdk/credential-provider-node': './functions/commons/clients/lambda-credentials.ts',
};
const TARGET = FUNCTION_RUNTIME_NAME.replace(/^nodejs(\d+)\.x$/, 'node$1');

/** The packages that make a client family (a family's bundle holds at least its first). */
const FAMILY_PACKAGES: Record<ClientFamily, RegExp> = {
  ec2: /node_modules\/@aws-sdk\/client-ec2\//,
  resolver: /node_modules\/@aws-sdk\/client-route53resolver\//,
  secrets: /node_modules\/@aws-sdk\/client-secrets-manager\//,
  lambda: /node_modules\/@aws-sdk\/client-lambda\//,
  sfn: /node_modules\/@aws-sdk\/client-sfn\//,
  cloudwatch: /node_modules\/@aws-sdk\/client-cloudwatch\//,
  azure: /node_modules\/@azure\/(identity|arm-resources)\//,
};

export interface BundleOptions {
  /** As the stack ships them (minified, source map beside). Default true. */
  minify?: boolean;
}

export interface Bundle {
  id: string;
  entry: string;
  /** Client families found among the bundle's inputs. */
  families: ClientFamily[];
  /** Project files in the bundle (relative to the root). */
  projectInputs: string[];
  /** The bundle's JavaScript, in bytes (the source map is a separate file). */
  bytes: number;
  code: string;
}

export function buildBundle(id: string, entry: string, options: BundleOptions = {}): Bundle {
  const minify = options.minify ?? true;
  const result = buildSync({
    entryPoints: [path.join(PROJECT_ROOT, entry)],
    bundle: true,
    platform: 'node',
    target: TARGET,
    format: 'cjs',
    minify,
    mainFields: BUNDLE_MAIN_FIELDS,
    alias: FUNCTION_BUNDLE_ALIASES,
    absWorkingDir: PROJECT_ROOT,
    legalComments: 'external',
    sourcemap: minify ? 'external' : false,
    outfile: path.join(tmpdir(), 'aoai-link-bundle', 'index.js'),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile!.inputs).map((file) => file.replace(/\\/g, '/'));
  const families = (Object.keys(FAMILY_PACKAGES) as ClientFamily[]).filter((family) => inputs.some((file) => FAMILY_PACKAGES[family].test(file)));
  const js = result.outputFiles!.find((file) => file.path.endsWith('index.js'))!;
  return {
    id,
    entry,
    families,
    projectInputs: inputs.filter((file) => !file.includes('node_modules/')),
    bytes: js.contents.byteLength,
    code: js.text,
  };
}

/** Every function the stack deploys, and the probe. */
export function deployedEntries(): { id: string; entry: string; clients: ClientFamily[] }[] {
  return [
    ...LAMBDAS.map(({ id, entry, clients }) => ({ id, entry, clients })),
    ...ENTRY_FUNCTIONS.map(({ id, entry, clients }) => ({ id, entry, clients })),
    { id: 'Probe', entry: PROBE_FUNCTION_ENTRY, clients: [] },
  ];
}

/** Milliseconds a fresh `node` takes to require the bundle (the median of `runs`). */
export function importMilliseconds(bundle: Bundle, runs = 3): number {
  const dir = mkdtempSync(path.join(tmpdir(), 'aoai-link-import-'));
  try {
    const file = path.join(dir, 'index.js');
    writeFileSync(file, bundle.code);
    const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      // A region, so clients built at load find one; nothing here opens a connection.
      const env = { PATH: process.env.PATH ?? '', AWS_REGION: 'ap-northeast-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
      const out = execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
      times.push(Number(out));
    }
    times.sort((a, b) => a - b);
    return Math.round(times[Math.floor(times.length / 2)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface BundleRow {
  id: string;
  families: string;
  kilobytes: number;
  importMs: number;
}

export function measureBundles(options: BundleOptions = {}): BundleRow[] {
  return deployedEntries().map(({ id, entry }) => {
    const bundle = buildBundle(id, entry, options);
    return { id, families: bundle.families.join(' ') || '-', kilobytes: Math.round(bundle.bytes / 1024), importMs: importMilliseconds(bundle) };
  });
}

if (require.main === module) {
  const json = process.argv.includes('--json');
  const unminified = process.argv.includes('--unminified');
  const rows = measureBundles({ minify: !unminified });
  if (json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  else {
    process.stdout.write(`| Function | Clients | Bundle (KB) | Import (ms) |\n| --- | --- | --- | --- |\n`);
    for (const row of rows) process.stdout.write(`| ${row.id} | ${row.families} | ${row.kilobytes} | ${row.importMs} |\n`);
  }
}
