import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { cloudClients } from '../../functions/commons/clients';
import { AZURE_CREDENTIAL_SECRET_NAME, startLocalClouds } from '../../local/cloud';
import { readWorld, stateFromWorld } from '../../local/cloud/world';
import { NO_FAULTS } from '../../local/faults';
import { runLocal } from '../../local/runner';
import { fixture, temporaryDirectory } from './support';

const ROOT = path.join(__dirname, '..', '..');
const REQUEST_FILE = path.join(ROOT, 'events', 'new-environment.json');
const WORLD_FILE = path.join(ROOT, 'local', 'default-world.json');

describe('the emulated clouds as local mode starts them', () => {
  it('listens on 127.0.0.1 only, seeds the Azure credential secret, and closes', async () => {
    const state = stateFromWorld(readWorld(WORLD_FILE));
    const clouds = await startLocalClouds({ state, faults: NO_FAULTS, seed: 1 });
    try {
      expect(new URL(clouds.awsEndpoint).hostname).toBe('127.0.0.1');
      expect(new URL(clouds.azureEndpoint).hostname).toBe('127.0.0.1');
      expect(clouds.azureEndpoint.startsWith('https://')).toBe(true);
      expect(clouds.caPem).toContain('BEGIN CERTIFICATE');
      const secret = state.aws.secrets.find((s) => s.Name === AZURE_CREDENTIAL_SECRET_NAME);
      expect(secret?.ARN).toBe(clouds.azureCredentialSecretArn);
      expect(JSON.parse(secret!.SecretString!)).toEqual({ tenantId: expect.any(String), clientId: expect.any(String), clientSecret: expect.any(String) });
    } finally {
      await clouds.close();
    }
  });

  it('points the real SDK clients at the emulators, saves --state and resumes from it', async () => {
    const dir = temporaryDirectory('clouds');
    const stateFile = path.join(dir, 'state.json');
    const seen: { vpcs?: string[]; secret?: string }[] = [];
    const handlers = {
      ReadAwsFunctionArn: async () => {
        const clients = cloudClients();
        const vpcs = await clients.ec2.send(new DescribeVpcsCommand({}));
        const secret = await clients.secrets.send(new GetSecretValueCommand({ SecretId: process.env.AZURE_CREDENTIAL_SECRET_ARN }));
        const result = { vpcs: (vpcs.Vpcs ?? []).map((v) => v.VpcId!), secret: JSON.parse(secret.SecretString!).clientId as string };
        seen.push(result);
        return { vpcCount: result.vpcs.length };
      },
    };
    const environmentBefore = process.env.AWS_ENDPOINT_URL;

    const first = await runLocal({ requestFile: REQUEST_FILE, definitionFile: fixture('clouds.asl.json'), stateFile, outDir: path.join(dir, 'one'), output: null, handlers });
    expect(first).toMatchObject({ exitCode: 0, status: 'SUCCEEDED' });
    expect(seen[0].vpcs).toEqual(['vpc-0a1b2c3d4e5f60001']);
    expect(first.report!.simulatedSeconds).toBe(60);
    // The toy handler reads the secret once; the validation reads the service principal from it once, for its
    // Entra ID token (the credential is kept with the function's clients for its execution environment).
    expect(first.report!.apiCalls.aws).toMatchObject({ DescribeVpcs: expect.any(Number), GetSecretValue: 2 });
    // The credential secret is the runner's doing, not the workflow's.
    expect(first.report!.resources.aws.filter((r) => r.type === 'secret')).toEqual([]);
    expect(existsSync(stateFile)).toBe(true);
    expect(process.env.AWS_ENDPOINT_URL).toBe(environmentBefore);

    const saved = JSON.parse(readFileSync(stateFile, 'utf8'));
    expect(saved.aws.secrets.map((s: { Name: string }) => s.Name)).toContain(AZURE_CREDENTIAL_SECRET_NAME);

    const second = await runLocal({ requestFile: REQUEST_FILE, definitionFile: fixture('clouds.asl.json'), stateFile, outDir: path.join(dir, 'two'), output: null, handlers });
    expect(second).toMatchObject({ exitCode: 0, status: 'SUCCEEDED' });
    // History times count from this execution's start, whatever the resumed clock reads.
    expect(second.report!.simulatedSeconds).toBe(60);
    expect(seen).toHaveLength(2);
  });
});
