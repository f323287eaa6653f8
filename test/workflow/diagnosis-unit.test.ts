/**
 * The tunnel diagnosis, each finding from its cause: a VPN built by the real step functions against the
 * emulated clouds, one thing broken in the clouds, and the plain diagnosis reading both clouds with real SDK
 * clients. The findings are the sentences a network engineer reads in the TunnelsDown cause, so they are
 * compared whole.
 */
import { DescribeVpnConnectionsCommand } from '@aws-sdk/client-ec2';
import { TransientCloudError } from '../../functions/commons/errors';
import { hubResourceNames } from '../../functions/commons/hub';
import { resourceNames } from '../../functions/commons/naming';
import { describeDiagnosis, diagnoseTunnels, explainTunnelsDown, type DiagnosisInput } from '../../functions/tunnels/diagnosis';
import type { CloudState } from '../../local/cloud/state';
import { azureResource, resumeVpn, saveBuiltVpn, type SavedVpn, type VpnClouds } from './vpn-support';

let saved: SavedVpn;
let h: VpnClouds | undefined;

beforeAll(async () => {
  saved = await saveBuiltVpn();
}, 60_000);

afterEach(async () => {
  await h?.close();
  h = undefined;
});

const names = () => resourceNames(saved.built.request);
const env = 'aoai-prod-01';
const lngName = (n: number) => `lng-${env}-aws-tunnel-${n}`;
const connectionName = (n: number) => `cn-${env}-aws-tunnel-${n}`;
// The hub's gateway is named for the VNet, whichever environment built it.
const gatewayName = 'vpngw-vnet-hub';

async function diagnosisInput(clouds: VpnClouds, patch: (input: DiagnosisInput) => void = () => undefined): Promise<DiagnosisInput> {
  const { built } = saved;
  const connection = (await clouds.ec2.send(new DescribeVpnConnectionsCommand({ VpnConnectionIds: [built.vpnConnectionId] }))).VpnConnections?.[0];
  const input: DiagnosisInput = {
    request: built.request,
    facts: built.facts,
    connection,
    tunnels: built.tunnels.map((t, index) => ({ tunnel: t.tunnel, outsideIp: t.outsideIp, names: names().azure.tunnels[index], pskSecretArn: built.pskSecretArns[index] })),
  };
  patch(input);
  return input;
}

/** The diagnosis of the saved VPN after one thing was broken. */
async function findingsAfter(breakOneThing: (state: CloudState) => void, patch?: (input: DiagnosisInput) => void) {
  h = await resumeVpn(saved, breakOneThing);
  const diagnosis = await diagnoseTunnels(h.arm, h.ec2, h.secrets, await diagnosisInput(h, patch));
  return { shared: diagnosis.shared, tunnel1: diagnosis.perTunnel.get(1), tunnel2: diagnosis.perTunnel.get(2), diagnosis };
}

const vpn = (state: CloudState) => state.aws.vpnConnections.find((v) => v.VpnConnectionId === saved.built.vpnConnectionId)!;

describe('the diagnosis of a consistent VPN', () => {
  it('finds nothing on either side and says what remains', async () => {
    const { shared, tunnel1, tunnel2, diagnosis } = await findingsAfter(() => undefined);
    expect(shared).toEqual([]);
    expect(tunnel1).toEqual([]);
    expect(tunnel2).toEqual([]);
    expect([...diagnosis.perTunnel.keys()]).toEqual([1, 2]);
    expect(describeDiagnosis(diagnosis)).toBe(
      'Reading both clouds, the product found keys, addresses, address spaces, routes and the attachment consistent on both sides; ' +
        'what remains is the IKE/IPsec negotiation itself (the proposal on both sides, or a change still settling).',
    );
  });

  it('accepts a static route or an address space wider than the VNet or the VPC, and gateway ids in other casing', async () => {
    const { shared, tunnel1 } = await findingsAfter((state) => {
      vpn(state).Routes = [{ DestinationCidrBlock: '192.0.0.0/8', createdAt: 0 }];
      azureResource(state, 'localNetworkGateways', lngName(1)).body.properties.localNetworkAddressSpace = { addressPrefixes: ['10.0.0.0/8', '172.16.0.0/12'] };
      const connection = azureResource(state, 'connections', connectionName(1)).body.properties;
      connection.virtualNetworkGateway1.id = connection.virtualNetworkGateway1.id.toUpperCase();
      connection.localNetworkGateway2.id = connection.localNetworkGateway2.id.toUpperCase();
    });
    expect(shared).toEqual([]);
    expect(tunnel1).toEqual([]);
  });
});

describe('findings about the connection as a whole', () => {
  it('an Azure VPN gateway that does not exist (and nothing compared against it)', async () => {
    const { shared, tunnel1 } = await findingsAfter((state) => {
      delete state.azure.resources[hubResourceNames(saved.built.request).vpnGateway.id.toLowerCase()];
    });
    expect(shared).toEqual([`the Azure VPN gateway ${gatewayName} does not exist`]);
    expect(tunnel1).toEqual([]);
  });

  it('an Azure VPN gateway that is not Succeeded', async () => {
    const { shared } = await findingsAfter((state) => {
      const gateway = azureResource(state, 'virtualNetworkGateways', gatewayName);
      gateway.operation = { kind: 'update', startedAt: 0, readyAt: 1, outcome: 'Failed', operationId: 'op-test' };
    });
    expect(shared).toEqual([`the Azure VPN gateway ${gatewayName} is Failed`]);
  });

  it('a VPN connection that AWS does not report: the only finding, and no AWS key compared', async () => {
    const { shared, tunnel1, tunnel2 } = await findingsAfter(() => undefined, (input) => {
      input.connection = undefined;
    });
    expect(shared).toEqual(['the VPN connection does not exist on AWS']);
    expect(tunnel1).toEqual([]);
    expect(tunnel2).toEqual([]);
  });

  it('a VPN connection that is deleted, not static-routes-only, with no live route for the VNet', async () => {
    const { shared } = await findingsAfter((state) => {
      vpn(state).deletedAt = saved.clockAt - 1;
      vpn(state).StaticRoutesOnly = false;
    });
    const id = saved.built.vpnConnectionId;
    expect(shared).toEqual([
      `VPN connection ${id} is deleted`,
      `VPN connection ${id} is not static-routes-only, while Azure's side uses static address spaces`,
      `VPN connection ${id} has no static route for the VNet address space 192.168.0.0/16 (static routes: none)`,
    ]);
  });

  it('static routes that miss the VNet are listed; a pending connection counts its pending routes', async () => {
    const missing = await findingsAfter((state) => {
      vpn(state).Routes = [
        { DestinationCidrBlock: '10.0.0.0/16', createdAt: 0 },
        { DestinationCidrBlock: '192.168.0.0/24', createdAt: 0 },
        { DestinationCidrBlock: 'not-a-cidr', createdAt: 0 },
      ];
    });
    const id = saved.built.vpnConnectionId;
    expect(missing.shared).toEqual([`VPN connection ${id} has no static route for the VNet address space 192.168.0.0/16 (static routes: 10.0.0.0/16, 192.168.0.0/24, not-a-cidr)`]);
    await h!.close();
    const pending = await findingsAfter((state) => {
      vpn(state).readyAt = saved.clockAt + 600;
    });
    expect(pending.shared).toEqual([`VPN connection ${id} is pending`]);
  });

  it('a virtual private gateway that no longer exists', async () => {
    const { shared } = await findingsAfter((state) => {
      state.aws.vpnGateways = state.aws.vpnGateways.filter((g) => g.VpnGatewayId !== saved.built.vpnGatewayId);
    });
    expect(shared).toEqual([`virtual private gateway ${saved.built.vpnGatewayId} does not exist`]);
  });

  it('a virtual private gateway detached from the VPC, or attached to another one, with its attachments', async () => {
    const gateway = (state: CloudState) => state.aws.vpnGateways.find((g) => g.VpnGatewayId === saved.built.vpnGatewayId)!;
    const detached = await findingsAfter((state) => {
      gateway(state).Attachments[0].deletedAt = saved.clockAt - 1;
    });
    const vgw = saved.built.vpnGatewayId;
    expect(detached.shared).toEqual([`virtual private gateway ${vgw} is not attached to vpc-0a1b2c3d4e5f60001 (attachments: vpc-0a1b2c3d4e5f60001 detached)`]);
    await h!.close();
    const none = await findingsAfter((state) => {
      gateway(state).Attachments = [];
    });
    expect(none.shared).toEqual([`virtual private gateway ${vgw} is not attached to vpc-0a1b2c3d4e5f60001 (attachments: none)`]);
    await h!.close();
    const elsewhere = await findingsAfter((state) => {
      gateway(state).Attachments[0].VpcId = 'vpc-0a1b2c3d4e5f69999';
    });
    expect(elsewhere.shared).toEqual([`virtual private gateway ${vgw} is not attached to vpc-0a1b2c3d4e5f60001 (attachments: vpc-0a1b2c3d4e5f69999 attached)`]);
  });

  it("a customer gateway whose IP is not the Azure gateway's public IP, or that no longer exists", async () => {
    const cgw = saved.built.customerGatewayId;
    const moved = await findingsAfter((state) => {
      state.aws.customerGateways.find((c) => c.CustomerGatewayId === cgw)!.IpAddress = '198.51.100.7';
    });
    expect(moved.shared).toEqual([`customer gateway ${cgw} has IP 198.51.100.7, but the Azure VPN gateway ${gatewayName}'s public IP is ${saved.built.publicIp}`]);
    await h!.close();
    const gone = await findingsAfter((state) => {
      state.aws.customerGateways = state.aws.customerGateways.filter((c) => c.CustomerGatewayId !== cgw);
    });
    expect(gone.shared).toEqual([`customer gateway ${cgw} has IP (none), but the Azure VPN gateway ${gatewayName}'s public IP is ${saved.built.publicIp}`]);
  });

  it('an Azure gateway without a public IP address reads as (none)', async () => {
    const { shared } = await findingsAfter((state) => {
      delete state.azure.resources[hubResourceNames(saved.built.request).publicIp.id.toLowerCase()];
    });
    expect(shared).toEqual([`customer gateway ${saved.built.customerGatewayId} has IP ${saved.built.publicIp}, but the Azure VPN gateway ${gatewayName}'s public IP is (none)`]);
  });

  it('an Azure gateway whose IP configuration names no public IP, or that has no IP configurations, reads as (none)', async () => {
    const none = `customer gateway ${saved.built.customerGatewayId} has IP ${saved.built.publicIp}, but the Azure VPN gateway ${gatewayName}'s public IP is (none)`;
    const withoutPip = await findingsAfter((state) => {
      delete azureResource(state, 'virtualNetworkGateways', gatewayName).body.properties.ipConfigurations[0].properties.publicIPAddress;
    });
    expect(withoutPip.shared).toEqual([none]);
    await h!.close();
    const withoutConfigurations = await findingsAfter((state) => {
      delete azureResource(state, 'virtualNetworkGateways', gatewayName).body.properties.ipConfigurations;
    });
    expect(withoutConfigurations.shared).toEqual([none]);
  });
});

describe('findings about one tunnel, on that tunnel only', () => {
  it('a local network gateway that does not exist', async () => {
    const { shared, tunnel1, tunnel2 } = await findingsAfter((state) => {
      delete state.azure.resources[names().azure.tunnels[1].localNetworkGateway.id.toLowerCase()];
    });
    expect(shared).toEqual([]);
    expect(tunnel1).toEqual([]);
    expect(tunnel2).toEqual([`the local network gateway ${lngName(2)} does not exist`]);
  });

  it('a local network gateway that failed, points elsewhere and does not cover the VPC', async () => {
    const { tunnel1, tunnel2 } = await findingsAfter((state) => {
      const lng = azureResource(state, 'localNetworkGateways', lngName(1));
      lng.operation = { kind: 'update', startedAt: 0, readyAt: 1, outcome: 'Failed', operationId: 'op-test' };
      lng.body.properties.gatewayIpAddress = '198.51.100.9';
      lng.body.properties.localNetworkAddressSpace = { addressPrefixes: ['172.17.0.0/24', 'bad'] };
    });
    expect(tunnel1).toEqual([
      `the local network gateway ${lngName(1)} is Failed`,
      `the local network gateway ${lngName(1)} points at 198.51.100.9, not at the tunnel's AWS outside IP ${saved.built.tunnels[0].outsideIp}`,
      `the local network gateway ${lngName(1)}'s address space (172.17.0.0/24, bad) does not cover the VPC CIDR 172.17.0.0/16`,
    ]);
    expect(tunnel2).toEqual([]);
  });

  it('a local network gateway with no address and an empty address space', async () => {
    const { tunnel1 } = await findingsAfter((state) => {
      const lng = azureResource(state, 'localNetworkGateways', lngName(1));
      delete lng.body.properties.gatewayIpAddress;
      delete lng.body.properties.localNetworkAddressSpace;
    });
    expect(tunnel1).toEqual([
      `the local network gateway ${lngName(1)} points at (none), not at the tunnel's AWS outside IP ${saved.built.tunnels[0].outsideIp}`,
      `the local network gateway ${lngName(1)}'s address space (empty) does not cover the VPC CIDR 172.17.0.0/16`,
    ]);
  });

  it('an Azure connection that does not exist: the only finding, no key read', async () => {
    const { tunnel1, tunnel2 } = await findingsAfter((state) => {
      delete state.azure.resources[names().azure.tunnels[0].connection.id.toLowerCase()];
    });
    expect(tunnel1).toEqual([`the Azure connection ${connectionName(1)} does not exist`]);
    expect(tunnel2).toEqual([]);
  });

  it('an Azure connection that failed, is not IPsec, joins another gateway and another local network gateway', async () => {
    const { tunnel2 } = await findingsAfter((state) => {
      const connection = azureResource(state, 'connections', connectionName(2));
      connection.operation = { kind: 'update', startedAt: 0, readyAt: 1, outcome: 'Failed', operationId: 'op-test' };
      connection.body.properties.connectionType = 'Vnet2Vnet';
      connection.body.properties.virtualNetworkGateway1 = { id: hubResourceNames(saved.built.request).vpnGateway.id.replace(gatewayName, 'vpngw-other') };
      connection.body.properties.localNetworkGateway2 = { id: names().azure.tunnels[0].localNetworkGateway.id };
    });
    expect(tunnel2).toEqual([
      `the Azure connection ${connectionName(2)} is Failed`,
      `the Azure connection ${connectionName(2)} is of type Vnet2Vnet, not IPsec`,
      `the Azure connection ${connectionName(2)} joins gateway vpngw-other, not ${gatewayName}`,
      `the Azure connection ${connectionName(2)} uses local network gateway ${lngName(1)}, not ${lngName(2)}`,
    ]);
  });

  it('an Azure connection without type or gateways reads as (none)', async () => {
    const { tunnel1 } = await findingsAfter((state) => {
      const connection = azureResource(state, 'connections', connectionName(1));
      delete connection.body.properties.connectionType;
      delete connection.body.properties.virtualNetworkGateway1;
      delete connection.body.properties.localNetworkGateway2;
    });
    expect(tunnel1).toEqual([
      `the Azure connection ${connectionName(1)} is of type (none), not IPsec`,
      `the Azure connection ${connectionName(1)} joins gateway (none), not ${gatewayName}`,
      `the Azure connection ${connectionName(1)} uses local network gateway (none), not ${lngName(1)}`,
    ]);
  });

  it("an Azure key that differs from Secrets Manager, never the key itself", async () => {
    const { tunnel1, tunnel2 } = await findingsAfter((state) => {
      azureResource(state, 'connections', connectionName(1)).body.properties.sharedKey = 'aDifferentKey0123456789';
    });
    expect(tunnel1).toEqual([
      `the Azure connection ${connectionName(1)}'s pre-shared key differs from the tunnel key in Secrets Manager (${saved.built.pskSecretArns[0]}); a re-run sets it again`,
    ]);
    expect(tunnel2).toEqual([]);
  });

  it("an AWS tunnel key that differs from Secrets Manager", async () => {
    const { tunnel1, tunnel2 } = await findingsAfter((state) => {
      vpn(state).Tunnels[1].PreSharedKey = 'aDifferentKey0123456789';
    });
    expect(tunnel1).toEqual([]);
    expect(tunnel2).toEqual([`the AWS tunnel's pre-shared key differs from the tunnel key in Secrets Manager (${saved.built.pskSecretArns[1]})`]);
  });

  it('an AWS side that does not show its keys is not a finding', async () => {
    const { tunnel1 } = await findingsAfter(() => undefined, (input) => {
      for (const options of input.connection!.Options!.TunnelOptions!) delete options.PreSharedKey;
    });
    expect(tunnel1).toEqual([]);
  });
});

describe('the sentence the TunnelsDown cause ends with', () => {
  it('joins the shared findings, then each tunnel with findings', () => {
    const text = describeDiagnosis({ shared: ['a', 'b'], perTunnel: new Map([[1, []], [2, ['c', 'd']]]) });
    expect(text).toBe('Reading both clouds, the product found: a; b. tunnel 2: c; d.');
    expect(describeDiagnosis({ shared: [], perTunnel: new Map([[1, ['c']]]) })).toBe('Reading both clouds, the product found: tunnel 1: c.');
  });

  it('a diagnosis that cannot read a cloud still ends the run, naming the error, not a key', async () => {
    h = await resumeVpn(saved);
    const input = await diagnosisInput(h, (i) => {
      i.tunnels[0].pskSecretArn = 'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:aoai-link/no-such-secret-AbCdEf';
    });
    expect(await explainTunnelsDown(h.arm, h.ec2, h.secrets, input)).toBe('The product could not read both clouds to say why (ResourceNotFoundException).');
  });

  it('a throttled read is thrown for the state to retry, not turned into a sentence', async () => {
    // Without the client's own retries, which would wait ARM's Retry-After in real seconds.
    h = await resumeVpn(saved, undefined, { armMaxRetries: 0 });
    const input = await diagnosisInput(h);
    h.clouds.context.faults.spec.throttleRate = 1;
    const error = await explainTunnelsDown(h.arm, h.ec2, h.secrets, input).then(
      () => undefined,
      (e) => e,
    );
    h.clouds.context.faults.spec.throttleRate = 0;
    expect(error).toBeInstanceOf(TransientCloudError);
  });
});
