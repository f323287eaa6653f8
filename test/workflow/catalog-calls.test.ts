/**
 * Least privilege must still be enough privilege: every AWS SDK command a function's code sends must be in its
 * catalog entry's `calls`, from which the stack builds its IAM policy. Read from the code each entry bundles,
 * so a helper shared across domains (a security-group helper, a diagnosis) cannot add a call unnoticed.
 */
import { buildSync } from 'esbuild';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { LAMBDAS } from '../../functions/catalog';

const ROOT = path.join(__dirname, '..', '..');

/** IAM prefix per SDK package; `clients.ts` is left out: its Azure-credential read is `usesAzure`. */
const SERVICES: Record<string, string> = {
  '@aws-sdk/client-ec2': 'ec2',
  '@aws-sdk/client-route53resolver': 'route53resolver',
  '@aws-sdk/client-secrets-manager': 'secretsmanager',
  '@aws-sdk/client-lambda': 'lambda',
  '@aws-sdk/client-sfn': 'states',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
};
/** Where the IAM action name differs from the command's. */
const ACTION_NAMES: Record<string, string> = { 'lambda:Invoke': 'lambda:InvokeFunction' };

function projectFilesOf(entry: string): string[] {
  const result = buildSync({
    entryPoints: [path.join(ROOT, entry)],
    bundle: true,
    platform: 'node',
    packages: 'external',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return Object.keys(result.metafile!.inputs)
    .filter((file) => !file.includes('node_modules') && !file.endsWith('commons/clients.ts') && !file.includes('commons/clients/'))
    .map((file) => path.resolve(file));
}

function commandsSentBy(files: string[]): string[] {
  const actions = new Set<string>();
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    for (const [, names, pkg] of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'(@aws-sdk\/client-[a-z0-9-]+)'/g)) {
      const service = SERVICES[pkg];
      if (!service) continue;
      for (const name of names.split(',').map((n) => n.trim().replace(/^type\s+/, ''))) {
        const command = name.match(/^(\w+)Command$/)?.[1];
        if (command && new RegExp(`new ${name}\\(`).test(source)) {
          const action = `${service}:${command}`;
          actions.add(ACTION_NAMES[action] ?? action);
        }
      }
    }
  }
  return [...actions].sort();
}

describe('the catalog grants each function every AWS call its code makes', () => {
  it.each(LAMBDAS.map((l) => [l.id, l]))('%s', (_id, lambda) => {
    const sent = commandsSentBy(projectFilesOf(lambda.entry));
    expect(sent.filter((action) => !lambda.calls.includes(action))).toEqual([]);
  });

  it('reads the calls from the code (a function known to create VPN connections is seen doing so)', () => {
    const awsVpn = LAMBDAS.find((l) => l.id === 'AwsVpn')!;
    expect(commandsSentBy(projectFilesOf(awsVpn.entry))).toEqual(expect.arrayContaining(['ec2:CreateVpnConnection', 'secretsmanager:CreateSecret']));
  });
});
