/**
 * Why the tunnels are down, found by the product itself. Neither cloud explains the other: AWS reports only
 * "IPSEC IS DOWN" and Azure only NotConnected. So this reads both ends and compares what must agree: the keys
 * (Azure's `sharedkey` endpoint and AWS's tunnel options against Secrets Manager), the local network gateways
 * against the AWS tunnels and the VPC, the customer gateway against the Azure public IP, the VGW attachment,
 * and the VPN connection's static routes. Every finding names resources and addresses, never a key.
 */
import {
  DescribeCustomerGatewaysCommand,
  DescribeVpnGatewaysCommand,
  type EC2Client,
  type VpnConnection,
} from '@aws-sdk/client-ec2';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ResourceManagementClient } from '@azure/arm-resources';
import { API_VERSIONS, armRequest, getArmResource, provisioningStateOf, type ArmResourceView } from '../commons/arm';
import { cidrContains } from '../commons/cidr';
import { isNotFound, rememberSecret, toWorkflowError } from '../commons/cloud-errors';
import { ResourceNotReady, TransientCloudError } from '../commons/errors';
import type { TunnelNames } from '../commons/naming';
import type { EnvironmentRequest } from '../commons/request/contract';
import type { EnvironmentFacts } from '../commons/workflow-data';

const NET = API_VERSIONS.network;

export interface DiagnosedTunnel {
  tunnel: number;
  outsideIp: string;
  names: TunnelNames;
  pskSecretArn: string;
}

export interface DiagnosisInput {
  request: EnvironmentRequest;
  facts: EnvironmentFacts;
  connection: VpnConnection | undefined;
  /** With BGP, both VPN connections (the first is `connection`). */
  connections?: VpnConnection[];
  tunnels: DiagnosedTunnel[];
}

export interface Diagnosis {
  /** Findings about the connection as a whole (gateways, routes, attachment). */
  shared: string[];
  /** Findings per tunnel, keyed by tunnel number. */
  perTunnel: Map<number, string[]>;
}

const sameArmId = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
const armName = (id: string | undefined) => id?.split('/').pop() ?? '(none)';

function covers(outer: string, inner: string): boolean {
  try {
    return cidrContains(outer, inner);
  } catch {
    return false;
  }
}

/** A describe by id answers NotFound for a deleted resource: that is a finding, not a failure. */
async function unlessNotFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function azureGatewayPublicIps(arm: ResourceManagementClient, gateway: ArmResourceView): Promise<string[]> {
  const ips: string[] = [];
  for (const config of gateway.properties.ipConfigurations ?? []) {
    const pipId: string | undefined = config?.properties?.publicIPAddress?.id;
    const pip = pipId ? await getArmResource(arm, pipId, NET) : undefined;
    if (typeof pip?.properties.ipAddress === 'string') ips.push(pip.properties.ipAddress);
  }
  return ips;
}

/** What the AWS side of the connection and the Azure gateway say about each other. */
async function diagnoseShared(arm: ResourceManagementClient, ec2: EC2Client, input: DiagnosisInput): Promise<{ findings: string[]; gateway?: ArmResourceView }> {
  const findings: string[] = [];
  // The hub's gateway, whoever built it: the one the connections name.
  const gatewayId = input.facts.hub.vpnGateway.id;
  const connection = input.connection;
  const gateway = await getArmResource(arm, gatewayId, NET);
  if (!gateway) findings.push(`the Azure VPN gateway ${gatewayId.split('/').pop()} does not exist`);
  else if (provisioningStateOf(gateway) !== 'Succeeded') findings.push(`the Azure VPN gateway ${gateway.name} is ${provisioningStateOf(gateway)}`);
  if (!connection) {
    findings.push('the VPN connection does not exist on AWS');
    return { findings, gateway };
  }

  if (connection.State !== 'available') findings.push(`VPN connection ${connection.VpnConnectionId} is ${connection.State}`);
  const bgp = input.facts.bgp !== undefined;
  if (!bgp && connection.Options?.StaticRoutesOnly !== true) findings.push(`VPN connection ${connection.VpnConnectionId} is not static-routes-only, while Azure's side uses static address spaces`);
  if (bgp && connection.Options?.StaticRoutesOnly === true) findings.push(`VPN connection ${connection.VpnConnectionId} is static-routes-only, while the Azure side speaks BGP`);
  const routes = (connection.Routes ?? []).filter((r) => r.State === 'available' || r.State === 'pending');
  // With BGP the VNet's prefixes are learned, never static routes.
  for (const prefix of bgp ? [] : input.facts.vnetAddressPrefixes) {
    if (!routes.some((r) => r.DestinationCidrBlock && covers(r.DestinationCidrBlock, prefix))) {
      const listed = routes.map((r) => r.DestinationCidrBlock).join(', ') || 'none';
      findings.push(`VPN connection ${connection.VpnConnectionId} has no static route for the VNet address space ${prefix} (static routes: ${listed})`);
    }
  }

  const vgw = (await unlessNotFound(ec2.send(new DescribeVpnGatewaysCommand({ VpnGatewayIds: [connection.VpnGatewayId!] }))))?.VpnGateways?.[0];
  if (!vgw) findings.push(`virtual private gateway ${connection.VpnGatewayId} does not exist`);
  const attachments = vgw?.VpcAttachments ?? [];
  if (vgw && !attachments.some((a) => a.VpcId === input.request.aws.vpcId && a.State === 'attached')) {
    const listed = attachments.map((a) => `${a.VpcId} ${a.State}`).join(', ') || 'none';
    findings.push(`virtual private gateway ${connection.VpnGatewayId} is not attached to ${input.request.aws.vpcId} (attachments: ${listed})`);
  }

  const cgw = (await unlessNotFound(ec2.send(new DescribeCustomerGatewaysCommand({ CustomerGatewayIds: [connection.CustomerGatewayId!] }))))?.CustomerGateways?.[0];
  if (gateway) {
    const publicIps = await azureGatewayPublicIps(arm, gateway);
    if (!cgw?.IpAddress || !publicIps.includes(cgw.IpAddress)) {
      findings.push(
        `customer gateway ${connection.CustomerGatewayId} has IP ${cgw?.IpAddress ?? '(none)'}, ` +
          `but the Azure VPN gateway ${gateway.name}'s public IP is ${publicIps.join(', ') || '(none)'}`,
      );
    }
  }
  return { findings, gateway };
}

/** One tunnel: its local network gateway, its Azure connection, and the three copies of its key. */
async function diagnoseTunnel(
  arm: ResourceManagementClient,
  secrets: SecretsManagerClient,
  input: DiagnosisInput,
  tunnel: DiagnosedTunnel,
  gateway: ArmResourceView | undefined,
): Promise<string[]> {
  const findings: string[] = [];
  const { names } = tunnel;

  const lng = await getArmResource(arm, names.localNetworkGateway.id, NET);
  if (!lng) findings.push(`the local network gateway ${names.localNetworkGateway.name} does not exist`);
  else {
    if (provisioningStateOf(lng) !== 'Succeeded') findings.push(`the local network gateway ${lng.name} is ${provisioningStateOf(lng)}`);
    if (lng.properties.gatewayIpAddress !== tunnel.outsideIp) {
      findings.push(`the local network gateway ${lng.name} points at ${lng.properties.gatewayIpAddress ?? '(none)'}, not at the tunnel's AWS outside IP ${tunnel.outsideIp}`);
    }
    const prefixes: string[] = lng.properties.localNetworkAddressSpace?.addressPrefixes ?? [];
    for (const vpcCidr of input.facts.vpcCidrs) {
      if (!prefixes.some((p) => covers(p, vpcCidr))) {
        findings.push(`the local network gateway ${lng.name}'s address space (${prefixes.join(', ') || 'empty'}) does not cover the VPC CIDR ${vpcCidr}`);
      }
    }
  }

  const connection = await getArmResource(arm, names.connection.id, NET);
  if (!connection) {
    findings.push(`the Azure connection ${names.connection.name} does not exist`);
    return findings;
  }
  if (provisioningStateOf(connection) !== 'Succeeded') findings.push(`the Azure connection ${connection.name} is ${provisioningStateOf(connection)}`);
  if (connection.properties.connectionType !== 'IPsec') findings.push(`the Azure connection ${connection.name} is of type ${connection.properties.connectionType ?? '(none)'}, not IPsec`);
  const gatewayId: string | undefined = connection.properties.virtualNetworkGateway1?.id;
  if (gateway && !sameArmId(gatewayId, gateway.id)) findings.push(`the Azure connection ${connection.name} joins gateway ${armName(gatewayId)}, not ${gateway.name}`);
  const lngId: string | undefined = connection.properties.localNetworkGateway2?.id;
  if (!sameArmId(lngId, names.localNetworkGateway.id)) {
    findings.push(`the Azure connection ${connection.name} uses local network gateway ${armName(lngId)}, not ${names.localNetworkGateway.name}`);
  }

  // The keys are compared here and forgotten: only "same" or "differ" leaves this function.
  const stored = (await secrets.send(new GetSecretValueCommand({ SecretId: tunnel.pskSecretArn }))).SecretString;
  rememberSecret(stored);
  const azureKey = ((await armRequest(arm, 'GET', `${names.connection.id}/sharedkey`, NET)) as { value?: string }).value;
  rememberSecret(azureKey);
  if (azureKey !== stored) findings.push(`the Azure connection ${connection.name}'s pre-shared key differs from the tunnel key in Secrets Manager (${tunnel.pskSecretArn}); a re-run sets it again`);
  const awsOptions = (input.connections ?? (input.connection ? [input.connection] : []))
    .flatMap((c) => c.Options?.TunnelOptions ?? [])
    .find((o) => o.OutsideIpAddress === tunnel.outsideIp);
  rememberSecret(awsOptions?.PreSharedKey);
  if (awsOptions?.PreSharedKey !== undefined && awsOptions.PreSharedKey !== stored) {
    findings.push(`the AWS tunnel's pre-shared key differs from the tunnel key in Secrets Manager (${tunnel.pskSecretArn})`);
  }
  return findings;
}

export async function diagnoseTunnels(
  arm: ResourceManagementClient,
  ec2: EC2Client,
  secrets: SecretsManagerClient,
  input: DiagnosisInput,
): Promise<Diagnosis> {
  const shared = await diagnoseShared(arm, ec2, input);
  const perTunnel = new Map<number, string[]>();
  for (const tunnel of input.tunnels) perTunnel.set(tunnel.tunnel, await diagnoseTunnel(arm, secrets, input, tunnel, shared.gateway));
  return { shared: shared.findings, perTunnel };
}

/**
 * The diagnosis as the cause's last sentence. A throttled or unready read is retried by the state (the same
 * attempt runs again); any other failure to read still ends the run as TunnelsDown, saying the diagnosis is missing.
 */
export async function explainTunnelsDown(
  arm: ResourceManagementClient,
  ec2: EC2Client,
  secrets: SecretsManagerClient,
  input: DiagnosisInput,
): Promise<string> {
  try {
    return describeDiagnosis(await diagnoseTunnels(arm, ec2, secrets, input));
  } catch (error) {
    const named = toWorkflowError(error, 'tunnels.diagnosis');
    if (named instanceof TransientCloudError || named instanceof ResourceNotReady) throw named;
    return `The product could not read both clouds to say why (${named.name}).`;
  }
}

/** The sentence the cause ends with: what the product found on both sides, or that it found nothing. */
export function describeDiagnosis(diagnosis: Diagnosis): string {
  const parts: string[] = [];
  if (diagnosis.shared.length) parts.push(diagnosis.shared.join('; '));
  for (const [tunnel, findings] of diagnosis.perTunnel) if (findings.length) parts.push(`tunnel ${tunnel}: ${findings.join('; ')}`);
  if (parts.length === 0) {
    return (
      'Reading both clouds, the product found keys, addresses, address spaces, routes and the attachment consistent on both sides; ' +
      'what remains is the IKE/IPsec negotiation itself (the proposal on both sides, or a change still settling).'
    );
  }
  return `Reading both clouds, the product found: ${parts.join('. ')}.`;
}
