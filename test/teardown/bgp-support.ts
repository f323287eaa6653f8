/**
 * An environment provisioned with `options.routing: "bgp"`, for the teardown tests, without depending on the
 * BGP provisioning steps: the default run provisions the environment (DNS path, probe, hub gateway, tunnels 1
 * and 2, the AWS VPN), then the half that BGP adds is created with the real SDK clients against the same
 * emulated clouds, with the bodies of the shared design: the hub gateway's second public IP and the gateway
 * made active-active with BGP, the local network gateways and connections of tunnels 3 and 4 (BGP peers), the
 * second customer gateway and the second, dynamic, VPN connection with its APIPA inside CIDRs, and the keys of
 * tunnels 3 and 4. The saved clouds are what a BGP environment leaves for its teardown.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CreateCustomerGatewayCommand, CreateVpnConnectionCommand, DescribeVpnConnectionsCommand, DescribeVpnGatewaysCommand } from '@aws-sdk/client-ec2';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { API_VERSIONS, armRequest } from '../../functions/commons/arm';
import { hubResourceNames, hubTags } from '../../functions/commons/hub';
import { armTags, ec2Tags, resourceNames } from '../../functions/commons/naming';
import type { EnvironmentRequest } from '../../functions/commons/request/contract';
import { validateRequestDocument } from '../../functions/commons/request/schema';
import { writeStateFile, type CloudState } from '../../local/cloud/state';
import { latestSimulatedSecond, runLocal } from '../../local/runner';
import { copyState, startVpnClouds, type VpnClouds } from '../workflow/vpn-support';

const ROOT = path.join(__dirname, '..', '..');
export const REQUEST_FILE = path.join(ROOT, 'events', 'new-environment.json');
const NET = API_VERSIONS.network;
const AZURE_ASN = 65000;
const AWS_ASN = 64512;

/** The default request with `routing: "bgp"`, as a document (what a teardown is given) and as checked. */
export function bgpRequestDocument(): Record<string, any> {
  const document = JSON.parse(readFileSync(REQUEST_FILE, 'utf8'));
  document.options.routing = 'bgp';
  return document;
}

export function bgpRequest(): EnvironmentRequest {
  const checked = validateRequestDocument(bgpRequestDocument());
  if (!checked.ok) throw new Error(`test request invalid: ${JSON.stringify(checked.problems)}`);
  return checked.request;
}

/** Sleeps on the simulated clock until every Azure operation in flight has ended. */
async function settle(h: VpnClouds): Promise<void> {
  const last = Math.max(0, ...Object.values(h.state.azure.resources).map((r) => r.operation?.readyAt ?? 0));
  await h.sleep(Math.max(0, last - h.clouds.clock.now()) + 1);
}

async function put(h: VpnClouds, id: string, body: unknown): Promise<void> {
  await armRequest(h.arm, 'PUT', id, NET, body);
  await settle(h);
}

/** The second Azure gateway instance and what hangs off it, in both clouds (see the file comment). */
export async function addTheBgpHalf(h: VpnClouds, request: EnvironmentRequest): Promise<void> {
  const names = resourceNames(request);
  const hub = hubResourceNames(request);
  const env = request.environmentId;

  // Azure: the second Standard static public IP, then the gateway active-active with BGP on both.
  await put(h, hub.secondPublicIp.id, {
    location: 'japaneast',
    tags: hubTags(request),
    sku: { name: 'Standard', tier: 'Regional' },
    zones: ['1', '2', '3'],
    properties: { publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' },
  });
  const secondIp = (await armRequest(h.arm, 'GET', hub.secondPublicIp.id, NET)).properties.ipAddress as string;
  const gateway = await armRequest(h.arm, 'GET', hub.vpnGateway.id, NET);
  const configuration = (name: string, publicIpId: string) => ({
    name,
    properties: { privateIPAllocationMethod: 'Dynamic', subnet: { id: hub.gatewaySubnet.id }, publicIPAddress: { id: publicIpId } },
  });
  const { gatewayType, vpnType, sku, vpnGatewayGeneration } = gateway.properties;
  await put(h, hub.vpnGateway.id, {
    location: gateway.location,
    tags: gateway.tags,
    properties: {
      gatewayType,
      vpnType,
      sku,
      vpnGatewayGeneration,
      activeActive: true,
      enableBgp: true,
      ipConfigurations: [configuration('default', hub.publicIp.id), configuration('active-active', hub.secondPublicIp.id)],
      bgpSettings: {
        asn: AZURE_ASN,
        bgpPeeringAddresses: [
          { ipconfigurationId: hub.vpnGatewayIpConfigurationId, customBgpIpAddresses: ['169.254.21.2', '169.254.22.2'] },
          { ipconfigurationId: hub.vpnGatewaySecondIpConfigurationId, customBgpIpAddresses: ['169.254.21.6', '169.254.22.6'] },
        ],
      },
    },
  });

  // AWS: the second customer gateway (Azure's second IP, Azure's ASN) and the second, dynamic, VPN connection.
  const vgw = ((await h.ec2.send(new DescribeVpnGatewaysCommand({ Filters: [{ Name: 'tag:Name', Values: [names.aws.vpnGateway] }] }))).VpnGateways ?? [])[0];
  const cgw = await h.ec2.send(
    new CreateCustomerGatewayCommand({
      Type: 'ipsec.1',
      IpAddress: secondIp,
      BgpAsn: AZURE_ASN,
      TagSpecifications: [{ ResourceType: 'customer-gateway', Tags: ec2Tags(env, names.aws.customerGateways[1]) }],
    }),
  );
  const keys = ['Tunnel3Key0123456789abcdef', 'Tunnel4Key0123456789abcdef'];
  const vpn = await h.ec2.send(
    new CreateVpnConnectionCommand({
      Type: 'ipsec.1',
      CustomerGatewayId: cgw.CustomerGateway!.CustomerGatewayId,
      VpnGatewayId: vgw.VpnGatewayId,
      Options: {
        StaticRoutesOnly: false,
        TunnelOptions: [
          { TunnelInsideCidr: '169.254.21.4/30', PreSharedKey: keys[0] },
          { TunnelInsideCidr: '169.254.22.4/30', PreSharedKey: keys[1] },
        ],
      },
      TagSpecifications: [{ ResourceType: 'vpn-connection', Tags: ec2Tags(env, names.aws.vpnConnections[1]) }],
    }),
  );
  for (const [index, key] of keys.entries()) {
    await h.secrets.send(new CreateSecretCommand({ Name: names.aws.pskSecretNames[2 + index], SecretString: key, Tags: ec2Tags(env) }));
  }
  const described = await h.ec2.send(new DescribeVpnConnectionsCommand({ VpnConnectionIds: [vpn.VpnConnection!.VpnConnectionId!] }));
  const outsideIps = (described.VpnConnections?.[0]?.Options?.TunnelOptions ?? []).map((t) => t.OutsideIpAddress!);

  // Azure: tunnels 3 and 4 end on the second instance; each connection names both IP configurations' addresses.
  const rows = [
    { tunnel: names.azure.tunnels[2], awsInside: '169.254.21.5', custom: ['169.254.21.2', '169.254.21.6'] },
    { tunnel: names.azure.tunnels[3], awsInside: '169.254.22.5', custom: ['169.254.22.2', '169.254.22.6'] },
  ];
  for (const [index, row] of rows.entries()) {
    await put(h, row.tunnel.localNetworkGateway.id, {
      location: 'japaneast',
      tags: armTags(env),
      properties: { gatewayIpAddress: outsideIps[index], localNetworkAddressSpace: { addressPrefixes: [] }, bgpSettings: { asn: AWS_ASN, bgpPeeringAddress: row.awsInside } },
    });
    await put(h, row.tunnel.connection.id, {
      location: 'japaneast',
      tags: armTags(env),
      properties: {
        connectionType: 'IPsec',
        connectionProtocol: 'IKEv2',
        virtualNetworkGateway1: { id: hub.vpnGateway.id },
        localNetworkGateway2: { id: row.tunnel.localNetworkGateway.id },
        sharedKey: keys[index],
        enableBgp: true,
        gatewayCustomBgpIpAddresses: [
          { ipConfigurationId: hub.vpnGatewayIpConfigurationId, customBgpIpAddress: row.custom[0] },
          { ipConfigurationId: hub.vpnGatewaySecondIpConfigurationId, customBgpIpAddress: row.custom[1] },
        ],
      },
    });
  }
}

/** Another environment's tunnel on the hub's gateway: while it is there, the hub is not this environment's to remove. */
export async function addAnotherEnvironmentOnTheHub(h: VpnClouds, request: EnvironmentRequest, other: string): Promise<void> {
  const hub = hubResourceNames(request);
  const network = `${resourceNames(request).azure.resourceGroupId}/providers/Microsoft.Network`;
  const lng = `${network}/localNetworkGateways/lng-${other}-aws-tunnel-1`;
  await put(h, lng, { location: 'japaneast', tags: armTags(other), properties: { gatewayIpAddress: '203.0.113.77', localNetworkAddressSpace: { addressPrefixes: ['10.40.0.0/16'] } } });
  await put(h, `${network}/connections/cn-${other}-aws-tunnel-1`, {
    location: 'japaneast',
    tags: armTags(other),
    properties: {
      connectionType: 'IPsec',
      connectionProtocol: 'IKEv2',
      virtualNetworkGateway1: { id: hub.vpnGateway.id },
      localNetworkGateway2: { id: lng },
      sharedKey: 'another-environments-key-0123456789',
      enableBgp: false,
    },
  });
}

export interface SavedBgpEnvironment {
  request: EnvironmentRequest;
  state: CloudState;
  clockAt: number;
}

/** The default run, then the BGP half (and, when asked, another environment on the hub), saved. */
export async function provisionBgpEnvironment(dir: string, options: { anotherEnvironment?: string } = {}): Promise<SavedBgpEnvironment> {
  const stateFile = path.join(dir, 'provisioned.json');
  const run = await runLocal({ requestFile: REQUEST_FILE, stateFile, outDir: path.join(dir, 'provision'), output: null });
  if (run.status !== 'SUCCEEDED') throw new Error(`the default run did not succeed: ${run.error} ${run.cause ?? ''}`);
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as CloudState;
  const h = await startVpnClouds({ state, clockStart: latestSimulatedSecond(state) });
  try {
    const request = bgpRequest();
    await addTheBgpHalf(h, request);
    if (options.anotherEnvironment) await addAnotherEnvironmentOnTheHub(h, request, options.anotherEnvironment);
    return { request, state: copyState(h.state), clockAt: h.clouds.clock.now() };
  } finally {
    await h.close();
  }
}

/** A state file holding a copy of the saved clouds, for one teardown run. */
export function stateFileOf(saved: SavedBgpEnvironment, dir: string, name: string): string {
  const file = path.join(dir, `${name}.json`);
  writeStateFile(file, copyState(saved.state));
  return file;
}
