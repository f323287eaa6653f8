/**
 * The environment's health check: one look at the private path it was built for, reading both clouds and
 * running the probe function provisioning left in the VPC, creating nothing. Both sides of each tunnel in use
 * (AWS VgwTelemetry, Azure connectionStatus), with BGP each session (AWS accepted routes, Azure's peer state),
 * then the probe's three checks (DNS from inside the VPC, TCP 443, the API). Each check has a name, so the
 * metrics, the alarm and the operator all name the broken step the same way.
 */
import { DescribeVpnConnectionsCommand, type EC2Client, type VgwTelemetry } from '@aws-sdk/client-ec2';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { ResourceManagementClient } from '@azure/arm-resources';
import type { TokenCredential } from '@azure/core-auth';
import { API_VERSIONS, getArmResource, type ArmResourceView } from '../commons/arm';
import { bgpSession, gatewayBgpPeers } from '../commons/bgp-peers';
import { COGNITIVE_SERVICES_SCOPE } from '../commons/clients/azure';
import { cloudErrorCode, rememberSecret, scrub } from '../commons/cloud-errors';
import { ec2TagFilters, OPENAI_DOMAIN, resourceNames } from '../commons/naming';
import type { EnvironmentRequest } from '../commons/request/contract';
import type { ProbeResult } from '../commons/workflow-data';

const NET = API_VERSIONS.network;

export interface HealthCheck {
  /** The step, as the metrics' Step dimension and the alarm name it: `tunnel 1 (AWS)`, `DNS`, `API`. */
  name: string;
  ok: boolean;
  /** What was seen, in words; never a key or a token. */
  detail: string;
}

export interface HealthReport {
  environmentId: string;
  ok: boolean;
  checks: HealthCheck[];
}

export interface HealthClients {
  ec2: EC2Client;
  lambda: LambdaClient;
  arm: ResourceManagementClient;
  azureCredential: TokenCredential;
}

const check = (name: string, ok: boolean, detail: string): HealthCheck => ({ name, ok, detail: scrub(detail) });
const idName = (id: string | undefined) => (id ?? '').split('/').pop() ?? '';

/** One tunnel as both clouds describe it now. */
interface TunnelView {
  tunnel: number;
  connection?: ArmResourceView;
  localNetworkGateway?: ArmResourceView;
  /** The AWS tunnel, with the name of the VPN connection it belongs to. */
  telemetry?: VgwTelemetry & { connectionName?: string };
}

/** The tunnels in use (options.tunnels "one": tunnel 1 only), each with both sides, matched by the AWS outside IP. */
async function tunnelViews(clients: HealthClients, request: EnvironmentRequest): Promise<TunnelView[]> {
  const names = resourceNames(request);
  const described = await clients.ec2.send(
    new DescribeVpnConnectionsCommand({
      Filters: [{ Name: 'tag:Name', Values: names.aws.vpnConnections }, ...ec2TagFilters(request.environmentId), { Name: 'state', Values: ['available'] }],
    }),
  );
  const telemetry = (described.VpnConnections ?? []).flatMap((c) =>
    (c.VgwTelemetry ?? []).map((t) => ({ ...t, connectionName: c.Tags?.find((tag) => tag.Key === 'Name')?.Value ?? c.VpnConnectionId })),
  );
  const inUse = request.options.tunnels === 'one' ? names.azure.tunnels.slice(0, 1) : names.azure.tunnels;
  const views: TunnelView[] = [];
  for (const tunnel of inUse) {
    const localNetworkGateway = await getArmResource(clients.arm, tunnel.localNetworkGateway.id, NET);
    const connection = await getArmResource(clients.arm, tunnel.connection.id, NET);
    const outsideIp = localNetworkGateway?.properties?.gatewayIpAddress as string | undefined;
    views.push({ tunnel: tunnel.tunnel, connection, localNetworkGateway, telemetry: telemetry.find((t) => !!outsideIp && t.OutsideIpAddress === outsideIp) });
  }
  return views;
}

function tunnelChecks(request: EnvironmentRequest, view: TunnelView): HealthCheck[] {
  const names = resourceNames(request);
  const vpn = names.aws.vpnConnections.join(' or ');
  const outsideIp = view.localNetworkGateway?.properties?.gatewayIpAddress as string | undefined;
  const aws = view.telemetry;
  const awsCheck = aws
    ? check(`tunnel ${view.tunnel} (AWS)`, aws.Status === 'UP', `${aws.connectionName} tunnel ${aws.OutsideIpAddress}: ${aws.Status}${aws.StatusMessage ? ` (${aws.StatusMessage})` : ''}`)
    : check(
        `tunnel ${view.tunnel} (AWS)`,
        false,
        outsideIp ? `no available VPN connection ${vpn} has a tunnel with outside IP ${outsideIp}` : `no local network gateway ${idName(names.azure.tunnels[view.tunnel - 1].localNetworkGateway.id)} names the AWS tunnel`,
      );
  const connectionName = names.azure.tunnels[view.tunnel - 1].connection.name;
  const status = view.connection?.properties?.connectionStatus as string | undefined;
  const azureCheck = view.connection
    ? check(`tunnel ${view.tunnel} (Azure)`, status === 'Connected', `connection ${connectionName}: ${status ?? 'Unknown'} (provisioningState ${view.connection.properties?.provisioningState ?? 'Succeeded'})`)
    : check(`tunnel ${view.tunnel} (Azure)`, false, `connection ${connectionName} not found`);
  return [awsCheck, azureCheck];
}

/**
 * With BGP, each session on a tunnel whose both sides are up: AWS must accept routes over it and the Azure
 * gateway must list the AWS inside address (the local network gateway's BGP peering address) as Connected.
 */
async function bgpChecks(clients: HealthClients, views: TunnelView[]): Promise<HealthCheck[]> {
  const gatewayId = views.map((v) => v.connection?.properties?.virtualNetworkGateway1?.id as string | undefined).find(Boolean);
  const peers = gatewayId ? await gatewayBgpPeers(clients.arm, gatewayId) : undefined;
  return views.map((view) => {
    const name = `BGP session tunnel ${view.tunnel}`;
    const neighbor = view.localNetworkGateway?.properties?.bgpSettings?.bgpPeeringAddress as string | undefined;
    if (!neighbor) return check(name, false, 'the local network gateway has no BGP peering address');
    const accepted = view.telemetry?.AcceptedRouteCount ?? 0;
    if (peers === undefined) return check(name, false, `AWS accepted ${accepted} routes; Azure did not answer getBgpPeerStatus${gatewayId ? '' : ' (no gateway found)'}`);
    const session = bgpSession(peers, neighbor, accepted);
    return check(name, session.established, `AWS inside ${neighbor}: AWS accepted ${accepted} routes, Azure reports the peer ${session.azure} with ${session.azureRoutesReceived} routes`);
  });
}

/** The account's host and the private endpoint in the request's VNet, as Azure shows them now. */
async function probeTarget(clients: HealthClients, request: EnvironmentRequest): Promise<{ host?: string; privateIp?: string; problem?: string }> {
  const names = resourceNames(request);
  const account = await getArmResource(clients.arm, names.azure.openAiAccount.id, API_VERSIONS.cognitiveServices);
  if (!account) return { problem: `the OpenAI account ${names.azure.openAiAccount.name} was not found` };
  const subdomain = account.properties?.customSubDomainName as string | undefined;
  if (!subdomain) return { problem: `the OpenAI account ${names.azure.openAiAccount.name} has no custom subdomain` };
  const host = `${subdomain}.${OPENAI_DOMAIN}`;
  const vnetId = names.azure.virtualNetwork.id.toLowerCase();
  const connections: { properties?: { privateEndpoint?: { id?: string } } }[] = account.properties?.privateEndpointConnections ?? [];
  for (const connection of connections) {
    const endpointId = connection.properties?.privateEndpoint?.id;
    if (!endpointId) continue;
    const endpoint = await getArmResource(clients.arm, endpointId, NET);
    const subnetId = String(endpoint?.properties?.subnet?.id ?? '').toLowerCase();
    if (!endpoint || !subnetId.startsWith(`${vnetId}/`)) continue;
    const nicId = endpoint.properties?.networkInterfaces?.[0]?.id as string | undefined;
    const nic = nicId ? await getArmResource(clients.arm, nicId, NET) : undefined;
    const configs: { properties?: { privateIPAddress?: string } }[] = nic?.properties?.ipConfigurations ?? [];
    const privateIp = configs.map((c) => c.properties?.privateIPAddress).find((ip): ip is string => !!ip);
    if (privateIp) return { host, privateIp };
  }
  return { host, problem: `no private endpoint of ${names.azure.openAiAccount.name} in ${names.azure.virtualNetwork.name} has an address` };
}

/** The probe's three checks, from the probe function provisioning deployed into the VPC (invoking it creates nothing). */
async function probeChecks(clients: HealthClients, request: EnvironmentRequest): Promise<HealthCheck[]> {
  const names = resourceNames(request);
  const failedAll = (detail: string) => ['DNS', 'TCP 443', 'API'].map((name) => check(name, false, detail));
  const target = await probeTarget(clients, request);
  if (!target.host || !target.privateIp) return failedAll(`not probed: ${target.problem}`);
  const token = (await clients.azureCredential.getToken(COGNITIVE_SERVICES_SCOPE))?.token;
  if (!token) return failedAll(`not probed: Entra ID returned no token for ${COGNITIVE_SERVICES_SCOPE}`);
  rememberSecret(token);
  let answer;
  try {
    answer = await clients.lambda.send(
      new InvokeCommand({
        FunctionName: names.aws.probeFunction,
        Payload: Buffer.from(JSON.stringify({ host: target.host, deployment: request.azure.openAiDeployment, token, expectedPrivateIp: target.privateIp })),
      }),
    );
  } catch (error) {
    return failedAll(`not probed: invoking ${names.aws.probeFunction} was refused (${cloudErrorCode(error)})`);
  }
  const text = Buffer.from(answer.Payload ?? new Uint8Array()).toString('utf8');
  if (answer.FunctionError) return failedAll(`the probe function ${names.aws.probeFunction} failed: ${text.slice(0, 300)}`);
  const result = JSON.parse(text) as ProbeResult;
  return [
    check('DNS', result.dns.ok, result.dns.detail),
    check('TCP 443', result.tcp.ok, result.tcp.detail),
    check('API', result.api.ok, `${result.api.detail}${result.api.status ? ` (HTTP ${result.api.status})` : ''}`),
  ];
}

/** Every check of the environment, in the order an engineer would look: tunnels, sessions, then the path. */
export async function checkEnvironmentHealth(clients: HealthClients, request: EnvironmentRequest): Promise<HealthReport> {
  const views = await tunnelViews(clients, request);
  const checks = views.flatMap((view) => tunnelChecks(request, view));
  if (request.options.routing === 'bgp') {
    const upBothSides = views.filter((view) => view.telemetry?.Status === 'UP' && view.connection?.properties?.connectionStatus === 'Connected');
    const sessions = await bgpChecks(clients, upBothSides);
    for (const view of views) {
      const up = upBothSides.indexOf(view);
      checks.push(up >= 0 ? sessions[up] : check(`BGP session tunnel ${view.tunnel}`, false, 'no session: the tunnel is down'));
    }
  }
  checks.push(...(await probeChecks(clients, request)));
  return { environmentId: request.environmentId, ok: checks.every((c) => c.ok), checks };
}

/** The broken steps in one line (empty when healthy). */
export function brokenSteps(report: HealthReport): string {
  return report.checks
    .filter((c) => !c.ok)
    .map((c) => `${c.name}: ${c.detail}`)
    .join('; ');
}
