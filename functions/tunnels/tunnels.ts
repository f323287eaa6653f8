/**
 * Joining the tunnels: an Azure local network gateway and an IPsec connection per AWS tunnel, the key read from
 * Secrets Manager inside the task (it never enters the state), then a bounded wait until Azure says Connected
 * and AWS says UP for every tunnel in use.
 */
import { DescribeVpnConnectionsCommand, type EC2Client, type VpnConnection } from '@aws-sdk/client-ec2';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ResourceManagementClient } from '@azure/arm-resources';
import { API_VERSIONS, armRequest, ensureArmResource, getArmResource, provisioningStateOf, requireSucceeded, type DesiredResource } from '../commons/arm';
import { bgpTable, connectionCustomAddresses, type BgpTunnel } from '../commons/bgp';
import { bgpSession, gatewayBgpPeers } from '../commons/bgp-peers';
import { isAnotherOperationInProgress, rememberSecret } from '../commons/cloud-errors';
import { ResourceFailed, ResourceNotReady, TunnelsDown } from '../commons/errors';
import { invocationLog } from '../commons/logger';
import { armTags, resourceNames, type TunnelNames } from '../commons/naming';
import type { EnvironmentRequest } from '../commons/request/contract';
import type {
  AwsTunnel,
  BgpCheck,
  BgpCheckInput,
  BgpSessionState,
  LocalNetworkGatewaysOutcome,
  StepInput,
  TunnelCheck,
  TunnelCheckInput,
  TunnelInput,
  TunnelsJoined,
  TunnelState,
} from '../commons/workflow-data';
import { explainTunnelsDown } from './diagnosis';

export type { AwsTunnel, TunnelInput, TunnelState };

const NET = API_VERSIONS.network;

/** With BGP, how many looks at the tunnels (after the first wait) before the ones that are up carry the path alone. */
const DEGRADED_AFTER_LOOKS = 40;

/** `options.tunnels`: both AWS tunnels (default) or tunnel 1 only, as seed 004 does; with BGP all four. */
export function tunnelsInUse(input: { request: EnvironmentRequest; tunnels: AwsTunnel[] }): { aws: AwsTunnel; names: TunnelNames }[] {
  const names = resourceNames(input.request).azure.tunnels;
  const count = input.request.options.tunnels === 'one' ? 1 : names.length;
  return input.tunnels.slice(0, count).map((aws, index) => ({ aws, names: names[index] }));
}

/** The mapping's row for an AWS tunnel (BGP routing only). */
function bgpTunnelOf(input: StepInput, aws: AwsTunnel): BgpTunnel | undefined {
  return input.facts.bgp?.tunnels.find((t) => t.tunnel === aws.tunnel);
}

/**
 * The local network gateway for one AWS tunnel; connectTunnels re-sends it when a write left it Failed. With
 * static routing Azure routes the VPC CIDRs to it; with BGP it is the AWS end's BGP peer and learns them.
 */
function localNetworkGateway(input: TunnelInput, aws: AwsTunnel): DesiredResource {
  const bgp = bgpTunnelOf(input, aws);
  const addressPrefixes = bgp ? [] : input.facts.vpcCidrs;
  const bgpSettings = bgp ? { asn: input.facts.bgp!.awsAsn, bgpPeeringAddress: bgp.awsAddress } : undefined;
  return {
    body: {
      location: input.facts.location,
      tags: armTags(input.request.environmentId, { 'aws-tunnel': String(aws.tunnel) }),
      properties: { gatewayIpAddress: aws.outsideIp, localNetworkAddressSpace: { addressPrefixes }, ...(bgpSettings ? { bgpSettings } : {}) },
    },
    options: {
      needsUpdate: (current) =>
        current.properties.gatewayIpAddress !== aws.outsideIp ||
        JSON.stringify(current.properties.localNetworkAddressSpace?.addressPrefixes ?? []) !== JSON.stringify(addressPrefixes) ||
        (bgpSettings !== undefined &&
          (Number(current.properties.bgpSettings?.asn) !== bgpSettings.asn || current.properties.bgpSettings?.bgpPeeringAddress !== bgpSettings.bgpPeeringAddress)),
    },
  };
}

/** With BGP: the connection's custom BGP address on each of the gateway's IP configurations. */
function connectionBgp(input: TunnelInput, aws: AwsTunnel) {
  const bgp = input.facts.bgp;
  const tunnel = bgpTunnelOf(input, aws);
  if (!bgp || !tunnel) return { enableBgp: false };
  const addresses = connectionCustomAddresses(bgp, tunnel);
  return {
    enableBgp: true,
    gatewayCustomBgpIpAddresses: bgp.ipConfigurationIds.map((ipConfigurationId, instance) => ({ ipConfigurationId, customBgpIpAddress: addresses[instance] })),
  };
}

export async function createLocalNetworkGateways(arm: ResourceManagementClient, input: TunnelInput): Promise<LocalNetworkGatewaysOutcome> {
  const states: string[] = [];
  for (const { aws, names } of tunnelsInUse(input)) {
    const desired = localNetworkGateway(input, aws);
    const result = await ensureArmResource(arm, names.localNetworkGateway.id, NET, desired.body, desired.options);
    states.push(result.provisioningState);
  }
  return { localNetworkGateways: states };
}

/** Azure's side of the pinned proposal, matching the AWS tunnel options (PFS2048 is DH group 14). */
export const IPSEC_POLICY = {
  saLifeTimeSeconds: 3600,
  saDataSizeKilobytes: 102400000,
  ipsecEncryption: 'AES256',
  ipsecIntegrity: 'SHA256',
  ikeEncryption: 'AES256',
  ikeIntegrity: 'SHA256',
  dhGroup: 'DHGroup14',
  pfsGroup: 'PFS2048',
};

/** What one pass over the tunnels' connections did: each one's state, and the writes that wait their turn. */
interface JoinPass {
  connections: string[];
  waiting: string[];
  /** Some connection or key was written in this pass (else every tunnel was joined already, as it should be). */
  wrote: boolean;
}

/**
 * Azure runs one connection operation at a time per VPN gateway (a concurrent one is refused 409
 * AnotherOperationInProgress), so the connections are written one after the other: while one this pass saw is
 * still being written, a later one that needs a write waits for the next pass, and a refusal ARM gives anyway
 * (an operation this pass could not see) waits the same way.
 */
async function joinTunnels(arm: ResourceManagementClient, secrets: SecretsManagerClient, input: TunnelInput): Promise<JoinPass> {
  // The hub's gateway (built, used or adopted): only this environment's connections are written to it.
  const gatewayId = input.facts.hub.vpnGateway.id;
  await requireSucceeded(arm, gatewayId, NET, 'The Azure VPN gateway');
  const connections: string[] = [];
  const waiting: string[] = [];
  let wrote = false;
  let holding: string | undefined; // the connection whose write still runs on the gateway
  for (const [index, { aws, names }] of tunnelsInUse(input).entries()) {
    await requireSucceeded(arm, names.localNetworkGateway.id, NET, `The local network gateway for AWS tunnel ${aws.tunnel}`, localNetworkGateway(input, aws));
    const secret = await secrets.send(new GetSecretValueCommand({ SecretId: input.pskSecretArns[index] }));
    rememberSecret(secret.SecretString);
    const waitFor = holding && `the write of ${holding}`;
    try {
      const result = await ensureArmResource(
        arm,
        names.connection.id,
        NET,
        {
          location: input.facts.location,
          tags: armTags(input.request.environmentId, { 'aws-tunnel': String(aws.tunnel) }),
          properties: {
            connectionType: 'IPsec',
            connectionProtocol: 'IKEv2',
            // The official model types both as full resources whose `properties` is required; ARM reads only the id.
            virtualNetworkGateway1: { id: gatewayId, properties: {} },
            localNetworkGateway2: { id: names.localNetworkGateway.id, properties: {} },
            sharedKey: secret.SecretString,
            ...connectionBgp(input, aws),
            usePolicyBasedTrafficSelectors: false,
            connectionMode: 'Default',
            dpdTimeoutSeconds: 45,
            ipsecPolicies: [IPSEC_POLICY],
          },
        },
        { waitFor },
      );
      if (result.waitingFor) {
        waiting.push(`${names.connection.name} waits for ${result.waitingFor}`);
        continue;
      }
      wrote ||= !!result.wrote;
      if (result.provisioningState === 'Succeeded' && !result.wrote) {
        const repaired = await repairSharedKey(arm, names.connection.id, secret.SecretString!, waitFor);
        if (repaired === undefined) {
          waiting.push(`the key of ${names.connection.name} waits for ${waitFor}`);
          continue;
        }
        wrote ||= repaired;
      }
      connections.push(result.provisioningState);
      if (!['Succeeded', 'Failed', 'Canceled'].includes(result.provisioningState)) holding = names.connection.name;
    } catch (error) {
      if (!isAnotherOperationInProgress(error)) throw error;
      waiting.push(`${names.connection.name} waits for another connection operation on the gateway`);
    }
  }
  return { connections, waiting, wrote };
}

export async function connectTunnels(arm: ResourceManagementClient, secrets: SecretsManagerClient, input: TunnelInput): Promise<TunnelsJoined> {
  const pass = await joinTunnels(arm, secrets, input);
  if (pass.waiting.length) {
    throw new ResourceNotReady(`${pass.waiting.join('; ')} (Azure runs one connection operation at a time per VPN gateway)`);
  }
  // Nothing written (a re-run on joined tunnels): the first look need not wait for a negotiation.
  return { connections: pass.connections, attempt: 0, redriveCount: input.redriveCount ?? 0, joinedAlready: !pass.wrote };
}

/**
 * ARM never shows a connection's key on GET, so an existing connection is checked through its `sharedkey`
 * endpoint: a key that differs from the one in Secrets Manager (a mismatch, a rotation) is set again, so a
 * re-run repairs the tunnel instead of timing out on it again. Setting it is a connection operation: while
 * `waitFor` holds the gateway it is not sent, and the answer is undefined (the key still differs). Otherwise
 * the answer says whether it was set.
 */
async function repairSharedKey(arm: ResourceManagementClient, connectionId: string, key: string, waitFor?: string): Promise<boolean | undefined> {
  const current = (await armRequest(arm, 'GET', `${connectionId}/sharedkey`, NET)) as { value?: string };
  rememberSecret(current.value);
  if (current.value === key) return false;
  if (waitFor) return undefined;
  invocationLog().info('key repaired', { connection: connectionId, why: 'its key differs from the one in Secrets Manager' });
  await armRequest(arm, 'PUT', `${connectionId}/sharedkey`, NET, { value: key });
  return true;
}

/** The check's own join: a write that must wait its turn is left to a later look (the tunnel stays down meanwhile). */
async function rejoin(arm: ResourceManagementClient, secrets: SecretsManagerClient, input: TunnelInput): Promise<void> {
  const pass = await joinTunnels(arm, secrets, input);
  if (pass.waiting.length) invocationLog().info('join waits', { waiting: pass.waiting });
}

/**
 * One look at both ends of every tunnel in use. Bounded: after maxAttempts it names each tunnel and what each
 * side reports, then what the product found by reading both clouds (neither cloud can say why on its own).
 */
export async function checkTunnels(
  arm: ResourceManagementClient,
  ec2: EC2Client,
  secrets: SecretsManagerClient,
  input: TunnelCheckInput,
): Promise<TunnelCheck> {
  // A redrive resumes at this state, past "Connect the Azure gateway to the AWS tunnels", so the first look
  // after a redrive joins the tunnels again itself (each connection's key set again from Secrets Manager)
  // and restarts the bound: what the failed run could not fix by waiting gets a repair and a full wait.
  const redriveCount = input.redriveCount ?? 0;
  const firstLookAfterRedrive = redriveCount > (input.lastRedriveCount ?? 0);
  if (firstLookAfterRedrive) await rejoin(arm, secrets, input);
  const attempt = firstLookAfterRedrive ? 1 : (input.attempt ?? 0) + 1;
  const described = await describeConnections(ec2, input);
  const connection = described[0];
  const telemetry = described.flatMap((c) => c.VgwTelemetry ?? []);
  const tunnels: TunnelState[] = [];
  const inUse = tunnelsInUse(input);
  let connectionFailed = false;
  for (const { aws, names } of inUse) {
    const azure = await getArmResource(arm, names.connection.id, NET);
    const awsSide = telemetry.find((t) => t.OutsideIpAddress === aws.outsideIp);
    // A connection write can fail after Azure accepted it: that one is sent again below.
    const failed = !!azure && ['Failed', 'Canceled'].includes(provisioningStateOf(azure));
    connectionFailed ||= failed;
    tunnels.push({
      tunnel: aws.tunnel,
      outsideIp: aws.outsideIp,
      aws: awsSide?.Status ?? 'UNKNOWN',
      awsMessage: awsSide?.StatusMessage || undefined,
      azure: failed ? `provisioningState ${provisioningStateOf(azure)}` : (azure?.properties.connectionStatus ?? (azure ? 'Unknown' : 'NotFound')),
    });
  }
  if (connectionFailed && attempt < input.maxAttempts) await rejoin(arm, secrets, input);
  const isUp = (t: TunnelState) => t.aws === 'UP' && t.azure === 'Connected';
  // With BGP, `down` is always there when ready: the session check reads it.
  if (tunnels.every(isUp)) return { ready: true, attempt, tunnels, redriveCount, ...(input.facts.bgp ? { down: [] } : {}) };
  // Active-active exists to survive the loss of an instance or an endpoint: after a while, the tunnels that are
  // up carry the path (BGP routes around the others), and the summary names the ones that are not.
  if (input.facts.bgp && tunnels.some(isUp) && attempt >= DEGRADED_AFTER_LOOKS) {
    const down = tunnels.filter((t) => !isUp(t)).map((t) => t.tunnel);
    invocationLog().warn('tunnels down', { tunnels: down, why: 'active-active carries the path over the tunnels that are up' });
    return { ready: true, attempt, tunnels, redriveCount, down };
  }
  if (attempt >= input.maxAttempts) {
    const report = tunnels
      .map(
        (t) =>
          `tunnel ${t.tunnel} (AWS outside IP ${t.outsideIp}): AWS reports ${t.aws}${t.awsMessage ? ` (${t.awsMessage})` : ''}, Azure connection reports ${t.azure}`,
      )
      .join('; ');
    const found = await explainTunnelsDown(arm, ec2, secrets, {
      request: input.request,
      facts: input.facts,
      connection,
      connections: described,
      tunnels: inUse.map(({ aws, names }, index) => ({ tunnel: aws.tunnel, outsideIp: aws.outsideIp, names, pskSecretArn: input.pskSecretArns[index] })),
    });
    throw new TunnelsDown(`The tunnels of VPN connection ${connectionIdsOf(input).join(' and ')} did not come up within 30 minutes: ${report}. ${found}`);
  }
  return { ready: false, attempt, tunnels, redriveCount };
}

function connectionIdsOf(input: { vpnConnectionId: string; vpnConnectionIds?: string[] }): string[] {
  return input.vpnConnectionIds?.length ? input.vpnConnectionIds : [input.vpnConnectionId];
}

async function describeConnections(ec2: EC2Client, input: { vpnConnectionId: string; vpnConnectionIds?: string[] }): Promise<VpnConnection[]> {
  return (await ec2.send(new DescribeVpnConnectionsCommand({ VpnConnectionIds: connectionIdsOf(input) }))).VpnConnections ?? [];
}

// ---------------------------------------------------------------------------------------------------------
// BGP: the sessions on the UP tunnels, and the routes they carry
// ---------------------------------------------------------------------------------------------------------

/**
 * One look at every tunnel's session: AWS must have accepted routes over it, and Azure's gateway must list the
 * AWS inside address as a Connected peer. Bounded: after maxAttempts it names each session and what each side
 * says, with the mapping an engineer compares against both consoles.
 */
export async function checkBgpSessions(arm: ResourceManagementClient, ec2: EC2Client, input: BgpCheckInput): Promise<BgpCheck> {
  const bgp = input.facts.bgp;
  if (!bgp) throw new ResourceFailed('The BGP check runs only for a request with options.routing "bgp"');
  const attempt = (input.attempt ?? 0) + 1;
  const telemetry = (await describeConnections(ec2, input)).flatMap((c) => c.VgwTelemetry ?? []);
  const peers = (await gatewayBgpPeers(arm, input.facts.hub.vpnGateway.id)) ?? [];
  // A tunnel the tunnel check found down (an instance or endpoint lost) has no session to wait for.
  const down = new Set(input.tunnelsDown ?? []);
  const looks = input.tunnels.filter((aws) => !down.has(aws.tunnel)).map((aws) => {
    const neighbor = bgp.tunnels.find((t) => t.tunnel === aws.tunnel)?.awsAddress ?? '';
    const awsAcceptedRoutes = telemetry.find((t) => t.OutsideIpAddress === aws.outsideIp)?.AcceptedRouteCount ?? 0;
    const { azure, azureRoutesReceived, established } = bgpSession(peers, neighbor, awsAcceptedRoutes);
    const session: BgpSessionState = { tunnel: aws.tunnel, neighbor, awsAcceptedRoutes, azure, azureRoutesReceived };
    return { session, established };
  });
  const sessions = looks.map((look) => look.session);
  const ready = looks.length > 0 && looks.every((look) => look.established);
  if (ready) return { ready, attempt, sessions };
  if (attempt >= input.maxAttempts) {
    const report = sessions
      .map((s) => `tunnel ${s.tunnel} (AWS inside ${s.neighbor}): AWS accepted ${s.awsAcceptedRoutes} routes, Azure reports the peer ${s.azure} with ${s.azureRoutesReceived} routes`)
      .join('; ');
    throw new TunnelsDown(
      `The BGP sessions did not establish on every tunnel within 15 minutes although the tunnels are up: ${report}. ` +
        `Compare both sides with the mapping (Azure ASN ${bgp.azureAsn}, AWS ASN ${bgp.awsAsn}): ${bgpTable(bgp).slice(2).join(' | ')}`,
    );
  }
  return { ready: false, attempt, sessions };
}

