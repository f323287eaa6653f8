/**
 * The validator's refusals, against the emulated clouds through the real SDK clients: each problem at its field
 * path, every problem in one refusal, and nothing written to either cloud before it.
 */
import {
  CreateCustomerGatewayCommand,
  CreateSecurityGroupCommand,
  CreateVpnConnectionCommand,
  CreateVpnGatewayCommand,
} from '@aws-sdk/client-ec2';
import { CreateFunctionCommand } from '@aws-sdk/client-lambda';
import { CreateResolverEndpointCommand, CreateResolverRuleCommand } from '@aws-sdk/client-route53resolver';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { greenfieldHub, hubResourceNames, hubTags, type HubResourceNames } from '../../functions/commons/hub';
import { resourceNames, standardTags, type ResourceNames } from '../../functions/commons/naming';
import type { EnvironmentRequest } from '../../functions/commons/request/contract';
import { validateRequestDocument } from '../../functions/commons/request/schema';
import { validateEnvironmentRequest } from '../../functions/validate-request/validate';
import type { ArmResource } from '../../local/cloud/state';
import { readWorld, type World } from '../../local/cloud/world';
import { DEFAULT_REQUEST, request } from './support';
import { pathsOf, problemsOf, startValidatorClouds, type ValidatorClouds } from './validate-support';
import { loopbackAllowance } from '../support/callback-allowance';

const OTHER_VPC = 'vpc-0a1b2c3d4e5f60009';
const OTHER_VPC_SUBNET = 'subnet-0a1b2c3d4e5f60009';
const OTHER_VPC_TABLE = 'rtb-0a1b2c3d4e5f60009';
const MISSING_SUBNET = 'subnet-0a1b2c3d4e5f6dead';
const ENV = DEFAULT_REQUEST.environmentId as string;

function validRequest(document: unknown = DEFAULT_REQUEST): EnvironmentRequest {
  const result = validateRequestDocument(document);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.request;
}
// Computed in a hook, not at collection: the mutation run gives a hook's coverage to the tests it serves.
let NAMES: ResourceNames;
/** The names the product gives the hub's resources (the VPN gateway, the resolver, the endpoint… of vnet-hub). */
let HUB: HubResourceNames;
beforeAll(() => {
  NAMES = resourceNames(validRequest());
  HUB = hubResourceNames(validRequest());
});

/** The default world plus a second VPC (with a subnet and a route table) that belongs to nobody in the request. */
function worldWith(change: (world: World) => void = () => undefined): World {
  const world = readWorld();
  world.aws.vpcs.push({ VpcId: OTHER_VPC, CidrBlock: '10.9.0.0/16' });
  world.aws.subnets.push({ SubnetId: OTHER_VPC_SUBNET, VpcId: OTHER_VPC, AvailabilityZone: 'ap-northeast-1d', CidrBlock: '10.9.1.0/24' } as never);
  world.aws.routeTables.push({ RouteTableId: OTHER_VPC_TABLE, VpcId: OTHER_VPC, SubnetIds: [OTHER_VPC_SUBNET] });
  change(world);
  return world;
}

// One pair of emulators for the file (starting them and fetching a token is most of a test's time); each test
// starts from its own world.
let clouds: ValidatorClouds;
beforeAll(async () => {
  clouds = await startValidatorClouds(worldWith());
});
afterAll(async () => clouds?.close());

async function start(world: World = worldWith()): Promise<ValidatorClouds> {
  clouds.reset(world);
  return clouds;
}

/** Runs the validator; answers the refusal and the writes either cloud saw during it. */
async function refusal(document: unknown): Promise<{ error: unknown; writes: string[] }> {
  const mark = clouds.mark();
  const error = await validateEnvironmentRequest(document, clouds.clients, clouds.context).then(
    () => new Error('expected a refusal'),
    (e: unknown) => e,
  );
  return { error, writes: clouds.writesSince(mark) };
}

/** A resource that exists before the run, made by someone else (tags as given). */
function existingAzure(id: string, tags: Record<string, string> | undefined, properties: Record<string, unknown> = {}): void {
  const segments = id.split('/');
  const providerAt = segments.findIndex((s) => s.toLowerCase() === 'providers');
  const typeParts = [segments[providerAt + 1]];
  for (let i = providerAt + 2; i < segments.length; i += 2) typeParts.push(segments[i]);
  const resource: ArmResource = {
    id,
    type: typeParts.join('/'),
    name: segments[segments.length - 1],
    apiVersion: '2024-05-01',
    preExisting: true,
    body: { location: 'japaneast', ...(tags ? { tags } : {}), properties: { provisioningState: 'Succeeded', ...properties } },
  } as ArmResource;
  clouds.ctx.state.azure.resources[id.toLowerCase()] = resource;
}

/** A subnet of vnet-hub (what the world file would hold). */
function existingSubnet(name: string, addressPrefix: string, nsgId?: string, properties: Record<string, unknown> = {}): void {
  existingAzure(`${NAMES.azure.virtualNetwork.id}/subnets/${name}`, undefined, {
    addressPrefix,
    ...(nsgId ? { networkSecurityGroup: { id: nsgId } } : {}),
    ...properties,
  });
}
/** What a DNS resolver inbound endpoint's subnet carries. */
const RESOLVER_DELEGATION = { delegations: [{ name: 'Microsoft.Network.dnsResolvers', properties: { serviceName: 'Microsoft.Network/dnsResolvers' } }] };

const FOREIGN = { owner: 'another-team' };
const OURS = standardTags(ENV);
const OURS_OTHER_ENV = standardTags('aoai-dev-01');

describe('a consistent request', () => {
  test('is accepted with the facts later steps need, and the validator writes nothing', async () => {
    await start();
    const mark = clouds.mark();
    const validated = await validateEnvironmentRequest(DEFAULT_REQUEST, clouds.clients, clouds.context);
    expect(validated.request).toEqual(validRequest());
    expect(validated.facts).toEqual({
      vpcCidrs: ['172.17.0.0/16'],
      vnetAddressPrefixes: ['192.168.0.0/16'],
      location: 'japaneast',
      openAiHost: 'aoai-prod.openai.azure.com',
      // An empty VNet: every hub resource is to be built, with the hub's names.
      hub: greenfieldHub(validRequest()),
    });
    expect(validated.hubPlan.every((line) => line.startsWith('create '))).toBe(true);
    expect(clouds.writesSince(mark)).toEqual([]);
  });

  test('resources this product made for this environment are not refused', async () => {
    await start();
    existingAzure(HUB.privateEndpointNsg.id, hubTags(validRequest()));
    existingAzure(HUB.dnsInboundNsg.id, hubTags(validRequest()));
    existingAzure(HUB.publicIp.id, hubTags(validRequest()));
    // The hub zone is ours when this product made it for any environment.
    existingAzure(HUB.privateDnsZone.id, OURS_OTHER_ENV);
    existingSubnet(HUB.privateEndpointSubnet.name, '192.168.1.0/27', HUB.privateEndpointNsg.id);
    // ARM ids compare without case.
    existingSubnet(HUB.dnsResolverSubnet.name, '192.168.2.0/28', HUB.dnsInboundNsg.id.toUpperCase(), RESOLVER_DELEGATION);
    const { ec2, secrets } = clouds.clients;
    await ec2.send(
      new CreateCustomerGatewayCommand({
        Type: 'ipsec.1',
        IpAddress: '203.0.113.10',
        BgpAsn: 65000,
        TagSpecifications: [{ ResourceType: 'customer-gateway', Tags: [{ Key: 'Name', Value: NAMES.aws.customerGateway }, ...Object.entries(OURS).map(([Key, Value]) => ({ Key, Value }))] }],
      }),
    );
    await secrets.send(
      new CreateSecretCommand({ Name: NAMES.aws.pskSecretNames[0], SecretString: 'Abcdefgh12345678', Tags: Object.entries(OURS).map(([Key, Value]) => ({ Key, Value })) }),
    );
    const validated = await validateEnvironmentRequest(DEFAULT_REQUEST, clouds.clients, clouds.context);
    expect(validated.facts.location).toBe('japaneast');
  });
});

describe('the ticket and its callback', () => {
  test('a request without a ticket, or with a ticket without a callback URL, is accepted', async () => {
    await start();
    const noTicket = await validateEnvironmentRequest(request((r) => delete r.ticket), clouds.clients, clouds.context);
    expect(noTicket.request.ticket).toBeUndefined();
    const idOnly = await validateEnvironmentRequest(request((r) => (r.ticket = { id: 'OPS-9' })), clouds.clients, clouds.context);
    expect(idOnly.request.ticket).toEqual({ id: 'OPS-9' });
  });

  test('a loopback allowance reaches the static check as well as the resolution', async () => {
    await start();
    const loopback = request((r) => (r.ticket.callbackUrl = 'https://127.0.0.1:8443/hook'));
    clouds.context.callbackChecks = { resolveHost: async () => ['127.0.0.1'], allowance: loopbackAllowance(8443) };
    await expect(validateEnvironmentRequest(loopback, clouds.clients, clouds.context)).resolves.toBeDefined();
    clouds.context.callbackChecks = { resolveHost: async () => ['127.0.0.1'] };
    expect(pathsOf((await refusal(loopback)).error)).toEqual(['ticket.callbackUrl']);
  });
});

describe('contradictions with the clouds', () => {
  test('are all reported in one refusal, each at its field path, before anything is written', async () => {
    await start();
    existingAzure(HUB.privateEndpointNsg.id, FOREIGN);
    const document = request((r) => {
      r.aws.resolverSubnetIds = [r.aws.resolverSubnetIds[0], MISSING_SUBNET];
      r.aws.probeSubnetIds = [OTHER_VPC_SUBNET];
      r.aws.routeTableIds = [r.aws.routeTableIds[0], OTHER_VPC_TABLE];
      r.azure.openAiDeployment = 'gpt-35';
    });
    clouds.context.callbackChecks = { resolveHost: async () => ['10.0.0.8'] };
    const { error, writes } = await refusal(document);
    expect(pathsOf(error)).toEqual([
      'aws.probeSubnetIds[0]',
      'aws.resolverSubnetIds[1]',
      'aws.routeTableIds[1]',
      'azure.openAiDeployment',
      'azure.virtualNetworkName',
      'ticket.callbackUrl',
    ]);
    // The subnet and the table are reported with the VPC they really belong to, as read from EC2.
    const problems = problemsOf(error);
    expect(problems.find((p) => p.path === 'aws.probeSubnetIds[0]')!.message).toContain(OTHER_VPC);
    expect(problems.find((p) => p.path === 'aws.routeTableIds[1]')!.message).toContain(OTHER_VPC);
    expect(writes).toEqual([]);
  });

  test('a VPC, a VNet and an account that do not exist are each reported', async () => {
    await start(
      worldWith((world) => {
        world.aws.vpcs = world.aws.vpcs.filter((v) => v.VpcId !== DEFAULT_REQUEST.aws.vpcId);
        world.azure.virtualNetworks = [];
        world.azure.openAiAccounts = [];
      }),
    );
    const { error, writes } = await refusal(DEFAULT_REQUEST);
    expect(pathsOf(error)).toEqual(['aws.vpcId', 'azure.openAiAccountId', 'azure.virtualNetworkName']);
    expect(writes).toEqual([]);
  });

  test('resolver subnets in one availability zone are refused on aws.resolverSubnetIds', async () => {
    await start(worldWith((world) => world.aws.subnets.forEach((s) => (s.AvailabilityZone = 'ap-northeast-1a'))));
    const { error } = await refusal(DEFAULT_REQUEST);
    expect(pathsOf(error)).toEqual(['aws.resolverSubnetIds']);
  });

  test('a VPC CIDR overlapping the VNet is refused on aws.vpcId; the subnet prefix outside the VNet on its field', async () => {
    await start(
      worldWith((world) => {
        world.aws.vpcs[0].CidrBlock = '192.168.0.0/20';
        world.azure.virtualNetworks[0].addressPrefixes = ['192.168.0.0/16'];
      }),
    );
    const { error } = await refusal(request((r) => (r.azure.privateEndpointSubnetPrefix = '10.1.0.0/27')));
    expect(pathsOf(error)).toEqual(['aws.vpcId', 'azure.privateEndpointSubnetPrefix']);
  });

  test('an existing subnet overlapping one of ours is refused on that prefix field, read from the VNet', async () => {
    await start();
    existingSubnet('apps-2', '192.168.2.0/24');
    const { error } = await refusal(DEFAULT_REQUEST);
    expect(pathsOf(error)).toEqual(['azure.dnsResolverSubnetPrefix']);
  });

  test('an account of another kind or without a custom subdomain is refused on azure.openAiAccountId', async () => {
    await start(
      worldWith((world) => {
        world.azure.openAiAccounts[0].kind = 'TextAnalytics';
        delete world.azure.openAiAccounts[0].customSubDomainName;
      }),
    );
    const { error } = await refusal(DEFAULT_REQUEST);
    expect(pathsOf(error)).toEqual(['azure.openAiAccountId', 'azure.openAiAccountId']);
  });
});

describe('resources that carry our names but are not ours', () => {
  // Hub resources carry the hub's names (for the VNet); the tunnels' resources, the environment's.
  const azureCases: [string, () => string, string][] = [
    ['public IP', () => HUB.publicIp.id, 'azure.virtualNetworkName'],
    ['VPN gateway', () => HUB.vpnGateway.id, 'azure.virtualNetworkName'],
    ['local network gateway of tunnel 1', () => NAMES.azure.tunnels[0].localNetworkGateway.id, 'environmentId'],
    ['connection of tunnel 2', () => NAMES.azure.tunnels[1].connection.id, 'environmentId'],
    ['private endpoint NSG', () => HUB.privateEndpointNsg.id, 'azure.virtualNetworkName'],
    ['DNS inbound NSG', () => HUB.dnsInboundNsg.id, 'azure.virtualNetworkName'],
    ['private endpoint', () => HUB.privateEndpoint.id, 'azure.virtualNetworkName'],
    ['private DNS zone', () => HUB.privateDnsZone.id, 'azure.resourceGroup'],
    // Elsewhere, and for no VNet: the hub's resolver name is taken.
    ['DNS private resolver', () => HUB.dnsResolver.id, 'azure.virtualNetworkName'],
  ];

  test.each(azureCases)('Azure %s without our tags is refused (%#)', async (_kind, id, path) => {
    await start();
    existingAzure(id(), FOREIGN);
    const { error, writes } = await refusal(DEFAULT_REQUEST);
    expect(pathsOf(error)).toEqual([path]);
    expect(problemsOf(error)[0].message).toContain(id());
    expect(writes).toEqual([]);
  });

  test('a hub resource another environment built before hubs is used; one without tags or of another product is refused', async () => {
    await start();
    existingAzure(HUB.privateEndpointNsg.id, OURS_OTHER_ENV);
    const used = await validateEnvironmentRequest(DEFAULT_REQUEST, clouds.clients, clouds.context);
    expect(used.facts.hub.privateEndpointNsg).toEqual({ id: HUB.privateEndpointNsg.id, action: 'use', ready: true });
    existingAzure(HUB.dnsInboundNsg.id, undefined);
    existingAzure(HUB.publicIp.id, { 'managed-by': 'someone-else', environment: ENV });
    const { error } = await refusal(DEFAULT_REQUEST);
    expect(problemsOf(error).map((p) => [p.path, p.message.includes('nsg-') || p.message.includes('pip-')])).toEqual([
      ['azure.virtualNetworkName', true],
      ['azure.virtualNetworkName', true],
    ]);
  });

  test('the hub zone without our tag is refused even when it carries this environment', async () => {
    await start();
    existingAzure(HUB.privateDnsZone.id, { environment: ENV });
    expect(pathsOf((await refusal(DEFAULT_REQUEST)).error)).toEqual(['azure.resourceGroup']);
  });

  test('with one tunnel, names of tunnel 2 are nobody’s business; tunnel 1 still is', async () => {
    await start();
    existingAzure(NAMES.azure.tunnels[1].localNetworkGateway.id, FOREIGN);
    existingAzure(NAMES.azure.tunnels[1].connection.id, FOREIGN);
    const oneTunnel = request((r) => (r.options.tunnels = 'one'));
    await expect(validateEnvironmentRequest(oneTunnel, clouds.clients, clouds.context)).resolves.toBeDefined();
    existingAzure(NAMES.azure.tunnels[0].connection.id, FOREIGN);
    expect(pathsOf((await refusal(oneTunnel)).error)).toEqual(['environmentId']);
  });

  test('a subnet with the requested prefix is used with our NSG on it, adopted (read only) with anyone else’s or none', async () => {
    await start();
    const theirs = '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-network/providers/Microsoft.Network/networkSecurityGroups/nsg-theirs';
    existingAzure(HUB.dnsInboundNsg.id, hubTags(validRequest()));
    existingAzure(theirs, FOREIGN);
    // Same prefixes as the request: the subnets are the hub's, whoever built them.
    existingSubnet(HUB.privateEndpointSubnet.name, '192.168.1.0/27', theirs);
    existingSubnet(HUB.dnsResolverSubnet.name.toUpperCase(), '192.168.2.0/28', HUB.dnsInboundNsg.id, RESOLVER_DELEGATION);
    const mark = clouds.mark();
    const { facts } = await validateEnvironmentRequest(DEFAULT_REQUEST, clouds.clients, clouds.context);
    expect(facts.hub.privateEndpointSubnet).toMatchObject({ action: 'adopt', ready: true });
    expect(facts.hub.privateEndpointNsg).toEqual({ id: theirs, action: 'adopt', ready: true });
    expect(facts.hub.dnsResolverSubnet).toMatchObject({ action: 'use', ready: true });
    expect(clouds.writesSince(mark)).toEqual([]);
  });

  test('a subnet with the hub’s name and another prefix is refused on its prefix field', async () => {
    await start();
    existingSubnet(HUB.privateEndpointSubnet.name.toUpperCase(), '192.168.3.0/27');
    const { error, writes } = await refusal(DEFAULT_REQUEST);
    expect(pathsOf(error)).toEqual(['azure.privateEndpointSubnetPrefix']);
    expect(problemsOf(error)[0].message).toContain('192.168.3.0/27');
    expect(writes).toEqual([]);
  });

  const tagsOf = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  const ec2NameTags = (type: 'customer-gateway' | 'vpn-gateway' | 'vpn-connection', name: string, tags: Record<string, string> = FOREIGN) => [
    { ResourceType: type, Tags: [{ Key: 'Name', Value: name }, ...tagsOf(tags)] },
  ];

  test('EC2 customer gateway, virtual private gateway and VPN connection with our Name tag are each refused', async () => {
    await start();
    const { ec2 } = clouds.clients;
    const cgw = await ec2.send(
      new CreateCustomerGatewayCommand({ Type: 'ipsec.1', IpAddress: '203.0.113.10', BgpAsn: 65000, TagSpecifications: ec2NameTags('customer-gateway', NAMES.aws.customerGateway) }),
    );
    const vgw = await ec2.send(new CreateVpnGatewayCommand({ Type: 'ipsec.1', TagSpecifications: ec2NameTags('vpn-gateway', NAMES.aws.vpnGateway, OURS_OTHER_ENV) }));
    await ec2.send(
      new CreateVpnConnectionCommand({
        Type: 'ipsec.1',
        CustomerGatewayId: cgw.CustomerGateway!.CustomerGatewayId,
        VpnGatewayId: vgw.VpnGateway!.VpnGatewayId,
        Options: { StaticRoutesOnly: true },
        TagSpecifications: ec2NameTags('vpn-connection', NAMES.aws.vpnConnection, { environment: ENV }),
      }),
    );
    const { error, writes } = await refusal(DEFAULT_REQUEST);
    const problems = problemsOf(error);
    expect(problems.map((p) => p.path)).toEqual(['environmentId', 'environmentId', 'environmentId']);
    expect(problems[0].message).toContain(cgw.CustomerGateway!.CustomerGatewayId);
    expect(problems[1].message).toContain(vgw.VpnGateway!.VpnGatewayId);
    expect(writes).toEqual([]);
  });

  test('a deleted customer gateway with our name is history, not a conflict', async () => {
    await start();
    const { ec2 } = clouds.clients;
    const cgw = await ec2.send(
      new CreateCustomerGatewayCommand({ Type: 'ipsec.1', IpAddress: '203.0.113.10', BgpAsn: 65000, TagSpecifications: ec2NameTags('customer-gateway', NAMES.aws.customerGateway) }),
    );
    // The emulator has no DeleteCustomerGateway; a deleted gateway stays listed in state "deleted", as EC2's do for a while.
    clouds.ctx.state.aws.customerGateways.find((g) => g.CustomerGatewayId === cgw.CustomerGateway!.CustomerGatewayId)!.deletedAt = clouds.ctx.clock.now();
    await expect(validateEnvironmentRequest(DEFAULT_REQUEST, clouds.clients, clouds.context)).resolves.toBeDefined();
  });

  test('security groups with our names are refused in the request’s VPC only', async () => {
    await start();
    const { ec2 } = clouds.clients;
    const inOurVpc = await ec2.send(new CreateSecurityGroupCommand({ GroupName: NAMES.aws.probeSecurityGroup, Description: 'theirs', VpcId: DEFAULT_REQUEST.aws.vpcId }));
    await ec2.send(new CreateSecurityGroupCommand({ GroupName: NAMES.aws.dnsOutboundSecurityGroup, Description: 'theirs', VpcId: OTHER_VPC }));
    const problems = problemsOf((await refusal(DEFAULT_REQUEST)).error);
    expect(problems.map((p) => p.path)).toEqual(['environmentId']);
    expect(problems[0].message).toContain(inOurVpc.GroupId);
    expect(problems[0].message).toContain(NAMES.aws.probeSecurityGroup);
  });

  test('a tunnel key secret with our name is refused unless it is scheduled for deletion', async () => {
    await start();
    const { secrets } = clouds.clients;
    await secrets.send(new CreateSecretCommand({ Name: NAMES.aws.pskSecretNames[0], SecretString: 'Abcdefgh12345678', Tags: tagsOf(OURS_OTHER_ENV) }));
    const second = await secrets.send(new CreateSecretCommand({ Name: NAMES.aws.pskSecretNames[1], SecretString: 'Abcdefgh12345678' }));
    const both = problemsOf((await refusal(DEFAULT_REQUEST)).error);
    expect(both.map((p) => [p.path, p.message.includes(NAMES.aws.pskSecretNames[0]) ? 1 : 2])).toEqual([
      ['environmentId', 1],
      ['environmentId', 2],
    ]);
    // Scheduled for deletion (the emulator has no DeleteSecret): DescribeSecret still answers, with a DeletedDate.
    clouds.ctx.state.aws.secrets.find((s) => s.ARN === second.ARN)!.DeletedDate = clouds.ctx.clock.now();
    expect(problemsOf((await refusal(DEFAULT_REQUEST)).error)).toHaveLength(1);
  });

  test('Route 53 Resolver endpoint and rule found by our name or by our creator request id are refused once each', async () => {
    await start();
    const { ec2, resolver } = clouds.clients;
    const group = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'theirs', Description: 'theirs', VpcId: DEFAULT_REQUEST.aws.vpcId }));
    // Found by name and by creator request id at once: one problem, not two.
    const endpoint = await resolver.send(
      new CreateResolverEndpointCommand({
        CreatorRequestId: NAMES.aws.creatorRequestIds.resolverEndpoint,
        Name: NAMES.aws.resolverEndpoint,
        Direction: 'OUTBOUND',
        SecurityGroupIds: [group.GroupId!],
        IpAddresses: DEFAULT_REQUEST.aws.resolverSubnetIds.map((SubnetId: string) => ({ SubnetId })),
        Tags: tagsOf(OURS_OTHER_ENV),
      }),
    );
    // Found by creator request id only, under another name.
    const rule = await resolver.send(
      new CreateResolverRuleCommand({ CreatorRequestId: NAMES.aws.creatorRequestIds.resolverRule, Name: 'their-rule', RuleType: 'SYSTEM', DomainName: 'example.com' }),
    );
    const problems = problemsOf((await refusal(DEFAULT_REQUEST)).error);
    expect(problems.map((p) => p.path)).toEqual(['environmentId', 'environmentId']);
    expect(problems[0].message).toContain(endpoint.ResolverEndpoint!.Id);
    expect(problems[1].message).toContain(rule.ResolverRule!.Id);
  });

  test('a Resolver rule with our name and our tags is ours', async () => {
    await start();
    await clouds.clients.resolver.send(
      new CreateResolverRuleCommand({ CreatorRequestId: 'earlier', Name: NAMES.aws.resolverRule, RuleType: 'SYSTEM', DomainName: 'example.com', Tags: tagsOf(OURS) }),
    );
    await expect(validateEnvironmentRequest(DEFAULT_REQUEST, clouds.clients, clouds.context)).resolves.toBeDefined();
    await clouds.clients.resolver.send(
      new CreateResolverRuleCommand({ CreatorRequestId: 'someone', Name: NAMES.aws.resolverRule, RuleType: 'SYSTEM', DomainName: 'example.org' }),
    );
    expect(pathsOf((await refusal(DEFAULT_REQUEST)).error)).toEqual(['environmentId']);
  });

  test('a probe function with our name is refused unless it carries our tags', async () => {
    await start();
    const create = (Tags?: Record<string, string>) =>
      clouds.clients.lambda.send(
        new CreateFunctionCommand({
          FunctionName: NAMES.aws.probeFunction,
          Role: 'arn:aws:iam::123456789012:role/theirs',
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Code: { ZipFile: Buffer.from('PK') },
          Tags,
        }),
      );
    const created = await create(FOREIGN);
    const problems = problemsOf((await refusal(DEFAULT_REQUEST)).error);
    expect(problems.map((p) => p.path)).toEqual(['environmentId']);
    expect(problems[0].message).toContain(created.FunctionArn);
    clouds.ctx.state.aws.functions.find((f) => f.FunctionName === NAMES.aws.probeFunction)!.Tags = { ...OURS };
    await expect(validateEnvironmentRequest(DEFAULT_REQUEST, clouds.clients, clouds.context)).resolves.toBeDefined();
  });
});

describe('refusals before any cloud read', () => {
  test('a malformed region is reported once, not again as another deployment’s region', async () => {
    await start();
    const { error, writes } = await refusal(request((r) => (r.aws.region = 'ap-northest-1')));
    expect(pathsOf(error)).toEqual(['aws.region']);
    expect(writes).toEqual([]);
    const notAString = await refusal(request((r) => ((r.aws.region = 7), (r.environmentId = 'X'))));
    expect(pathsOf(notAString.error)).toEqual(['aws.region', 'environmentId']);
    const mark = clouds.mark();
    expect(pathsOf((await refusal(null)).error)).toEqual(['(document)']);
    expect(clouds.mark()).toEqual(mark);
  });

  test('a malformed region with other problems is still reported once; a document without aws is refused, not a crash', async () => {
    await start();
    const both = await refusal(request((r) => ((r.aws.region = 'ap-northest-1'), (r.environmentId = 'X'))));
    expect(pathsOf(both.error)).toEqual(['aws.region', 'environmentId']);
    expect(pathsOf((await refusal({ version: 1 })).error)).toEqual(['aws', 'azure', 'environmentId']);
  });

  test('a static refusal reads nothing from either cloud', async () => {
    await start();
    const mark = clouds.mark();
    const { error } = await refusal(request((r) => (r.azure.gatewaySubnetPrefix = '192.168.255.0/28')));
    expect(pathsOf(error)).toEqual(['azure.gatewaySubnetPrefix']);
    expect(clouds.mark()).toEqual(mark);
  });
});

