/**
 * Joining the tunnels and the bounded tunnel check, as plain functions with real SDK clients against the
 * emulated clouds (the real network model decides whether a tunnel is up): what a re-run writes and leaves,
 * the key repair, the re-send of a failed connection, the attempt counter, its bound and the redrive reset.
 */
import { ResourceNotReady, TunnelsDown } from '../../functions/commons/errors';
import { hubResourceNames } from '../../functions/commons/hub';
import { resourceNames } from '../../functions/commons/naming';
import { IPSEC_POLICY, checkTunnels, connectTunnels, createLocalNetworkGateways, tunnelsInUse } from '../../functions/tunnels/tunnels';
import type { CloudState } from '../../local/cloud/state';
import { azureResource, resumeVpn, saveBuiltVpn, tunnelInput, vpnRequest, type SavedVpn, type VpnClouds } from './vpn-support';

let saved: SavedVpn;
let h: VpnClouds | undefined;

beforeAll(async () => {
  saved = await saveBuiltVpn();
}, 60_000);

afterEach(async () => {
  await h?.close();
  h = undefined;
});

const env = 'aoai-prod-01';
const lngName = (n: number) => `lng-${env}-aws-tunnel-${n}`;
const connectionName = (n: number) => `cn-${env}-aws-tunnel-${n}`;
const names = () => resourceNames(saved.built.request);
const secretValue = (state: CloudState, arn: string) => state.aws.secrets.find((s) => s.ARN === arn)!.SecretString!;
const connectionOf = (state: CloudState, n: number) => azureResource(state, 'connections', connectionName(n));
const azureWrites = (clouds: VpnClouds) => clouds.clouds.recorder.operations.filter((o) => o.cloud === 'azure');
const ip = (n: number) => saved.built.tunnels[n - 1].outsideIp;
const WRONG_KEY = 'aDifferentKey0123456789';

async function thrown(promise: Promise<unknown>): Promise<any> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error) => error,
  );
}

describe('the tunnels in use', () => {
  it('are both AWS tunnels by default, or tunnel 1 only, each with its own Azure names', () => {
    const tunnels = [
      { tunnel: 1, outsideIp: '3.112.0.1' },
      { tunnel: 2, outsideIp: '52.68.0.1' },
    ];
    const both = tunnelsInUse({ request: vpnRequest(), tunnels });
    expect(both.map((t) => [t.aws.tunnel, t.names.connection.name, t.names.localNetworkGateway.name])).toEqual([
      [1, connectionName(1), lngName(1)],
      [2, connectionName(2), lngName(2)],
    ]);
    const one = tunnelsInUse({ request: vpnRequest((r) => (r.options.tunnels = 'one')), tunnels });
    expect(one.map((t) => t.aws.outsideIp)).toEqual(['3.112.0.1']);
  });
});

describe('the local network gateways', () => {
  it('a re-run writes nothing; a changed tunnel address or VPC CIDR is written again', async () => {
    h = await resumeVpn(saved);
    const input = tunnelInput(saved.built);
    expect(await createLocalNetworkGateways(h.arm, input)).toEqual({ localNetworkGateways: ['Succeeded', 'Succeeded'] });
    expect(azureWrites(h)).toEqual([]);

    const moved = { ...input, tunnels: [{ tunnel: 1, outsideIp: '3.112.9.9' }, input.tunnels[1]], facts: { ...input.facts, vpcCidrs: ['172.17.0.0/16', '10.9.0.0/16'] } };
    const result = await createLocalNetworkGateways(h.arm, moved);
    expect(result.localNetworkGateways).toHaveLength(2);
    const lng1 = azureResource(h.state, 'localNetworkGateways', lngName(1)).body;
    const lng2 = azureResource(h.state, 'localNetworkGateways', lngName(2)).body;
    expect(lng1.properties.gatewayIpAddress).toBe('3.112.9.9');
    expect(lng1.properties.localNetworkAddressSpace.addressPrefixes).toEqual(['172.17.0.0/16', '10.9.0.0/16']);
    expect(lng2.properties.localNetworkAddressSpace.addressPrefixes).toEqual(['172.17.0.0/16', '10.9.0.0/16']);
    expect(lng1.tags).toMatchObject({ 'managed-by': 'aoai-private-link', 'aws-tunnel': '1' });
    expect(lng2.tags).toMatchObject({ 'aws-tunnel': '2' });
    expect(azureWrites(h).map((o) => o.resource.split('/').pop())).toEqual([lngName(1), lngName(2)]);
  });

  it('only the VPC CIDRs changing is enough to write again', async () => {
    h = await resumeVpn(saved);
    const input = tunnelInput(saved.built);
    await createLocalNetworkGateways(h.arm, { ...input, facts: { ...input.facts, vpcCidrs: ['172.17.0.0/17'] } });
    expect(azureWrites(h).map((o) => o.resource.split('/').pop())).toEqual([lngName(1), lngName(2)]);
  });
});

describe('joining the tunnels', () => {
  it('writes each connection once, with the key from Secrets Manager and the pinned proposal', async () => {
    h = await resumeVpn(saved, (state) => {
      delete state.azure.resources[names().azure.tunnels[0].connection.id.toLowerCase()];
    });
    const result = await connectTunnels(h.arm, h.secrets, { ...tunnelInput(saved.built), redriveCount: 2 });
    expect(result).toEqual({ connections: [expect.stringMatching(/Creating|Updating/), 'Succeeded'], attempt: 0, redriveCount: 2, joinedAlready: false });
    const written = connectionOf(h.state, 1).body;
    expect(written.tags).toMatchObject({ 'managed-by': 'aoai-private-link', 'aws-tunnel': '1' });
    expect(written.location).toBe('japaneast');
    expect(written.properties).toMatchObject({
      connectionType: 'IPsec',
      connectionProtocol: 'IKEv2',
      virtualNetworkGateway1: { id: hubResourceNames(saved.built.request).vpnGateway.id },
      localNetworkGateway2: { id: names().azure.tunnels[0].localNetworkGateway.id },
      sharedKey: secretValue(h.state, saved.built.pskSecretArns[0]),
      enableBgp: false,
      usePolicyBasedTrafficSelectors: false,
      connectionMode: 'Default',
      dpdTimeoutSeconds: 45,
      ipsecPolicies: [IPSEC_POLICY],
    });
    expect(IPSEC_POLICY).toEqual({
      saLifeTimeSeconds: 3600,
      saDataSizeKilobytes: 102400000,
      ipsecEncryption: 'AES256',
      ipsecIntegrity: 'SHA256',
      ikeEncryption: 'AES256',
      ikeIntegrity: 'SHA256',
      dhGroup: 'DHGroup14',
      pfsGroup: 'PFS2048',
    });
    // The connection of tunnel 2 was left as it was: the key matched, nothing was set.
    expect(azureWrites(h).map((o) => o.resource.split('/').pop())).toEqual([connectionName(1)]);
    expect(h.clouds.recorder.apiCalls.azure['PUT Microsoft.Network/connections/sharedkey']).toBeUndefined();
    // Only the connection that already existed has its key checked; the one just written carries it.
    expect(h.clouds.recorder.apiCalls.azure['GET Microsoft.Network/connections/sharedkey']).toBe(1);
  });

  it("a re-run sets a connection's key again when Azure's differs from Secrets Manager, and only that one", async () => {
    h = await resumeVpn(saved, (state) => {
      connectionOf(state, 2).body.properties.sharedKey = WRONG_KEY;
    });
    const result = await connectTunnels(h.arm, h.secrets, tunnelInput(saved.built));
    expect(result).toEqual({ connections: ['Succeeded', 'Succeeded'], attempt: 0, redriveCount: 0, joinedAlready: false });
    expect(connectionOf(h.state, 2).body.properties.sharedKey).toBe(secretValue(h.state, saved.built.pskSecretArns[1]));
    expect(connectionOf(h.state, 1).body.properties.sharedKey).toBe(secretValue(h.state, saved.built.pskSecretArns[0]));
    expect(azureWrites(h).map((o) => o.resource.split('/').pop())).toEqual([connectionName(2)]);
    expect(h.clouds.recorder.apiCalls.azure['PUT Microsoft.Network/connections/sharedkey']).toBe(1);
  });

  it('writes the connections one after the other: the second waits (ResourceNotReady, no PUT sent) until the first is written', async () => {
    h = await resumeVpn(saved, (state) => {
      for (const t of names().azure.tunnels) delete state.azure.resources[t.connection.id.toLowerCase()];
    });
    const input = tunnelInput(saved.built);
    const first = await thrown(connectTunnels(h.arm, h.secrets, input));
    expect(first).toBeInstanceOf(ResourceNotReady);
    expect(first.message).toBe(`${connectionName(2)} waits for the write of ${connectionName(1)} (Azure runs one connection operation at a time per VPN gateway)`);
    // Looked up, not sent to be refused: one connection PUT, and no 409 asked for.
    expect(h.clouds.recorder.apiCalls.azure['PUT Microsoft.Network/connections']).toBe(1);
    expect(azureWrites(h).map((o) => o.resource.split('/').pop())).toEqual([connectionName(1)]);

    // A retry while the first is still being written sends nothing.
    await h.sleep(30);
    expect(await thrown(connectTunnels(h.arm, h.secrets, input))).toBeInstanceOf(ResourceNotReady);
    expect(h.clouds.recorder.apiCalls.azure['PUT Microsoft.Network/connections']).toBe(1);

    // Once it is written, the retry writes the second, and leaves the first as it is.
    const written = azureWrites(h)[0];
    await h.sleep(written.readyAt - h.clouds.clock.now());
    const joined = await connectTunnels(h.arm, h.secrets, input);
    expect(joined).toEqual({ connections: ['Succeeded', expect.stringMatching(/Creating|Updating/)], attempt: 0, redriveCount: 0, joinedAlready: false });
    expect(azureWrites(h).map((o) => o.resource.split('/').pop())).toEqual([connectionName(1), connectionName(2)]);
    expect(connectionOf(h.state, 2).body.properties.sharedKey).toBe(secretValue(h.state, saved.built.pskSecretArns[1]));
    // A re-run while the second is being written, and after, writes nothing more.
    await connectTunnels(h.arm, h.secrets, input);
    await h.sleep(azureWrites(h)[1].readyAt - h.clouds.clock.now());
    expect(await connectTunnels(h.arm, h.secrets, input)).toEqual({ connections: ['Succeeded', 'Succeeded'], attempt: 0, redriveCount: 0, joinedAlready: true });
    expect(h.clouds.recorder.apiCalls.azure['PUT Microsoft.Network/connections']).toBe(2);
  });

  it("ARM's 409 AnotherOperationInProgress for an operation it could not see (another connection on the gateway) is waited for, not thrown as a failure nor taken as written", async () => {
    // Someone else's connection on the same gateway, still being created.
    const theirsBeingCreated = (state: CloudState) => {
      const theirs = JSON.parse(JSON.stringify(connectionOf(state, 1)));
      theirs.id = theirs.id.replace(connectionName(1), 'cn-someone-else');
      theirs.name = 'cn-someone-else';
      theirs.body.tags = {};
      theirs.operation = { kind: 'create', startedAt: 0, readyAt: 1_000_000, outcome: 'Succeeded', operationId: 'op-theirs' };
      state.azure.resources[theirs.id.toLowerCase()] = theirs;
    };
    const waiting = `${connectionName(2)} waits for another connection operation on the gateway (Azure runs one connection operation at a time per VPN gateway)`;
    h = await resumeVpn(saved, (state) => {
      delete state.azure.resources[names().azure.tunnels[1].connection.id.toLowerCase()];
      theirsBeingCreated(state);
    });
    const refused = await thrown(connectTunnels(h.arm, h.secrets, tunnelInput(saved.built)));
    expect(refused).toBeInstanceOf(ResourceNotReady);
    expect(refused.message).toBe(waiting);
    expect(Object.values(h.state.azure.resources).some((r) => r.name === connectionName(2))).toBe(false);
    await h.close();

    // A Failed connection whose repair ARM refuses for the same reason still waits: it rests, so the 409 was not its own write.
    h = await resumeVpn(saved, (state) => {
      connectionOf(state, 2).operation = { kind: 'update', startedAt: 0, readyAt: 1, outcome: 'Failed', operationId: 'op-failed' };
      theirsBeingCreated(state);
    });
    const repairRefused = await thrown(connectTunnels(h.arm, h.secrets, tunnelInput(saved.built)));
    expect(repairRefused).toBeInstanceOf(ResourceNotReady);
    expect(repairRefused.message).toBe(waiting);
    expect(azureWrites(h)).toEqual([]);
  });

  it('waits for the Azure VPN gateway and for each local network gateway', async () => {
    h = await resumeVpn(saved, (state) => {
      delete state.azure.resources[hubResourceNames(saved.built.request).vpnGateway.id.toLowerCase()];
    });
    expect(await thrown(connectTunnels(h.arm, h.secrets, tunnelInput(saved.built)))).toBeInstanceOf(ResourceNotReady);
    await h.close();
    h = await resumeVpn(saved, (state) => {
      delete state.azure.resources[names().azure.tunnels[1].localNetworkGateway.id.toLowerCase()];
    });
    expect(await thrown(connectTunnels(h.arm, h.secrets, tunnelInput(saved.built)))).toBeInstanceOf(ResourceNotReady);
  });
});

describe('the bounded tunnel check', () => {
  const check = (clouds: VpnClouds, extra: Partial<Parameters<typeof checkTunnels>[3]> = {}) =>
    checkTunnels(clouds.arm, clouds.ec2, clouds.secrets, { ...tunnelInput(saved.built), attempt: 0, maxAttempts: 5, ...extra });

  it('reports both ends of each tunnel up, and counts the look', async () => {
    h = await resumeVpn(saved);
    expect(await check(h, { attempt: 2 })).toEqual({
      ready: true,
      attempt: 3,
      redriveCount: 0,
      tunnels: [
        { tunnel: 1, outsideIp: ip(1), aws: 'UP', awsMessage: undefined, azure: 'Connected' },
        { tunnel: 2, outsideIp: ip(2), aws: 'UP', awsMessage: undefined, azure: 'Connected' },
      ],
    });
    expect(azureWrites(h)).toEqual([]);
  });

  it('a tunnel down on one side is not ready; the bound is the last allowed look, and it then names both ends', async () => {
    const wrongKey = (state: CloudState) => {
      connectionOf(state, 1).body.properties.sharedKey = WRONG_KEY;
    };
    h = await resumeVpn(saved, wrongKey);
    await h.sleep(60);
    const early = await check(h, { attempt: 3 });
    expect(early).toMatchObject({ ready: false, attempt: 4, redriveCount: 0 });
    expect(early.tunnels[0]).toEqual({ tunnel: 1, outsideIp: ip(1), aws: 'DOWN', awsMessage: 'IPSEC IS DOWN', azure: 'NotConnected' });
    expect(early.tunnels[1]).toMatchObject({ aws: 'UP', azure: 'Connected' });

    const last = await thrown(check(h, { attempt: 4 }));
    expect(last).toBeInstanceOf(TunnelsDown);
    const id = saved.built.vpnConnectionId;
    expect(last.message).toBe(
      `The tunnels of VPN connection ${id} did not come up within 30 minutes: ` +
        `tunnel 1 (AWS outside IP ${ip(1)}): AWS reports DOWN (IPSEC IS DOWN), Azure connection reports NotConnected; ` +
        `tunnel 2 (AWS outside IP ${ip(2)}): AWS reports UP, Azure connection reports Connected. ` +
        `Reading both clouds, the product found: tunnel 1: the Azure connection ${connectionName(1)}'s pre-shared key differs from the tunnel key in Secrets Manager (${saved.built.pskSecretArns[0]}); a re-run sets it again.`,
    );
    expect(last.message).not.toContain(WRONG_KEY);
    expect(last.message).not.toContain(secretValue(h.state, saved.built.pskSecretArns[0]));
    // Waiting does not repair a key: the check itself never writes one.
    expect(azureWrites(h)).toEqual([]);
  });

  it('a look past the bound also ends the run', async () => {
    h = await resumeVpn(saved, (state) => {
      connectionOf(state, 1).body.properties.sharedKey = WRONG_KEY;
    });
    expect(await thrown(check(h, { attempt: 7 }))).toBeInstanceOf(TunnelsDown);
  });

  it('with one tunnel in use, the second tunnel is neither looked at nor waited for', async () => {
    const one = vpnRequest((r) => (r.options.tunnels = 'one'));
    h = await resumeVpn(saved, (state) => {
      connectionOf(state, 2).body.properties.sharedKey = WRONG_KEY;
    });
    await h.sleep(60);
    const result = await checkTunnels(h.arm, h.ec2, h.secrets, { ...tunnelInput(saved.built), request: one, attempt: 0, maxAttempts: 1 });
    expect(result).toMatchObject({ ready: true, attempt: 1 });
    expect(result.tunnels.map((t) => t.tunnel)).toEqual([1]);
  });

  it('tunnels AWS does not report are not up, even with Azure connected', async () => {
    h = await resumeVpn(saved);
    const result = await check(h, {
      tunnels: [
        { tunnel: 1, outsideIp: '203.0.113.1' },
        { tunnel: 2, outsideIp: '203.0.113.2' },
      ],
    });
    expect(result.ready).toBe(false);
    expect(result.tunnels).toEqual([
      { tunnel: 1, outsideIp: '203.0.113.1', aws: 'UNKNOWN', awsMessage: undefined, azure: 'Connected' },
      { tunnel: 2, outsideIp: '203.0.113.2', aws: 'UNKNOWN', awsMessage: undefined, azure: 'Connected' },
    ]);
  });

  it('an Azure connection that does not exist is named as such', async () => {
    h = await resumeVpn(saved, (state) => {
      delete state.azure.resources[names().azure.tunnels[1].connection.id.toLowerCase()];
    });
    const result = await check(h);
    expect(result.ready).toBe(false);
    expect(result.tunnels[1]).toMatchObject({ tunnel: 2, azure: 'NotFound' });
    expect(azureWrites(h)).toEqual([]);
  });

  it('a connection whose write failed is sent again while looks remain, and named at the bound', async () => {
    const failed = (state: CloudState) => {
      connectionOf(state, 2).operation = { kind: 'update', startedAt: 0, readyAt: 1, outcome: 'Failed', operationId: 'op-test' };
    };
    h = await resumeVpn(saved, failed);
    const result = await check(h, { attempt: 3 });
    expect(result).toMatchObject({ ready: false, attempt: 4 });
    expect(result.tunnels[1].azure).toBe('provisioningState Failed');
    expect(azureWrites(h).map((o) => o.resource.split('/').pop())).toEqual([connectionName(2)]);
    await h.close();

    h = await resumeVpn(saved, failed);
    const last = await thrown(check(h, { attempt: 4 }));
    expect(last).toBeInstanceOf(TunnelsDown);
    expect(last.message).toContain(`Azure connection reports provisioningState Failed`);
    expect(azureWrites(h)).toEqual([]);
  });

  it('a canceled connection write is sent again too', async () => {
    h = await resumeVpn(saved, (state) => {
      connectionOf(state, 1).operation = { kind: 'update', startedAt: 0, readyAt: 1, outcome: 'Canceled' as 'Failed', operationId: 'op-test' };
    });
    const result = await check(h);
    expect(result.tunnels[0].azure).toBe('provisioningState Canceled');
    expect(azureWrites(h).map((o) => o.resource.split('/').pop())).toEqual([connectionName(1)]);
  });

  it('the first look after a redrive joins the tunnels again and restarts the bound; later looks count on', async () => {
    h = await resumeVpn(saved, (state) => {
      connectionOf(state, 1).body.properties.sharedKey = WRONG_KEY;
    });
    // The first redrive: the look before it knew of none (no lastRedriveCount yet).
    const first = await check(h, { attempt: 5, redriveCount: 1 });
    expect(first).toMatchObject({ attempt: 1, redriveCount: 1 });
    expect(connectionOf(h.state, 1).body.properties.sharedKey).toBe(secretValue(h.state, saved.built.pskSecretArns[0]));

    const later = await check(h, { attempt: 1, redriveCount: 1, lastRedriveCount: 1 });
    expect(later).toMatchObject({ attempt: 2, redriveCount: 1 });
    expect(azureWrites(h).map((o) => o.resource.split('/').pop())).toEqual([connectionName(1)]);
  });

  it('a second redrive restarts the bound again', async () => {
    h = await resumeVpn(saved);
    expect(await check(h, { attempt: 5, redriveCount: 2, lastRedriveCount: 1 })).toMatchObject({ ready: true, attempt: 1, redriveCount: 2 });
  });

  it('without a redrive the key is not set again and a bound already reached stays reached', async () => {
    h = await resumeVpn(saved, (state) => {
      connectionOf(state, 1).body.properties.sharedKey = WRONG_KEY;
    });
    expect(await thrown(check(h, { attempt: 5, redriveCount: 1, lastRedriveCount: 1 }))).toBeInstanceOf(TunnelsDown);
    expect(connectionOf(h.state, 1).body.properties.sharedKey).toBe(WRONG_KEY);
    expect(await thrown(check(h, { attempt: 5 }))).toBeInstanceOf(TunnelsDown);
  });
});
