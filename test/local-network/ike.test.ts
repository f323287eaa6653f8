/**
 * IKE/IPsec proposals: a tunnel comes up only when the AWS tunnel options and the Azure connection agree
 * (docs/local-mode.md, "Strict readings: IKE/IPsec proposals"). The product's own VPN is built with its plain
 * step functions and real SDK clients against the emulated clouds in-process, then one proposal part is
 * changed at a time on one side.
 */
import { DescribeVpnConnectionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as awsVpn from '../../functions/aws-vpn/aws-vpn';
import * as azureNetwork from '../../functions/azure-network/azure-network';
import { ResourceNotReady } from '../../functions/commons/errors';
import { resourceNames } from '../../functions/commons/naming';
import type { EnvironmentRequest } from '../../functions/commons/request/contract';
import { validateRequestDocument } from '../../functions/commons/request/schema';
import * as tunnels from '../../functions/tunnels/tunnels';
import type { EnvironmentFacts } from '../../functions/commons/workflow-data';
import { LOCAL_SERVICE_PRINCIPAL } from '../../local/azure/entra';
import { startLocalClouds, type LocalClouds } from '../../local/cloud';
import { armKey, type CloudState } from '../../local/cloud/state';
import { readWorld, stateFromWorld } from '../../local/cloud/world';
import { NO_FAULTS } from '../../local/faults';
import { Latencies } from '../../local/latency';
import { connectionProblems, ipsecPolicyProblems, proposalMismatches } from '../../local/network/ike';
import { NetworkModel } from '../../local/network/model';
import { ALL_READY_AT, ManualClock, azureProps, builtState, ids } from './fixtures';
import { greenfieldHub, hubResourceNames } from '../../functions/commons/hub';

const ROOT = path.join(__dirname, '..', '..');
const SUBSCRIPTION = '11111111-2222-3333-4444-555555555555';

function defaultRequest(): EnvironmentRequest {
  const checked = validateRequestDocument(JSON.parse(readFileSync(path.join(ROOT, 'events', 'new-environment.json'), 'utf8')));
  if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
  return checked.request;
}

const FACTS: EnvironmentFacts = { vpcCidrs: ['172.17.0.0/16'], vnetAddressPrefixes: ['192.168.0.0/16'], location: 'japaneast', openAiHost: 'aoai-prod.openai.azure.com', hub: greenfieldHub(defaultRequest()) };

interface Built {
  clouds: LocalClouds;
  ec2: EC2Client;
  ec2Once: EC2Client;
  secrets: SecretsManagerClient;
  arm: ResourceManagementClient;
  /** A client with a new token: the simulated clock outruns the first one's lifetime. */
  freshArm: () => ResourceManagementClient;
  request: EnvironmentRequest;
  vpnConnectionId: string;
  pskSecretArns: string[];
  awsTunnels: { tunnel: number; outsideIp: string }[];
}

async function untilReady<T>(clouds: LocalClouds, step: () => Promise<T>, everySeconds: number): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (!(error instanceof ResourceNotReady) || attempt > 200) throw error;
      await clouds.clock.sleep(everySeconds);
    }
  }
}

/** The product's VPN, built step by step as the workflow does, up to both tunnels joined. */
async function buildProductVpn(): Promise<Built> {
  const clouds = await startLocalClouds({ state: stateFromWorld(readWorld()), faults: NO_FAULTS, seed: 1 });
  process.env.AZURE_ARM_ENDPOINT = clouds.azureEndpoint;
  const aws = { endpoint: clouds.awsEndpoint, region: 'ap-northeast-1', credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret' } };
  const freshArm = () =>
    new ResourceManagementClient(
      new ClientSecretCredential(LOCAL_SERVICE_PRINCIPAL.tenantId, LOCAL_SERVICE_PRINCIPAL.clientId, LOCAL_SERVICE_PRINCIPAL.clientSecret, {
        authorityHost: clouds.authorityHost,
        disableInstanceDiscovery: true,
        tlsOptions: { ca: clouds.caPem },
      }),
      SUBSCRIPTION,
      {
        endpoint: clouds.azureEndpoint,
        credentialScopes: 'https://management.azure.com/.default',
        tlsOptions: { ca: clouds.caPem },
        retryOptions: { retryDelayInMs: 5, maxRetryDelayInMs: 20 },
      },
    );
  const arm = freshArm();
  const ec2 = new EC2Client(aws);
  const ec2Once = new EC2Client({ ...aws, maxAttempts: 1 });
  const secrets = new SecretsManagerClient(aws);
  const request = defaultRequest();
  const input = { request, facts: FACTS };

  await azureNetwork.createGatewaySubnetAndPublicIp(arm, input);
  const { publicIp } = await untilReady(clouds, () => azureNetwork.readGatewayPublicIp(arm, input), 5);
  await azureNetwork.createVpnGateway(arm, input);
  const { customerGatewayId } = await awsVpn.createCustomerGateway(ec2, ec2Once, { ...input, publicIp });
  const { vpnGatewayId } = await awsVpn.createVpnGateway(ec2, ec2Once, input);
  await untilReady(clouds, () => awsVpn.attachVpnGateway(ec2, { ...input, vpnGatewayId }), 30);
  const { vpnConnectionId, pskSecretArns } = await awsVpn.createVpnConnection(ec2, ec2Once, secrets, { ...input, customerGatewayId, vpnGatewayId });
  const completed = await untilReady(clouds, () => awsVpn.completeVpnConnection(ec2, { ...input, vpnConnectionId }), 30);
  const tunnelInput = { ...input, vpnConnectionId, tunnels: completed.tunnels, pskSecretArns };
  await tunnels.createLocalNetworkGateways(arm, tunnelInput);
  await untilReady(clouds, () => tunnels.connectTunnels(arm, secrets, tunnelInput), 300);
  return { clouds, ec2, ec2Once, secrets, arm, freshArm, request, vpnConnectionId, pskSecretArns, awsTunnels: completed.tunnels };
}

let built: Built;
const previousArmEndpoint = process.env.AZURE_ARM_ENDPOINT;

beforeAll(async () => {
  built = await buildProductVpn();
  // Long enough for every write and the tunnels' negotiation to have finished.
  await built.clouds.clock.sleep(1800);
}, 60_000);

afterAll(async () => {
  built?.ec2.destroy();
  built?.ec2Once.destroy();
  built?.secrets.destroy();
  await built?.clouds.close();
  if (previousArmEndpoint === undefined) delete process.env.AZURE_ARM_ENDPOINT;
  else process.env.AZURE_ARM_ENDPOINT = previousArmEndpoint;
});

const connectionIds = () => resourceNames(built.request).azure.tunnels.map((t) => t.connection.id);

/** Runs `body` with the first Azure connection's stored properties changed, then puts them back. */
async function withFirstConnection(change: (props: Record<string, any>) => void, body: () => Promise<void> | void): Promise<void> {
  const resource = built.clouds.state.azure.resources[armKey(connectionIds()[0])];
  const saved = JSON.parse(JSON.stringify(resource.body.properties));
  change(resource.body.properties);
  try {
    await body();
  } finally {
    resource.body.properties = saved;
  }
}

async function awsTelemetry() {
  const described = await built.ec2.send(new DescribeVpnConnectionsCommand({ VpnConnectionIds: [built.vpnConnectionId] }));
  return described.VpnConnections![0].VgwTelemetry!.map((t) => ({ ip: t.OutsideIpAddress, status: t.Status, message: t.StatusMessage ?? '' }));
}

const firstTunnel = () => built.clouds.network.model.tunnels().find((t) => t.outsideIp === built.awsTunnels[0].outsideIp)!;

describe("the product's pinned proposal", () => {
  it('brings both tunnels up: AWS says UP and the product\'s check is ready', async () => {
    expect((await awsTelemetry()).map((t) => t.status)).toEqual(['UP', 'UP']);
    const checked = await tunnels.checkTunnels(built.freshArm(), built.ec2, built.secrets, {
      request: built.request,
      facts: FACTS,
      vpnConnectionId: built.vpnConnectionId,
      tunnels: built.awsTunnels,
      pskSecretArns: built.pskSecretArns,
      attempt: 0,
      maxAttempts: 5,
    });
    expect(checked.ready).toBe(true);
  });

  it('is written to Azure as one complete custom policy with IKEv2', async () => {
    for (const id of connectionIds()) {
      const props = built.clouds.state.azure.resources[armKey(id)].body.properties;
      expect(props.connectionProtocol).toBe('IKEv2');
      expect(props.ipsecPolicies).toEqual([tunnels.IPSEC_POLICY]);
      expect(ipsecPolicyProblems(props.ipsecPolicies)).toEqual([]);
    }
  });

  // Each change is one AWS would accept with its default options, so only the product's pin on the AWS tunnel
  // (IKEv2, AES256, SHA2-256, DH 14 in both phases) keeps it out.
  const outsideThePin: [string, (p: Record<string, any>) => void, RegExp][] = [
    ['IKE version', (p) => (p.connectionProtocol = 'IKEv1'), /IKE version/],
    ['phase 1 encryption', (p) => (p.ipsecPolicies[0].ikeEncryption = 'AES128'), /phase 1/],
    ['phase 1 integrity', (p) => (p.ipsecPolicies[0].ikeIntegrity = 'SHA1'), /phase 1/],
    ['phase 1 DH group', (p) => (p.ipsecPolicies[0].dhGroup = 'DHGroup2'), /phase 1/],
    ['phase 2 encryption', (p) => (p.ipsecPolicies[0].ipsecEncryption = 'AES128'), /phase 2/],
    ['phase 2 integrity', (p) => (p.ipsecPolicies[0].ipsecIntegrity = 'SHA1'), /phase 2/],
    ['phase 2 PFS group', (p) => (p.ipsecPolicies[0].pfsGroup = 'PFS2'), /phase 2/],
    ["Azure's default policy (DH group 2 in phase 1)", (p) => (p.ipsecPolicies = []), /phase 1/],
  ];
  it.each(outsideThePin)('keeps the tunnel down when Azure offers another %s, and AWS says no more than IPSEC IS DOWN', async (_part, change, reason) => {
    await withFirstConnection(change, async () => {
      const evaluation = firstTunnel();
      expect(evaluation.phase).toBe('down');
      expect(evaluation.reasons.some((r) => reason.test(r))).toBe(true);
      const telemetry = await awsTelemetry();
      expect(telemetry[0]).toEqual({ ip: built.awsTunnels[0].outsideIp, status: 'DOWN', message: 'IPSEC IS DOWN' });
      expect(telemetry[1].status).toBe('UP');
      expect(built.clouds.network.model.azureConnectionStatus(connectionIds()[0]).connectionStatus).not.toBe('Connected');
    });
  });

  it('keeps route-based traffic selectors, so a VPC of two blocks still fits in one SA pair per tunnel', async () => {
    const vpc = built.clouds.state.aws.vpcs[0];
    const lngs = resourceNames(built.request).azure.tunnels.map((t) => built.clouds.state.azure.resources[armKey(t.localNetworkGateway.id)].body.properties);
    const saved = lngs.map((l) => [...l.localNetworkAddressSpace.addressPrefixes]);
    vpc.SecondaryCidrBlocks = ['10.50.0.0/16'];
    for (const l of lngs) l.localNetworkAddressSpace.addressPrefixes = [vpc.CidrBlock, '10.50.0.0/16'];
    try {
      expect(built.clouds.network.model.tunnels().map((t) => t.phase)).toEqual(['up', 'up']);
      await withFirstConnection(
        (p) => (p.usePolicyBasedTrafficSelectors = true),
        () => expect(firstTunnel().phase).toBe('down'),
      );
    } finally {
      delete vpc.SecondaryCidrBlocks;
      lngs.forEach((l, i) => (l.localNetworkAddressSpace.addressPrefixes = saved[i]));
    }
  });

  it('does not depend on the lifetimes: they are each side\'s own', async () => {
    await withFirstConnection(
      (p) => Object.assign(p.ipsecPolicies[0], { saLifeTimeSeconds: 27000, saDataSizeKilobytes: 1024 }),
      () => expect(firstTunnel().phase).toBe('up'),
    );
  });
});

describe('ARM refuses an IPsec/IKE policy it cannot apply', () => {
  let arm: ResourceManagementClient;
  beforeAll(() => {
    arm = built.freshArm();
  });

  async function putConnection(properties: Record<string, unknown>) {
    const names = resourceNames(built.request).azure;
    const body = {
      location: 'japaneast',
      properties: {
        connectionType: 'IPsec',
        virtualNetworkGateway1: { id: hubResourceNames(built.request).vpnGateway.id, properties: {} },
        localNetworkGateway2: { id: names.tunnels[0].localNetworkGateway.id, properties: {} },
        sharedKey: 'Probe.key_12345678',
        ...properties,
      },
    };
    const id = names.tunnels[0].connection.id.replace(/[^/]+$/, 'cn-ike-refusal-probe');
    try {
      await arm.resources.beginCreateOrUpdateByIdAndWait(id, '2025-05-01', body as any);
      return { statusCode: 200, code: 'none' };
    } catch (error: any) {
      return { statusCode: error.statusCode, code: error.code };
    }
  }

  it.each([
    ['a partial policy', { ipsecPolicies: [{ ikeEncryption: 'AES256', ikeIntegrity: 'SHA256', dhGroup: 'DHGroup14' }] }],
    ['an empty policy object', { ipsecPolicies: [{}] }],
    ['an unknown algorithm', { ipsecPolicies: [{ ...tunnels.IPSEC_POLICY, ipsecEncryption: '' }] }],
    ['two combinations', { ipsecPolicies: [tunnels.IPSEC_POLICY, tunnels.IPSEC_POLICY] }],
    ['a lifetime below 300 s', { ipsecPolicies: [{ ...tunnels.IPSEC_POLICY, saLifeTimeSeconds: 60 }] }],
    ['GCM encryption with SHA integrity', { ipsecPolicies: [{ ...tunnels.IPSEC_POLICY, ipsecEncryption: 'GCMAES256' }] }],
    ['an unknown IKE version', { connectionProtocol: '' }],
    ['an unknown connection mode', { connectionMode: '' }],
  ])('%s: 400 InvalidRequestFormat, nothing written', async (_what, properties) => {
    const before = Object.keys(built.clouds.state.azure.resources).length;
    expect(await putConnection(properties)).toEqual({ statusCode: 400, code: 'InvalidRequestFormat' });
    expect(Object.keys(built.clouds.state.azure.resources).length).toBe(before);
  });
});

describe('proposal agreement, on the network model alone', () => {
  function modelOf(state: CloudState) {
    return new NetworkModel(() => state, new ManualClock(ALL_READY_AT), new Latencies());
  }

  it("EC2's defaults meet Azure's default policy (the seed's all-defaults VPN comes up)", () => {
    expect(modelOf(builtState()).tunnels().map((t) => t.phase)).toEqual(['up', 'up']);
  });

  it('a custom policy must sit inside every list of the AWS tunnel', () => {
    const pinned = {
      IKEVersions: [{ Value: 'ikev2' }],
      Phase1EncryptionAlgorithms: [{ Value: 'AES256-GCM-16' }],
      Phase1IntegrityAlgorithms: [{ Value: 'SHA2-384' }],
      Phase1DHGroupNumbers: [{ Value: 20 }],
      Phase2EncryptionAlgorithms: [{ Value: 'AES256-GCM-16' }],
      Phase2IntegrityAlgorithms: [{ Value: 'SHA2-256' }],
      Phase2DHGroupNumbers: [{ Value: 19 }],
    };
    const policy = { ikeEncryption: 'GCMAES256', ikeIntegrity: 'SHA384', dhGroup: 'ECP384', ipsecEncryption: 'GCMAES256', ipsecIntegrity: 'GCMAES256', pfsGroup: 'ECP256', saLifeTimeSeconds: 3600, saDataSizeKilobytes: 102400000 };
    expect(proposalMismatches(pinned, { connectionProtocol: 'IKEv2', ipsecPolicies: [policy] })).toEqual([]);
    expect(proposalMismatches(pinned, { connectionProtocol: 'IKEv2', ipsecPolicies: [{ ...policy, pfsGroup: 'None' }] })).toHaveLength(1);
    expect(proposalMismatches(pinned, { connectionProtocol: 'IKEv2', ipsecPolicies: [{ ...policy, ipsecEncryption: 'GCMAES128', ipsecIntegrity: 'GCMAES128' }] })).toHaveLength(1);
    expect(proposalMismatches(pinned, { connectionProtocol: 'IKEv2', ipsecPolicies: [{ ...policy, dhGroup: 'DHGroup24' }] })).toHaveLength(1);
    // Values Azure accepts that AWS never offers.
    expect(proposalMismatches({}, { ipsecPolicies: [{ ...policy, ikeEncryption: 'DES3' }] })).toHaveLength(1);
    expect(proposalMismatches({}, { ipsecPolicies: [{ ...policy, ipsecIntegrity: 'MD5', ipsecEncryption: 'AES256' }] })).toHaveLength(1);
  });

  it("Azure's default policy fails against an AWS tunnel that allows none of its offers", () => {
    const state = builtState();
    state.aws.vpnConnections[0].Tunnels[0].Options = { Phase2DHGroupNumbers: [{ Value: 19 }] };
    const [first, second] = modelOf(state).tunnels();
    expect(first.phase).toBe('down');
    expect(first.reasons.some((r) => /phase 2/.test(r))).toBe(true);
    expect(second.phase).toBe('up');
  });

  it('a ResponderOnly Azure end needs an AWS tunnel that starts the negotiation', () => {
    const state = builtState();
    azureProps(state, ids.connectionIds[0]).connectionMode = 'ResponderOnly';
    expect(modelOf(state).tunnels()[0].phase).toBe('down');
    state.aws.vpnConnections[0].Tunnels[0].Options = { StartupAction: 'start' };
    expect(modelOf(state).tunnels()[0].phase).toBe('up');
  });

  it('ARM validation accepts the spellings of the API and nothing else', () => {
    expect(connectionProblems({ connectionProtocol: 'IKEv1', connectionMode: 'InitiatorOnly', ipsecPolicies: [tunnels.IPSEC_POLICY] })).toEqual([]);
    expect(connectionProblems({ connectionProtocol: 'ikev2' })).toHaveLength(1);
    expect(ipsecPolicyProblems(undefined)).toEqual([]);
    expect(ipsecPolicyProblems([])).toEqual([]);
    expect(ipsecPolicyProblems({})).toHaveLength(1);
    expect(ipsecPolicyProblems([{ ...tunnels.IPSEC_POLICY, saDataSizeKilobytes: 1023 }])).toHaveLength(1);
    expect(ipsecPolicyProblems([{ ...tunnels.IPSEC_POLICY, saLifeTimeSeconds: 300, saDataSizeKilobytes: 1024 }])).toEqual([]);
    expect(ipsecPolicyProblems([{ ...tunnels.IPSEC_POLICY, ipsecEncryption: 'GCMAES128', ipsecIntegrity: 'GCMAES128' }])).toEqual([]);
  });
});
