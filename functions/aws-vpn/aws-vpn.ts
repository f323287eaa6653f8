/**
 * The AWS side of the site-to-site VPN: customer gateway (the Azure gateway's public IP, static routing),
 * virtual private gateway attached to the VPC, route propagation, and the VPN connection with a static route
 * to the VNet and pinned IKEv2/AES256/SHA2-256/DH14 tunnels. The tunnels' pre-shared keys are generated here,
 * stored in Secrets Manager before the connection is created, and only their ARNs leave the task.
 */
import {
  AttachVpnGatewayCommand,
  CreateCustomerGatewayCommand,
  CreateVpnConnectionCommand,
  CreateVpnConnectionRouteCommand,
  CreateVpnGatewayCommand,
  DescribeCustomerGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeVpnConnectionsCommand,
  DescribeVpnGatewaysCommand,
  EnableVgwRoutePropagationCommand,
  type EC2Client,
  type VpnConnection,
} from '@aws-sdk/client-ec2';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  type DescribeSecretCommandOutput,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { createHash } from 'node:crypto';
import { isNotFound, rememberSecret } from '../commons/cloud-errors';
import { lookUpThenCreateOnce } from '../commons/ec2';
import { invocationLog } from '../commons/logger';
import { ResourceConflict, ResourceFailed, ResourceNotReady } from '../commons/errors';
import { ec2TagFilters, ec2TagSpecifications, ec2Tags, MANAGED_BY, resourceNames, TAG_ENVIRONMENT, TAG_MANAGED_BY } from '../commons/naming';
import { carriesOurTags, tagObject } from '../commons/ownership';
import { generatePreSharedKey } from '../commons/psk';
import { DEFAULT_AWS_ASN } from '../commons/bgp';
import type {
  AwsTunnel,
  CustomerGatewayCreated,
  CustomerGatewayInput,
  RoutePropagationEnabled,
  StepInput,
  TunnelAddresses,
  VpnConnectionCreated,
  VpnConnectionInput,
  VpnConnectionStep,
  VpnGatewayAttached,
  VpnGatewayCreated,
  VpnGatewayStep,
} from '../commons/workflow-data';

export type { StepInput };

const LIVE_STATES = { Name: 'state', Values: ['pending', 'available'] };

/** One customer gateway per Azure gateway instance in use: the first with static routing, both with BGP. */
export async function createCustomerGateway(ec2: EC2Client, ec2Once: EC2Client, input: CustomerGatewayInput): Promise<CustomerGatewayCreated> {
  const names = resourceNames(input.request).aws.customerGateways;
  const addresses = input.addresses?.length ? input.addresses : [input.publicIp];
  if (addresses.length < names.length) throw new ResourceNotReady(`The Azure gateway reports ${addresses.length} public IPs; BGP routing needs one per instance (${names.length})`);
  const ids: string[] = [];
  for (const [index, name] of names.entries()) ids.push(await ensureCustomerGateway(ec2, ec2Once, input, name, addresses[index], index));
  return { customerGatewayId: ids[0], customerGatewayIds: ids };
}

async function ensureCustomerGateway(ec2: EC2Client, ec2Once: EC2Client, input: CustomerGatewayInput, name: string, address: string, index: number): Promise<string> {
  const env = input.request.environmentId;
  const { resource } = await lookUpThenCreateOnce(
    'CreateCustomerGateway',
    async () => (await ec2.send(new DescribeCustomerGatewaysCommand({ Filters: [...ec2TagFilters(env, name), LIVE_STATES] }))).CustomerGateways?.[0],
    async () =>
      (
        await ec2Once.send(
          new CreateCustomerGatewayCommand({
            Type: 'ipsec.1',
            IpAddress: address,
            // With BGP, the Azure gateway's ASN; with static routing the API still requires one and ignores it.
            BgpAsn: input.facts.bgp?.azureAsn ?? 65000,
            DeviceName: index === 0 ? `Azure VPN gateway for ${env}` : `Azure VPN gateway instance ${index} for ${env}`,
            TagSpecifications: ec2TagSpecifications('customer-gateway', env, name),
          }),
        )
      ).CustomerGateway!,
  );
  // EC2 answers a create that matches an existing gateway (type, IP, ASN) with that gateway, whoever made it.
  if (!carriesOurTags(tagObject(resource.Tags), env)) {
    throw new ResourceConflict(
      `Customer gateway ${resource.CustomerGatewayId} at ${resource.IpAddress} was not created by this product for ${env}, and EC2 answers our create with it. Give it a distinct device name or delete it if unused, then re-run.`,
    );
  }
  // A customer gateway's IP and ASN cannot change; another one means the Azure side changed under us.
  if (resource.IpAddress !== address) {
    throw new ResourceConflict(
      `Customer gateway ${resource.CustomerGatewayId} (${name}) points at ${resource.IpAddress}, but the Azure gateway's public IP is ${address}. Delete the old customer gateway and its VPN connection, then re-run.`,
    );
  }
  const bgp = input.facts.bgp;
  if (bgp && resource.BgpAsn !== undefined && Number(resource.BgpAsn) !== bgp.azureAsn) {
    throw new ResourceConflict(
      `Customer gateway ${resource.CustomerGatewayId} (${name}) has BGP ASN ${resource.BgpAsn}, but the Azure gateway speaks BGP as ${bgp.azureAsn}. Delete the old customer gateway and its VPN connection, then re-run.`,
    );
  }
  return resource.CustomerGatewayId!;
}

export async function createVpnGateway(ec2: EC2Client, ec2Once: EC2Client, input: StepInput): Promise<VpnGatewayCreated> {
  const env = input.request.environmentId;
  const name = resourceNames(input.request).aws.vpnGateway;
  const { resource } = await lookUpThenCreateOnce(
    'CreateVpnGateway',
    async () => (await ec2.send(new DescribeVpnGatewaysCommand({ Filters: [...ec2TagFilters(env, name), LIVE_STATES] }))).VpnGateways?.[0],
    async () =>
      (
        await ec2Once.send(
          new CreateVpnGatewayCommand({ Type: 'ipsec.1', AmazonSideAsn: input.facts.bgp?.awsAsn ?? DEFAULT_AWS_ASN, TagSpecifications: ec2TagSpecifications('vpn-gateway', env, name) }),
        )
      ).VpnGateway!,
  );
  return { vpnGatewayId: resource.VpnGatewayId!, ready: resource.State === 'available' };
}

async function describeVpnGateway(ec2: EC2Client, vpnGatewayId: string) {
  const gateway = (await ec2.send(new DescribeVpnGatewaysCommand({ VpnGatewayIds: [vpnGatewayId] }))).VpnGateways?.[0];
  if (!gateway) throw new ResourceFailed(`Virtual private gateway ${vpnGatewayId} no longer exists`);
  return gateway;
}

export async function attachVpnGateway(ec2: EC2Client, input: VpnGatewayStep): Promise<VpnGatewayAttached> {
  const gateway = await describeVpnGateway(ec2, input.vpnGatewayId);
  if (gateway.State !== 'available') throw new ResourceNotReady(`Virtual private gateway ${input.vpnGatewayId} is ${gateway.State}`);
  const attachment = gateway.VpcAttachments?.find((a) => a.VpcId === input.request.aws.vpcId && a.State !== 'detached');
  if (!attachment) {
    await ec2.send(new AttachVpnGatewayCommand({ VpcId: input.request.aws.vpcId, VpnGatewayId: input.vpnGatewayId }));
  }
  return { attachment: attachment?.State ?? 'attaching' };
}

/** With static routing the VGW propagates the VPN connection's static routes (the VNet) into these tables. */
export async function enableRoutePropagation(ec2: EC2Client, input: VpnGatewayStep): Promise<RoutePropagationEnabled> {
  const gateway = await describeVpnGateway(ec2, input.vpnGatewayId);
  const attachment = gateway.VpcAttachments?.find((a) => a.VpcId === input.request.aws.vpcId);
  if (attachment?.State !== 'attached') {
    throw new ResourceNotReady(`Virtual private gateway ${input.vpnGatewayId} is ${attachment?.State ?? 'not attached'} to ${input.request.aws.vpcId}`);
  }
  const enabled: string[] = [];
  for (const routeTableId of input.request.aws.routeTableIds) {
    const table = (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [routeTableId] }))).RouteTables?.[0];
    if (!table?.PropagatingVgws?.some((p) => p.GatewayId === input.vpnGatewayId)) {
      await ec2.send(new EnableVgwRoutePropagationCommand({ GatewayId: input.vpnGatewayId, RouteTableId: routeTableId }));
    }
    enabled.push(routeTableId);
  }
  return { routeTableIds: enabled };
}

/** A deterministic idempotency token per secret, so a retried CreateSecret is recognised by Secrets Manager. */
function clientRequestToken(secretName: string): string {
  return createHash('sha256').update(`create:${secretName}`).digest('hex').slice(0, 64);
}

/**
 * The tunnel's key: the stored one if the secret exists (a re-run or retry keeps the key the tunnel was built
 * with), else a new one stored before anything uses it.
 */
export async function ensureTunnelKey(secrets: SecretsManagerClient, environmentId: string, secretName: string): Promise<{ arn: string; key: string }> {
  const read = async () => {
    const value = await secrets.send(new GetSecretValueCommand({ SecretId: secretName }));
    rememberSecret(value.SecretString);
    return { arn: value.ARN!, key: value.SecretString! };
  };
  let described: DescribeSecretCommandOutput | undefined;
  try {
    described = await secrets.send(new DescribeSecretCommand({ SecretId: secretName }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  if (described?.DeletedDate) return restoreTunnelKey(secrets, environmentId, secretName, described);
  if (described) {
    const found = await read();
    invocationLog().info('found', { tunnelKeySecret: found.arn });
    return found;
  }
  const key = generatePreSharedKey();
  rememberSecret(key);
  try {
    const created = await secrets.send(
      new CreateSecretCommand({
        Name: secretName,
        Description: `Pre-shared key of an AWS-Azure VPN tunnel for environment ${environmentId}`,
        SecretString: key,
        ClientRequestToken: clientRequestToken(secretName),
        KmsKeyId: process.env.TUNNEL_KEY_KMS_KEY_ID || undefined,
        Tags: ec2Tags(environmentId),
      }),
    );
    invocationLog().info('created', { tunnelKeySecret: created.ARN });
    return { arn: created.ARN!, key };
  } catch (error) {
    // Another attempt stored its key first: use that one, never two different keys.
    if ((error as { name?: string }).name === 'ResourceExistsException') {
      const winner = await read();
      invocationLog().info('adopted', { tunnelKeySecret: winner.arn, why: 'another attempt stored its key first' });
      return winner;
    }
    throw error;
  }
}

/**
 * A teardown scheduled the tunnel's key for deletion with a recovery window; until the window ends the name
 * stays taken and CreateSecret is refused. Our own secret is restored and given a new key: the old one
 * belonged to tunnels that are gone. A scheduled secret that is not ours is left alone.
 */
async function restoreTunnelKey(
  secrets: SecretsManagerClient,
  environmentId: string,
  secretName: string,
  described: DescribeSecretCommandOutput,
): Promise<{ arn: string; key: string }> {
  const arn = described.ARN ?? secretName;
  if (!carriesOurTags(tagObject(described.Tags), environmentId)) {
    throw new ResourceConflict(
      `Secret ${arn} is scheduled for deletion and was not created by this product for ${environmentId} (it lacks the tags ${TAG_MANAGED_BY}=${MANAGED_BY} and ${TAG_ENVIRONMENT}=${environmentId}), so its name cannot be used until it is deleted. Restore and rename it, or wait for its recovery window to end, then re-run.`,
    );
  }
  await secrets.send(new RestoreSecretCommand({ SecretId: arn }));
  invocationLog().info('restored', { tunnelKeySecret: arn, why: 'a teardown had scheduled it for deletion' });
  const key = generatePreSharedKey();
  rememberSecret(key);
  // Keyed by the scheduled deletion it undoes, so a resent call is the same version, never a second new key.
  const token = createHash('sha256').update(`restore:${secretName}:${described.DeletedDate!.toISOString()}`).digest('hex').slice(0, 64);
  try {
    const written = await secrets.send(new PutSecretValueCommand({ SecretId: arn, SecretString: key, ClientRequestToken: token }));
    invocationLog().info('created', { tunnelKeySecret: written.ARN ?? arn, why: 'a new key in the restored secret' });
    return { arn: written.ARN ?? arn, key };
  } catch (error) {
    // Another attempt wrote its key under this token first: use that one, never two different keys.
    if ((error as { name?: string }).name !== 'ResourceExistsException') throw error;
    const value = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
    rememberSecret(value.SecretString);
    return { arn: value.ARN ?? arn, key: value.SecretString! };
  }
}

function tunnelOptions(key: string, insideCidr?: string) {
  return {
    PreSharedKey: key,
    // With BGP, the /30 of the mapping: AWS would otherwise pick one outside Azure's APIPA range.
    ...(insideCidr ? { TunnelInsideCidr: insideCidr } : {}),
    IKEVersions: [{ Value: 'ikev2' }],
    Phase1EncryptionAlgorithms: [{ Value: 'AES256' }],
    Phase2EncryptionAlgorithms: [{ Value: 'AES256' }],
    Phase1IntegrityAlgorithms: [{ Value: 'SHA2-256' }],
    Phase2IntegrityAlgorithms: [{ Value: 'SHA2-256' }],
    Phase1DHGroupNumbers: [{ Value: 14 }],
    Phase2DHGroupNumbers: [{ Value: 14 }],
    // Azure initiates (connectionMode Default); AWS restarts the tunnel itself after a dead-peer timeout.
    DPDTimeoutAction: 'restart',
  };
}

async function findVpnConnection(ec2: EC2Client, environmentId: string, name: string): Promise<VpnConnection | undefined> {
  const found = await ec2.send(new DescribeVpnConnectionsCommand({ Filters: [...ec2TagFilters(environmentId, name), LIVE_STATES] }));
  return found.VpnConnections?.[0];
}

export async function createVpnConnection(
  ec2: EC2Client,
  ec2Once: EC2Client,
  secrets: SecretsManagerClient,
  input: VpnConnectionInput,
): Promise<VpnConnectionCreated> {
  const env = input.request.environmentId;
  const names = resourceNames(input.request).aws;
  const customerGatewayIds = input.customerGatewayIds?.length ? input.customerGatewayIds : [input.customerGatewayId];
  const bgp = input.facts.bgp;
  const connectionIds: string[] = [];
  const arns: string[] = [];
  let available = true;
  for (const [index, name] of names.vpnConnections.entries()) {
    const customerGatewayId = customerGatewayIds[index];
    if (!customerGatewayId) throw new ResourceFailed(`No customer gateway was created for VPN connection ${name}`);
    // Each key is stored before the connection that uses it is created, tunnel by tunnel in order.
    const secretNames = names.pskSecretNames.slice(2 * index, 2 * index + 2);
    const keys: { arn: string; key: string }[] = [];
    for (const secretName of secretNames) keys.push(await ensureTunnelKey(secrets, env, secretName));
    const insideCidrs = bgp?.tunnels.filter((t) => t.vpnConnection === index + 1).map((t) => t.insideCidr);
    const { resource } = await lookUpThenCreateOnce(
      'CreateVpnConnection',
      () => findVpnConnection(ec2, env, name),
      async () =>
        (
          await ec2Once.send(
            new CreateVpnConnectionCommand({
              Type: 'ipsec.1',
              CustomerGatewayId: customerGatewayId,
              VpnGatewayId: input.vpnGatewayId,
              Options: {
                StaticRoutesOnly: !bgp,
                TunnelInsideIpVersion: 'ipv4',
                TunnelOptions: keys.map((k, tunnel) => tunnelOptions(k.key, insideCidrs?.[tunnel])),
              },
              TagSpecifications: ec2TagSpecifications('vpn-connection', env, name),
            }),
          )
        ).VpnConnection!,
    );
    // EC2 answers a create between two gateways that already have a connection with that connection.
    if (!carriesOurTags(tagObject(resource.Tags), env)) {
      throw new ResourceConflict(
        `VPN connection ${resource.VpnConnectionId} between ${customerGatewayId} and ${input.vpnGatewayId} was not created by this product for ${env}, and EC2 answers our create with it. Delete it if unused, then re-run.`,
      );
    }
    connectionIds.push(resource.VpnConnectionId!);
    arns.push(...keys.map((k) => k.arn));
    available &&= resource.State === 'available';
  }
  // Every connection found available (a re-run): the five-minute wait is skipped.
  return { vpnConnectionId: connectionIds[0], vpnConnectionIds: connectionIds, pskSecretArns: arns, ready: available };
}

/**
 * Once the connections are available: with static routing the route to the VNet (with BGP the VGW learns it
 * from Azure), and every tunnel's outside address, numbered across the connections.
 */
export async function completeVpnConnection(ec2: EC2Client, input: VpnConnectionStep): Promise<TunnelAddresses> {
  const ids = input.vpnConnectionIds?.length ? input.vpnConnectionIds : [input.vpnConnectionId];
  const tunnels: AwsTunnel[] = [];
  for (const vpnConnectionId of ids) {
    const connection = (await ec2.send(new DescribeVpnConnectionsCommand({ VpnConnectionIds: [vpnConnectionId] }))).VpnConnections?.[0];
    if (!connection) throw new ResourceFailed(`VPN connection ${vpnConnectionId} no longer exists`);
    if (connection.State === 'pending') throw new ResourceNotReady(`VPN connection ${vpnConnectionId} is still pending`);
    if (connection.State !== 'available') throw new ResourceFailed(`VPN connection ${vpnConnectionId} is ${connection.State}`);
    if (!input.facts.bgp) await addVnetRoutes(ec2, input, connection);
    const own = (connection.Options?.TunnelOptions ?? []).map((t) => ({ tunnel: tunnels.length + 1, outsideIp: t.OutsideIpAddress!, vpnConnectionId }));
    if (own.length < 2) throw new ResourceNotReady(`VPN connection ${vpnConnectionId} reports ${own.length} tunnels`);
    for (const t of own) tunnels.push({ ...t, tunnel: tunnels.length + 1 });
  }
  return { vpnConnectionId: ids[0], vpnConnectionIds: ids, tunnels };
}

async function addVnetRoutes(ec2: EC2Client, input: VpnConnectionStep, connection: VpnConnection): Promise<void> {
  for (const prefix of input.facts.vnetAddressPrefixes) {
    const has = connection.Routes?.some((r) => r.DestinationCidrBlock === prefix && r.State !== 'deleted' && r.State !== 'deleting');
    if (!has) {
      await ec2.send(new CreateVpnConnectionRouteCommand({ VpnConnectionId: connection.VpnConnectionId, DestinationCidrBlock: prefix }));
    }
  }
}
