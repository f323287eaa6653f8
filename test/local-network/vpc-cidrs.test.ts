/**
 * A VPC with secondary CIDR blocks: the local network gateways must cover every block, or Azure drops what
 * comes from a subnet of the uncovered one (docs/local-mode.md, "Strict readings: IKE/IPsec proposals").
 * The model alone, then the product's path: DescribeVpcs → the request check's facts → the local network
 * gateways and the NSGs, with real SDK clients against the emulated clouds in-process.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { Route53ResolverClient } from '@aws-sdk/client-route53resolver';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as azureNetwork from '../../functions/azure-network/azure-network';
import { resourceNames } from '../../functions/commons/naming';
import * as tunnels from '../../functions/tunnels/tunnels';
import { validateEnvironmentRequest } from '../../functions/validate-request/validate';
import { LOCAL_SERVICE_PRINCIPAL } from '../../local/azure/entra';
import { startLocalClouds, type LocalClouds } from '../../local/cloud';
import { armKey, type CloudState } from '../../local/cloud/state';
import { readWorld, stateFromWorld } from '../../local/cloud/world';
import { NO_FAULTS } from '../../local/faults';
import { Latencies } from '../../local/latency';
import { NetworkModel } from '../../local/network/model';
import { ALL_READY_AT, ManualClock, azureProps, builtState, ids } from './fixtures';

const ROOT = path.join(__dirname, '..', '..');
const SECONDARY = '10.50.0.0/16';

describe('the network model with a secondary VPC CIDR', () => {
  function withSecondary(): CloudState {
    const state = builtState();
    state.aws.vpcs[0].SecondaryCidrBlocks = [SECONDARY];
    return state;
  }
  const tunnelsOf = (state: CloudState) => new NetworkModel(() => state, new ManualClock(ALL_READY_AT), new Latencies()).tunnels();

  it('keeps a tunnel down while its local network gateway covers only the primary block', () => {
    const state = withSecondary();
    azureProps(state, ids.lngIds[1]).localNetworkAddressSpace.addressPrefixes = [ids.vpcCidr, SECONDARY];
    const [first, second] = tunnelsOf(state);
    expect(first.phase).toBe('down');
    expect(first.reasons.filter((r) => r.includes(SECONDARY))).toHaveLength(1);
    expect(first.reasons.some((r) => r.includes(`VPC CIDR ${ids.vpcCidr}`))).toBe(false);
    expect(second.phase).toBe('up');
    expect(second.vpcCidrs).toEqual([ids.vpcCidr, SECONDARY]);
  });

  it('brings it up when one prefix covers both blocks, and a VPC without secondary blocks needs only its primary', () => {
    const state = withSecondary();
    for (const id of ids.lngIds) azureProps(state, id).localNetworkAddressSpace.addressPrefixes = ['0.0.0.0/0'];
    expect(tunnelsOf(state).map((t) => t.phase)).toEqual(['up', 'up']);
    expect(tunnelsOf(builtState()).map((t) => t.phase)).toEqual(['up', 'up']);
  });
});

describe("the product passes every VPC block to Azure", () => {
  let clouds: LocalClouds;
  let ec2: EC2Client;
  let secrets: SecretsManagerClient;
  let resolver: Route53ResolverClient;
  let lambda: LambdaClient;
  let arm: ResourceManagementClient;
  const previousArmEndpoint = process.env.AZURE_ARM_ENDPOINT;

  beforeAll(async () => {
    const world = readWorld();
    world.aws.vpcs[0].SecondaryCidrBlocks = [SECONDARY];
    clouds = await startLocalClouds({ state: stateFromWorld(world), faults: NO_FAULTS, seed: 1 });
    process.env.AZURE_ARM_ENDPOINT = clouds.azureEndpoint;
    const aws = { endpoint: clouds.awsEndpoint, region: 'ap-northeast-1', credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret' } };
    ec2 = new EC2Client(aws);
    secrets = new SecretsManagerClient(aws);
    resolver = new Route53ResolverClient(aws);
    lambda = new LambdaClient(aws);
    const credential = new ClientSecretCredential(LOCAL_SERVICE_PRINCIPAL.tenantId, LOCAL_SERVICE_PRINCIPAL.clientId, LOCAL_SERVICE_PRINCIPAL.clientSecret, {
      authorityHost: clouds.authorityHost,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: clouds.caPem },
    });
    arm = new ResourceManagementClient(credential, world.azure.subscriptionId, {
      endpoint: clouds.azureEndpoint,
      credentialScopes: 'https://management.azure.com/.default',
      tlsOptions: { ca: clouds.caPem },
      retryOptions: { retryDelayInMs: 5, maxRetryDelayInMs: 20 },
    });
  }, 30_000);

  afterAll(async () => {
    for (const client of [ec2, secrets, resolver, lambda]) client?.destroy();
    await clouds?.close();
    if (previousArmEndpoint === undefined) delete process.env.AZURE_ARM_ENDPOINT;
    else process.env.AZURE_ARM_ENDPOINT = previousArmEndpoint;
  });

  it('reads both blocks, and writes both into each local network gateway and each NSG rule', async () => {
    const document = JSON.parse(readFileSync(path.join(ROOT, 'events', 'new-environment.json'), 'utf8'));
    const { request, facts } = await validateEnvironmentRequest(
      document,
      { ec2, arm, secrets, resolver, lambda },
      { deploymentRegion: 'ap-northeast-1', callbackChecks: { resolveHost: async () => ['192.0.2.80'] } },
    );
    expect(facts.vpcCidrs).toEqual(['172.17.0.0/16', SECONDARY]);

    const awsTunnels = [
      { tunnel: 1, outsideIp: '3.112.10.1' },
      { tunnel: 2, outsideIp: '52.68.10.1' },
    ];
    await tunnels.createLocalNetworkGateways(arm, { request, facts, vpnConnectionId: 'vpn-0000000000000001', tunnels: awsTunnels, pskSecretArns: [] });
    // The NSGs are created empty; the environment's rules are written, as children, by the two subnet steps.
    const untilWritten = async (step: () => Promise<unknown>) => {
      for (let look = 0; look < 20; look++) {
        try {
          return await step();
        } catch (error) {
          if ((error as Error).name !== 'ResourceNotReady') throw error;
          await clouds.clock.sleep(15);
        }
      }
      throw new Error('the step never got past ResourceNotReady');
    };
    await azureNetwork.createNetworkSecurityGroups(arm, { request, facts });
    await untilWritten(() => azureNetwork.createPrivateEndpointSubnet(arm, { request, facts }));
    await untilWritten(() => azureNetwork.createDnsResolverSubnet(arm, { request, facts }));

    const stored = (id: string) => clouds.state.azure.resources[armKey(id)].body.properties;
    for (const t of resourceNames(request).azure.tunnels) expect(stored(t.localNetworkGateway.id).localNetworkAddressSpace.addressPrefixes).toEqual(['172.17.0.0/16', SECONDARY]);
    for (const nsg of [facts.hub.privateEndpointNsg!, facts.hub.dnsInboundNsg!]) {
      const rules = stored(nsg.id).securityRules;
      expect(rules.length).toBeGreaterThan(0);
      for (const rule of rules) expect(rule.properties.sourceAddressPrefixes).toEqual(['172.17.0.0/16', SECONDARY]);
    }
  });
});
