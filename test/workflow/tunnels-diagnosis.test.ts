/**
 * The TunnelsDown cause comes from the product reading both clouds, not from the emulator: AWS says only
 * "IPSEC IS DOWN" and Azure only NotConnected. Each case takes the clouds of a successful run, breaks one thing,
 * and runs the real Tunnels function's last tunnel check (in a two-state definition: the request check for the
 * facts, then "Check both ends of each tunnel" with one attempt left) on the real interpreter.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CloudState } from '../../local/cloud/state';
import { runLocal, type LocalRunResult } from '../../local/runner';
import { DEFAULT_REQUEST, run, secretsHeldBy, type Run } from './support';

let baseline: Run;
let built: { vpnConnection: string; tunnelKeySecrets: string[] };
let tunnels: { tunnel: number; outsideIp: string }[];

beforeAll(async () => {
  baseline = await run();
  expect(baseline.result.status).toBe('SUCCEEDED');
  const output = baseline.result.output as any;
  built = output.created.aws;
  tunnels = output.tunnels.map((t: any) => ({ tunnel: t.tunnel, outsideIp: t.outsideIp }));
}, 120_000);

function lastTunnelCheckDefinition(dir: string): string {
  const definition = {
    Comment: 'The last look at the tunnels, on clouds a test has broken.',
    StartAt: 'Check the request against both clouds',
    States: {
      'Check the request against both clouds': {
        Type: 'Task',
        Resource: '${ValidateRequestFunctionArn}',
        Parameters: { 'request.$': '$', 'executionName.$': '$$.Execution.Name' },
        Next: 'Check both ends of each tunnel',
      },
      'Check both ends of each tunnel': {
        Type: 'Task',
        Resource: '${TunnelsFunctionArn}',
        Parameters: {
          action: 'checkTunnels',
          'request.$': '$.request',
          'facts.$': '$.facts',
          vpnConnectionId: built.vpnConnection,
          tunnels,
          pskSecretArns: built.tunnelKeySecrets,
          attempt: 0,
          maxAttempts: 1,
        },
        End: true,
      },
    },
  };
  const file = path.join(dir, 'last-tunnel-check.asl.json');
  writeFileSync(file, JSON.stringify(definition));
  return file;
}

/** The clouds of the successful run with one thing broken, and the cause the last tunnel check gives. */
async function causeAfter(breakOneThing: (state: CloudState) => void): Promise<{ result: LocalRunResult; cause: string; state: CloudState }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'aoai-diagnosis-'));
  const state = baseline.state();
  breakOneThing(state);
  const stateFile = path.join(dir, 'state.json');
  writeFileSync(stateFile, JSON.stringify(state));
  const result = await runLocal({ request: DEFAULT_REQUEST, stateFile, definitionFile: lastTunnelCheckDefinition(dir), outDir: path.join(dir, 'out'), output: null });
  expect(result.error).toBe('TunnelsDown');
  const cause = result.cause ?? '';
  for (const secret of secretsHeldBy(state)) expect(cause).not.toContain(secret);
  return { result, cause, state };
}

const azure = (state: CloudState, type: string, name: string) =>
  Object.values(state.azure.resources).find((r) => r.type === `Microsoft.Network/${type}` && r.name === name)!;

describe('the TunnelsDown cause names what the product found on both clouds', () => {
  it('the unbroken clouds pass the same check: the tunnels are up', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aoai-diagnosis-'));
    const result = await runLocal({ request: DEFAULT_REQUEST, stateFile: baseline.stateFile, definitionFile: lastTunnelCheckDefinition(dir), outDir: path.join(dir, 'out'), output: null });
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as any).ready).toBe(true);
  });

  it("an Azure connection's key that differs from Secrets Manager, on that tunnel only", async () => {
    const { cause } = await causeAfter((state) => {
      azure(state, 'connections', 'cn-aoai-prod-01-aws-tunnel-1').body.properties.sharedKey = 'Some.other_key_42';
    });
    expect(cause).toMatch(/AWS reports DOWN \(IPSEC IS DOWN\), Azure connection reports NotConnected/);
    expect(cause).toMatch(/tunnel 1: the Azure connection cn-aoai-prod-01-aws-tunnel-1's pre-shared key differs from the tunnel key in Secrets Manager \(arn:aws:secretsmanager:\S+tunnel-1-psk-\w+\); a re-run sets it again/);
    expect(cause).not.toMatch(/tunnel 2:/);
  });

  it("AWS's tunnel key that differs from Secrets Manager", async () => {
    const { cause } = await causeAfter((state) => {
      state.aws.vpnConnections[0].Tunnels[1].PreSharedKey = 'Changed.on_aws_77';
    });
    expect(cause).toMatch(/tunnel 2: the AWS tunnel's pre-shared key differs from the tunnel key in Secrets Manager \(\S+tunnel-2-psk-\w+\)/);
    expect(cause).not.toMatch(/tunnel 1:/);
  });

  it("a local network gateway that points at another address than the tunnel's outside IP", async () => {
    const { cause } = await causeAfter((state) => {
      azure(state, 'localNetworkGateways', 'lng-aoai-prod-01-aws-tunnel-2').body.properties.gatewayIpAddress = '198.51.100.7';
    });
    expect(cause).toMatch(new RegExp(`tunnel 2: the local network gateway lng-aoai-prod-01-aws-tunnel-2 points at 198\\.51\\.100\\.7, not at the tunnel's AWS outside IP ${tunnels[1].outsideIp.replace(/\./g, '\\.')}`));
  });

  it("a local network gateway whose address space does not cover the VPC CIDR", async () => {
    const { cause } = await causeAfter((state) => {
      azure(state, 'localNetworkGateways', 'lng-aoai-prod-01-aws-tunnel-1').body.properties.localNetworkAddressSpace = { addressPrefixes: ['10.99.0.0/16'] };
    });
    expect(cause).toMatch(/tunnel 1: the local network gateway lng-aoai-prod-01-aws-tunnel-1's address space \(10\.99\.0\.0\/16\) does not cover the VPC CIDR 172\.\d+\.\d+\.\d+\/\d+/);
  });

  it("a customer gateway whose IP is not the Azure gateway's public IP", async () => {
    const { cause } = await causeAfter((state) => {
      state.aws.customerGateways[0].IpAddress = '203.0.113.9';
    });
    expect(cause).toMatch(/customer gateway cgw-\w+ has IP 203\.0\.113\.9, but the Azure VPN gateway vpngw-vnet-hub's public IP is 20\.194\.0\.5/);
  });

  it('a virtual private gateway detached from the VPC', async () => {
    const { cause } = await causeAfter((state) => {
      const attachment = state.aws.vpnGateways[0].Attachments[0];
      attachment.deletedAt = attachment.readyAt;
    });
    expect(cause).toMatch(/virtual private gateway vgw-\w+ is not attached to vpc-0a1b2c3d4e5f60001 \(attachments: vpc-0a1b2c3d4e5f60001 detached\)/);
  });

  it("a VPN connection without the VNet's static route", async () => {
    const { cause } = await causeAfter((state) => {
      state.aws.vpnConnections[0].Routes = [];
    });
    expect(cause).toMatch(/VPN connection vpn-\w+ has no static route for the VNet address space 192\.168\.0\.0\/16 \(static routes: none\)/);
  });

  it('an Azure connection that is no longer IPsec', async () => {
    const { cause } = await causeAfter((state) => {
      azure(state, 'connections', 'cn-aoai-prod-01-aws-tunnel-1').body.properties.connectionType = 'Vnet2Vnet';
    });
    expect(cause).toMatch(/tunnel 1: the Azure connection cn-aoai-prod-01-aws-tunnel-1 is of type Vnet2Vnet, not IPsec/);
  });

  it('nothing differs but the tunnels are still negotiating: the cause says so instead of guessing', async () => {
    const { cause } = await causeAfter((state) => {
      // An update of the connection that has just completed: IKE starts over, both ends configured alike.
      const connection = azure(state, 'connections', 'cn-aoai-prod-01-aws-tunnel-1');
      const now = Math.max(...Object.values(state.azure.resources).map((r) => r.operation?.readyAt ?? 0), ...state.aws.vpnConnections.map((v) => v.readyAt));
      connection.operation = { kind: 'update', startedAt: now, readyAt: now, outcome: 'Succeeded', operationId: 'op-settling' };
    });
    expect(cause).toMatch(/tunnel 1 \(AWS outside IP [\d.]+\): AWS reports DOWN \(IPSEC IS DOWN\), Azure connection reports Connecting/);
    expect(cause).toMatch(/the product found keys, addresses, address spaces, routes and the attachment consistent on both sides/);
  });

  it('an Azure connection that is gone', async () => {
    const { cause } = await causeAfter((state) => {
      const gone = azure(state, 'connections', 'cn-aoai-prod-01-aws-tunnel-2');
      delete state.azure.resources[gone.id.toLowerCase()];
    });
    expect(cause).toMatch(/Azure connection reports NotFound/);
    expect(cause).toMatch(/tunnel 2: the Azure connection cn-aoai-prod-01-aws-tunnel-2 does not exist/);
  });
});
