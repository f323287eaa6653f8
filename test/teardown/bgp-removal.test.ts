/**
 * The teardown's removal steps on an environment provisioned with BGP (bgp-support.ts), called as the state
 * machine calls them, with the real SDK clients against the emulated clouds: the four Azure connections go one
 * after the other (Azure runs one connection operation at a time per gateway) without a DELETE Azure would
 * refuse; the four local network gateways, the two gateway public IPs, the two VPN connections and the two
 * customer gateways each go together; the four tunnel keys are scheduled; a second pass changes nothing; a
 * look-alike that carries one of the BGP names but not our tags is listed as left and never touched.
 */
import { DescribeCustomerGatewaysCommand, DescribeVpnConnectionsCommand } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { Route53ResolverClient } from '@aws-sdk/client-route53resolver';
import { hubResourceNames } from '../../functions/commons/hub';
import { resourceNames } from '../../functions/commons/naming';
import type { CloudState } from '../../local/cloud/state';
import * as awsRemoval from '../../functions/remove-aws-vpn/remove-aws-vpn';
import * as azureRemoval from '../../functions/remove-azure/remove-azure';
import { takeInventory } from '../../functions/teardown-inventory/inventory';
import { temporaryDirectory } from '../local-runner/support';
import { copyState, startVpnClouds, untilReady, type VpnClouds } from '../workflow/vpn-support';
import { bgpRequestDocument, provisionBgpEnvironment, type SavedBgpEnvironment } from './bgp-support';

let saved: SavedBgpEnvironment;
beforeAll(async () => {
  saved = await provisionBgpEnvironment(temporaryDirectory('bgp-removal'));
}, 300_000);

let h: VpnClouds | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function resume(change: (state: CloudState) => void = () => undefined): Promise<VpnClouds> {
  const state = copyState(saved.state);
  change(state);
  return startVpnClouds({ state, clockStart: saved.clockAt });
}

const request = () => saved.request;
const input = () => ({ request: saved.request });
const calls = (clouds: VpnClouds, cloud: 'aws' | 'azure', name: string) => clouds.clouds.recorder.apiCalls[cloud][name] ?? 0;
const deletions = (clouds: VpnClouds, type: string) =>
  clouds.clouds.recorder.operations.filter((op) => op.cloud === 'azure' && op.operation === 'delete' && op.resource.toLowerCase().includes(`/${type.toLowerCase()}/`));
const storedAzure = (clouds: VpnClouds, id: string) => clouds.state.azure.resources[id.toLowerCase()];
const NOT_OURS = { owner: 'another-team' };
/** A retried removal answers `removed` when its DELETE found the resource gone at once, `absent` when a later look did. */
const gone = (outcome: string) => (outcome === 'removed' || outcome === 'absent' ? 'gone' : outcome);

describe('the Azure side of a BGP environment', () => {
  it('deletes the four connections in tunnel order, each once the one before is gone, with no DELETE Azure refuses', async () => {
    h = await resume();
    const clouds = h;
    const names = resourceNames(request());
    const { tunnels } = await untilReady(clouds, () => azureRemoval.removeConnections(clouds.arm, input()), 5);
    expect(tunnels.map((t) => [t.tunnel, gone(t.outcome)])).toEqual([
      [1, 'gone'],
      [2, 'gone'],
      [3, 'gone'],
      [4, 'gone'],
    ]);
    for (const tunnel of names.azure.tunnels) expect(storedAzure(clouds, tunnel.connection.id)).toBeUndefined();
    const deleted = deletions(clouds, 'connections');
    expect(deleted.map((op) => op.resource.toLowerCase())).toEqual(names.azure.tunnels.map((t) => t.connection.id.toLowerCase()));
    for (let i = 1; i < deleted.length; i++) expect(deleted[i].startedAt).toBeGreaterThanOrEqual(deleted[i - 1].readyAt);
    // Four DELETEs, none of them answered 409 AnotherOperationInProgress and sent again.
    expect(calls(clouds, 'azure', 'DELETE Microsoft.Network/connections')).toBe(4);
  });

  it('starts the deletions of the four local network gateways at once, then of both gateway public IPs at once', async () => {
    h = await resume();
    const clouds = h;
    const names = resourceNames(request());
    const hub = hubResourceNames(request());
    await untilReady(clouds, () => azureRemoval.removeConnections(clouds.arm, input()), 5);
    await expect(azureRemoval.removeLocalNetworkGateways(clouds.arm, input())).rejects.toThrow(/tunnel 1 .*tunnel 2 .*tunnel 3 .*tunnel 4 /);
    expect(deletions(clouds, 'localNetworkGateways')).toHaveLength(4);
    const lngs = await untilReady(clouds, () => azureRemoval.removeLocalNetworkGateways(clouds.arm, input()), 10);
    expect(lngs.tunnels.map((t) => gone(t.outcome))).toEqual(['gone', 'gone', 'gone', 'gone']);
    for (const tunnel of names.azure.tunnels) expect(storedAzure(clouds, tunnel.localNetworkGateway.id)).toBeUndefined();

    await untilReady(clouds, () => azureRemoval.removeVpnGateway(clouds.arm, input()), 60);
    await expect(azureRemoval.removePublicIp(clouds.arm, input())).rejects.toThrow(/second public IP/);
    expect(deletions(clouds, 'publicIPAddresses').map((op) => op.resource.toLowerCase()).sort()).toEqual([hub.publicIp.id, hub.secondPublicIp.id].map((id) => id.toLowerCase()).sort());
    expect(gone((await untilReady(clouds, () => azureRemoval.removePublicIp(clouds.arm, input()), 10)).outcome)).toBe('gone');
    expect([storedAzure(clouds, hub.publicIp.id), storedAzure(clouds, hub.secondPublicIp.id)]).toEqual([undefined, undefined]);

    // Again, as a re-run: every tunnel and both IPs answer absent, and no DELETE is sent.
    const before = JSON.stringify(clouds.clouds.recorder.apiCalls.azure);
    expect((await azureRemoval.removeConnections(clouds.arm, input())).tunnels.map((t) => t.outcome)).toEqual(['absent', 'absent', 'absent', 'absent']);
    expect((await azureRemoval.removeLocalNetworkGateways(clouds.arm, input())).tunnels.map((t) => t.outcome)).toEqual(['absent', 'absent', 'absent', 'absent']);
    expect(await azureRemoval.removePublicIp(clouds.arm, input())).toEqual({ outcome: 'absent' });
    const deletesOf = (text: string) => Object.entries(JSON.parse(text) as Record<string, number>).filter(([call]) => call.startsWith('DELETE '));
    expect(deletesOf(JSON.stringify(clouds.clouds.recorder.apiCalls.azure))).toEqual(deletesOf(before));
  });
});

describe('the AWS side of a BGP environment', () => {
  it('deletes both VPN connections together, then both customer gateways together, and schedules the four tunnel keys', async () => {
    h = await resume();
    const clouds = h;
    const names = resourceNames(request()).aws;
    await expect(awsRemoval.removeVpnConnection(clouds.ec2, input())).rejects.toThrow(/is being deleted/);
    expect(calls(clouds, 'aws', 'DeleteVpnConnection')).toBe(2);
    await untilReady(clouds, () => awsRemoval.removeVpnConnection(clouds.ec2, input()), 15);
    await untilReady(clouds, () => awsRemoval.detachVpnGateway(clouds.ec2, input()), 15);
    await untilReady(clouds, () => awsRemoval.removeVpnGateway(clouds.ec2, input()), 10);
    await expect(awsRemoval.removeCustomerGateway(clouds.ec2, input())).rejects.toThrow(/is being deleted/);
    expect(calls(clouds, 'aws', 'DeleteCustomerGateway')).toBe(2);
    await untilReady(clouds, () => awsRemoval.removeCustomerGateway(clouds.ec2, input()), 10);
    const keys = await awsRemoval.scheduleTunnelKeyDeletion(clouds.secrets, input());
    expect(keys.secrets.map((s) => s.outcome)).toEqual(['removed', 'removed', 'removed', 'removed']);

    const byName = (values: string[]) => [{ Name: 'tag:Name', Values: values }];
    const connections = (await clouds.ec2.send(new DescribeVpnConnectionsCommand({ Filters: byName(names.vpnConnections) }))).VpnConnections ?? [];
    const gateways = (await clouds.ec2.send(new DescribeCustomerGatewaysCommand({ Filters: byName(names.customerGateways) }))).CustomerGateways ?? [];
    expect([connections.map((c) => c.State), gateways.map((g) => g.State)]).toEqual([
      ['deleted', 'deleted'],
      ['deleted', 'deleted'],
    ]);
    const scheduled = clouds.state.aws.secrets.filter((s) => names.pskSecretNames.includes(s.Name!));
    expect(scheduled.map((s) => [s.Name, s.DeletedDate !== undefined])).toEqual(names.pskSecretNames.map((name) => [name, true]));

    // Again: nothing more is asked of EC2 or Secrets Manager.
    await awsRemoval.removeVpnConnection(clouds.ec2, input());
    await awsRemoval.removeCustomerGateway(clouds.ec2, input());
    await awsRemoval.scheduleTunnelKeyDeletion(clouds.secrets, input());
    expect([calls(clouds, 'aws', 'DeleteVpnConnection'), calls(clouds, 'aws', 'DeleteCustomerGateway'), calls(clouds, 'aws', 'DeleteSecret')]).toEqual([2, 2, 4]);
  });
});

describe('look-alikes with the BGP names', () => {
  it("are listed as left by the inventory and left untouched by the removals, while the environment's own go", async () => {
    const names = resourceNames(saved.request);
    const tunnel3 = names.azure.tunnels[2];
    // Another team's: tunnel 3's pair in Azure, the second VPN connection and customer gateway, tunnel 4's key.
    h = await resume((state) => {
      for (const id of [tunnel3.connection.id, tunnel3.localNetworkGateway.id]) state.azure.resources[id.toLowerCase()].body.tags = { ...NOT_OURS };
      const named = (tags: { Key?: string; Value?: string }[] | undefined, name: string) => (tags ?? []).some((t) => t.Key === 'Name' && t.Value === name);
      for (const resource of [
        state.aws.vpnConnections.find((c) => named(c.Tags, names.aws.vpnConnections[1]))!,
        state.aws.customerGateways.find((g) => named(g.Tags, names.aws.customerGateways[1]))!,
      ]) {
        resource.Tags = [{ Key: 'Name', Value: resource.Tags!.find((t) => t.Key === 'Name')!.Value! }, { Key: 'owner', Value: 'another-team' }];
      }
      state.aws.secrets.find((s) => s.Name === names.aws.pskSecretNames[3])!.Tags = [{ Key: 'owner', Value: 'another-team' }];
    });
    const clouds = h;
    const aws = { endpoint: clouds.clouds.awsEndpoint, region: 'ap-northeast-1', credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret' } };
    const resolver = new Route53ResolverClient(aws);
    const lambda = new LambdaClient(aws);
    try {
      const { inventory } = await takeInventory(bgpRequestDocument(), { arm: clouds.arm, ec2: clouds.ec2, secrets: clouds.secrets, resolver, lambda }, { deploymentRegion: 'ap-northeast-1' });
      const foreign = inventory.foreign.map((entry) => entry.name).sort();
      expect(foreign).toEqual([tunnel3.connection.name, tunnel3.localNetworkGateway.name, names.aws.customerGateways[1], names.aws.vpnConnections[1], names.aws.pskSecretNames[3]].sort());
      for (const entry of inventory.foreign) expect(entry.reason).toMatch(/lacks the tag managed-by/);
      const ours = inventory.ours.map((entry) => entry.name);
      expect(ours).toEqual(expect.arrayContaining([names.azure.tunnels[3].connection.name, names.azure.tunnels[3].localNetworkGateway.name, names.aws.customerGateways[0], names.aws.vpnConnections[0], names.aws.pskSecretNames[2]]));
    } finally {
      resolver.destroy();
      lambda.destroy();
    }

    const before = JSON.stringify([storedAzure(clouds, tunnel3.connection.id).body, storedAzure(clouds, tunnel3.localNetworkGateway.id).body]);
    const connections = await untilReady(clouds, () => azureRemoval.removeConnections(clouds.arm, input()), 5);
    const lngs = await untilReady(clouds, () => azureRemoval.removeLocalNetworkGateways(clouds.arm, input()), 10);
    expect([connections.tunnels.map((t) => gone(t.outcome)), lngs.tunnels.map((t) => gone(t.outcome))]).toEqual([
      ['gone', 'gone', 'left', 'gone'],
      ['gone', 'gone', 'left', 'gone'],
    ]);
    expect(JSON.stringify([storedAzure(clouds, tunnel3.connection.id).body, storedAzure(clouds, tunnel3.localNetworkGateway.id).body])).toBe(before);

    await untilReady(clouds, () => awsRemoval.removeVpnConnection(clouds.ec2, input()), 15);
    const theirs = await clouds.ec2.send(new DescribeVpnConnectionsCommand({ Filters: [{ Name: 'tag:Name', Values: [names.aws.vpnConnections[1]] }] }));
    expect(theirs.VpnConnections!.map((c) => c.State)).toEqual(['available']);
    expect(calls(clouds, 'aws', 'DeleteVpnConnection')).toBe(1);
    const keys = await awsRemoval.scheduleTunnelKeyDeletion(clouds.secrets, input());
    expect(keys.secrets.map((s) => s.outcome)).toEqual(['removed', 'removed', 'removed', 'left']);
    expect(clouds.state.aws.secrets.find((s) => s.Name === names.aws.pskSecretNames[3])!.DeletedDate).toBeUndefined();
  });
});
