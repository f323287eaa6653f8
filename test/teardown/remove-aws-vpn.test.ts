/**
 * The AWS VPN removal steps (functions/remove-aws-vpn) against the emulated EC2 and Secrets Manager, with the
 * real SDK clients: each removes only what is ours, in the order EC2 allows, waiting (ResourceNotReady) while a
 * deletion it started is going; a second call changes nothing; a lost answer or a repeated call converges; a
 * look-alike without our tags is left; no tunnel key ever appears in what they answer. And provisioning again
 * within the tunnel keys' recovery window restores our scheduled secrets with new keys.
 */
import {
  CreateCustomerGatewayCommand,
  CreateVpnConnectionCommand,
  CreateVpnGatewayCommand,
  DescribeCustomerGatewaysCommand,
  DescribeVpnConnectionsCommand,
  DescribeVpnGatewaysCommand,
} from '@aws-sdk/client-ec2';
import { CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import * as awsVpn from '../../functions/aws-vpn/aws-vpn';
import { ResourceConflict, ResourceNotReady } from '../../functions/commons/errors';
import { MANAGED_BY, resourceNames } from '../../functions/commons/naming';
import { TUNNEL_KEY_RECOVERY_WINDOW_DAYS, type RemovalOutcome } from '../../functions/commons/teardown-data';
import * as removal from '../../functions/remove-aws-vpn/remove-aws-vpn';
import { buildAwsSide, startVpnClouds, untilReady, vpnRequest, type VpnClouds } from '../workflow/vpn-support';

/** A teardown looks for the keys of tunnels 3 and 4 too (BGP routing's), whatever the request says: none here. */
const BGP_ONLY_KEYS_ABSENT = [{ outcome: 'absent' }, { outcome: 'absent' }];

const AZURE_IP = '20.48.1.10';
const request = vpnRequest();
const names = resourceNames(request).aws;
const input = { request };

let h: VpnClouds;
afterEach(async () => {
  await h?.close();
});

/** How many times the emulated AWS was asked each delete-like action. */
const deletes = (clouds: VpnClouds) =>
  Object.fromEntries(Object.entries(clouds.clouds.recorder.apiCalls.aws).filter(([action]) => /^(Delete|Detach|Restore|Put)/.test(action)));

/** The tunnel keys the emulated Secrets Manager holds for the environment, to look for in outputs. */
const tunnelKeys = (clouds: VpnClouds) => clouds.state.aws.secrets.filter((s) => (names.pskSecretNames as string[]).includes(s.Name)).map((s) => s.SecretString as string);

async function removeAll(clouds: VpnClouds) {
  const outcomes: Record<string, unknown> = {};
  outcomes.connection = await untilReady(clouds, () => removal.removeVpnConnection(clouds.ec2, input), 15);
  outcomes.detach = await untilReady(clouds, () => removal.detachVpnGateway(clouds.ec2, input), 15);
  outcomes.gateway = await untilReady(clouds, () => removal.removeVpnGateway(clouds.ec2, input), 10);
  outcomes.customerGateway = await untilReady(clouds, () => removal.removeCustomerGateway(clouds.ec2, input), 10);
  outcomes.keys = await removal.scheduleTunnelKeyDeletion(clouds.secrets, input);
  return outcomes;
}

async function ec2States(clouds: VpnClouds) {
  const byName = (name: string) => [{ Name: 'tag:Name', Values: [name] }];
  return {
    connections: ((await clouds.ec2.send(new DescribeVpnConnectionsCommand({ Filters: byName(names.vpnConnection) }))).VpnConnections ?? []).map((c) => c.State),
    gateways: ((await clouds.ec2.send(new DescribeVpnGatewaysCommand({ Filters: byName(names.vpnGateway) }))).VpnGateways ?? []).map((g) => g.State),
    customerGateways: ((await clouds.ec2.send(new DescribeCustomerGatewaysCommand({ Filters: byName(names.customerGateway) }))).CustomerGateways ?? []).map(
      (g) => g.State,
    ),
  };
}

test('removes our VPN connection, detaches and deletes our gateway, deletes our customer gateway and schedules our keys; a second pass changes nothing', async () => {
  h = await startVpnClouds();
  const built = await buildAwsSide(h, request, AZURE_IP);
  const keys = tunnelKeys(h);
  expect(keys).toHaveLength(2);

  // Each removal starts its deletion and waits: the first answer is ResourceNotReady, not an outcome.
  await expect(removal.removeVpnConnection(h.ec2, input)).rejects.toBeInstanceOf(ResourceNotReady);
  const outcomes = await removeAll(h);
  expect(outcomes).toEqual({
    connection: { outcome: 'removed', id: built.vpnConnectionId },
    detach: { outcome: 'removed', id: built.vpnGatewayId },
    gateway: { outcome: 'removed', id: built.vpnGatewayId },
    customerGateway: { outcome: 'removed', id: built.customerGatewayId },
    // Tunnels 3 and 4 (BGP routing's) are looked for too, whatever the request's routing: absent here.
    keys: { secrets: [...built.pskSecretArns.map((id) => ({ outcome: 'removed', id })), ...BGP_ONLY_KEYS_ABSENT], recoveryWindowInDays: TUNNEL_KEY_RECOVERY_WINDOW_DAYS },
  });
  expect(await ec2States(h)).toEqual({ connections: ['deleted'], gateways: ['deleted'], customerGateways: ['deleted'] });
  const vgw = h.state.aws.vpnGateways.find((g) => g.VpnGatewayId === built.vpnGatewayId)!;
  expect(vgw.Attachments.every((a) => a.deletedAt !== undefined)).toBe(true);
  for (const arn of built.pskSecretArns) {
    const secret = await h.secrets.send(new DescribeSecretCommand({ SecretId: arn }));
    // Scheduled, with the window the summary states, not deleted outright.
    expect(secret.DeletedDate).toBeInstanceOf(Date);
    const window = h.state.aws.secrets.find((s) => s.ARN === arn)!;
    expect((window.DeletionDate! - window.DeletedDate!) / 86_400).toBe(TUNNEL_KEY_RECOVERY_WINDOW_DAYS);
  }
  expect(deletes(h)).toEqual({ DeleteVpnConnection: 1, DetachVpnGateway: 1, DeleteVpnGateway: 1, DeleteCustomerGateway: 1, DeleteSecret: 2 });

  // Again, as a re-run of the teardown: no call changes anything, and what is gone reads as gone.
  const again = await removeAll(h);
  expect(deletes(h)).toEqual({ DeleteVpnConnection: 1, DetachVpnGateway: 1, DeleteVpnGateway: 1, DeleteCustomerGateway: 1, DeleteSecret: 2 });
  expect((again.keys as { secrets: RemovalOutcome[] }).secrets.map((s) => s.outcome)).toEqual(['removed', 'removed', 'absent', 'absent']);
  expect((again.detach as RemovalOutcome).outcome).not.toBe('left');

  // Secrets never in what the steps answer.
  const answered = JSON.stringify([outcomes, again]);
  for (const key of keys) expect(answered).not.toContain(key);
});

test('a nothing-there environment answers absent for every step, and calls no delete', async () => {
  h = await startVpnClouds();
  const outcomes = await removeAll(h);
  expect(outcomes).toEqual({
    connection: { outcome: 'absent' },
    detach: { outcome: 'absent' },
    gateway: { outcome: 'absent' },
    customerGateway: { outcome: 'absent' },
    keys: { secrets: [{ outcome: 'absent' }, { outcome: 'absent' }, ...BGP_ONLY_KEYS_ABSENT], recoveryWindowInDays: TUNNEL_KEY_RECOVERY_WINDOW_DAYS },
  });
  expect(deletes(h)).toEqual({});
});

test('out of order, EC2 refuses by code and the step waits: the gateways stay until the connection is deleted', async () => {
  h = await startVpnClouds();
  const built = await buildAwsSide(h, request, AZURE_IP);
  // The customer gateway while our connection uses it: waiting, not failing, and not even asked.
  await expect(removal.removeCustomerGateway(h.ec2, input)).rejects.toBeInstanceOf(ResourceNotReady);
  // The gateway while attached: waits without asking EC2 to delete it.
  await expect(removal.removeVpnGateway(h.ec2, input)).rejects.toBeInstanceOf(ResourceNotReady);
  expect(h.clouds.recorder.apiCalls.aws.DeleteVpnGateway ?? 0).toBe(0);
  expect(h.clouds.recorder.apiCalls.aws.DeleteCustomerGateway ?? 0).toBe(0);
  expect(await ec2States(h)).toEqual({ connections: ['available'], gateways: ['available'], customerGateways: ['available'] });

  // Asked again and again while the connection is deleting, the delete is sent once.
  await expect(removal.removeVpnConnection(h.ec2, input)).rejects.toBeInstanceOf(ResourceNotReady);
  await expect(removal.removeVpnConnection(h.ec2, input)).rejects.toBeInstanceOf(ResourceNotReady);
  await expect(removal.removeVpnConnection(h.ec2, input)).rejects.toBeInstanceOf(ResourceNotReady);
  expect(h.clouds.recorder.apiCalls.aws.DeleteVpnConnection).toBe(1);
  expect(await untilReady(h, () => removal.removeVpnConnection(h.ec2, input), 15)).toEqual({ outcome: 'removed', id: built.vpnConnectionId });
  expect(await untilReady(h, () => removal.removeCustomerGateway(h.ec2, input), 10)).toEqual({ outcome: 'removed', id: built.customerGatewayId });
});

test('every delete answer lost (drop-response), then asked again: converges to everything removed', async () => {
  h = await startVpnClouds({
    faults: ['DeleteVpnConnection', 'DetachVpnGateway', 'DeleteVpnGateway', 'DeleteCustomerGateway', 'DeleteSecret'].map((op) => `drop-response:${op}`).join(','),
  });
  const built = await buildAwsSide(h, request, AZURE_IP);
  const outcomes = await removeAll(h);
  expect(outcomes.connection).toEqual({ outcome: 'removed', id: built.vpnConnectionId });
  expect(outcomes.gateway).toEqual({ outcome: 'removed', id: built.vpnGatewayId });
  expect(outcomes.customerGateway).toEqual({ outcome: 'removed', id: built.customerGatewayId });
  expect((outcomes.keys as { secrets: RemovalOutcome[] }).secrets.map((s) => s.outcome)).toEqual(['removed', 'removed', 'absent', 'absent']);
  expect(await ec2States(h)).toEqual({ connections: ['deleted'], gateways: ['deleted'], customerGateways: ['deleted'] });
  expect(h.state.aws.secrets.filter((s) => built.pskSecretArns.includes(s.ARN)).every((s) => s.DeletedDate !== undefined)).toBe(true);
});

test('look-alikes with our names but not our tags are left untouched, the environment tag of another one too', async () => {
  h = await startVpnClouds();
  const tags = (type: string, name: string, extra: { Key: string; Value: string }[] = []) => [
    { ResourceType: type as never, Tags: [{ Key: 'Name', Value: name }, ...extra] },
  ];
  const otherEnvironment = [
    { Key: 'managed-by', Value: MANAGED_BY },
    { Key: 'environment', Value: 'someone-else-01' },
  ];
  const cgw = (await h.ec2.send(new CreateCustomerGatewayCommand({ Type: 'ipsec.1', IpAddress: '198.51.100.7', BgpAsn: 65010, TagSpecifications: tags('customer-gateway', names.customerGateway) }))).CustomerGateway!;
  const vgw = (await h.ec2.send(new CreateVpnGatewayCommand({ Type: 'ipsec.1', TagSpecifications: tags('vpn-gateway', names.vpnGateway, otherEnvironment) }))).VpnGateway!;
  await h.sleep(60);
  const vpn = (
    await h.ec2.send(
      new CreateVpnConnectionCommand({
        Type: 'ipsec.1',
        CustomerGatewayId: cgw.CustomerGatewayId,
        VpnGatewayId: vgw.VpnGatewayId,
        Options: { StaticRoutesOnly: true },
        TagSpecifications: tags('vpn-connection', names.vpnConnection),
      }),
    )
  ).VpnConnection!;
  const secret = await h.secrets.send(new CreateSecretCommand({ Name: names.pskSecretNames[0], SecretString: 'someone-elses-value-42' }));

  const outcomes = await removeAll(h);
  expect(outcomes).toEqual({
    connection: { outcome: 'left', id: vpn.VpnConnectionId, reason: `it lacks the tags managed-by=${MANAGED_BY} and environment=${request.environmentId}` },
    detach: { outcome: 'left', id: vgw.VpnGatewayId, reason: `it lacks the tag environment=${request.environmentId}` },
    gateway: { outcome: 'left', id: vgw.VpnGatewayId, reason: `it lacks the tag environment=${request.environmentId}` },
    customerGateway: { outcome: 'left', id: cgw.CustomerGatewayId, reason: `it lacks the tags managed-by=${MANAGED_BY} and environment=${request.environmentId}` },
    keys: {
      secrets: [{ outcome: 'left', id: secret.ARN, reason: `it lacks the tags managed-by=${MANAGED_BY} and environment=${request.environmentId}` }, { outcome: 'absent' }, ...BGP_ONLY_KEYS_ABSENT],
      recoveryWindowInDays: TUNNEL_KEY_RECOVERY_WINDOW_DAYS,
    },
  });
  expect(deletes(h)).toEqual({});
  expect((await h.secrets.send(new DescribeSecretCommand({ SecretId: secret.ARN }))).DeletedDate).toBeUndefined();
});

test("our customer gateway used by a VPN connection that is not ours: the teardown stops naming it, deleting neither", async () => {
  h = await startVpnClouds();
  const built = await buildAwsSide(h, request, AZURE_IP);
  await untilReady(h, () => removal.removeVpnConnection(h.ec2, input), 15);
  const theirGateway = (await h.ec2.send(new CreateVpnGatewayCommand({ Type: 'ipsec.1' }))).VpnGateway!;
  await h.sleep(60);
  const theirs = (
    await h.ec2.send(new CreateVpnConnectionCommand({ Type: 'ipsec.1', CustomerGatewayId: built.customerGatewayId, VpnGatewayId: theirGateway.VpnGatewayId, Options: { StaticRoutesOnly: true } }))
  ).VpnConnection!;
  const refused = removal.removeCustomerGateway(h.ec2, input);
  await expect(refused).rejects.toBeInstanceOf(ResourceConflict);
  await expect(refused).rejects.toThrow(theirs.VpnConnectionId!);
  expect(h.clouds.recorder.apiCalls.aws.DeleteCustomerGateway ?? 0).toBe(0);
  expect(h.clouds.recorder.apiCalls.aws.DeleteVpnConnection).toBe(1);
});

test('provisioning again within the recovery window restores our scheduled keys, with new values, under the same ARNs', async () => {
  h = await startVpnClouds();
  const first = await buildAwsSide(h, request, AZURE_IP);
  const oldKeys = tunnelKeys(h);
  await removeAll(h);

  const second = await buildAwsSide(h, request, AZURE_IP);
  expect(second.pskSecretArns).toEqual(first.pskSecretArns);
  expect(second.vpnConnectionId).not.toBe(first.vpnConnectionId);
  const newKeys: string[] = [];
  for (const arn of second.pskSecretArns) {
    expect((await h.secrets.send(new DescribeSecretCommand({ SecretId: arn }))).DeletedDate).toBeUndefined();
    newKeys.push((await h.secrets.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString!);
  }
  for (const key of newKeys) expect(oldKeys).not.toContain(key);
  // The new connection's tunnels carry the new keys.
  const connection = h.state.aws.vpnConnections.find((c) => c.VpnConnectionId === second.vpnConnectionId)!;
  expect(JSON.stringify(connection)).toContain(newKeys[0]);
  expect(deletes(h)).toMatchObject({ RestoreSecret: 2, PutSecretValue: 2 });

  // Once more (a retry of the same step): the restored keys are read, not replaced again.
  const keysAgain = [
    await awsVpn.ensureTunnelKey(h.secrets, request.environmentId, names.pskSecretNames[0]),
    await awsVpn.ensureTunnelKey(h.secrets, request.environmentId, names.pskSecretNames[1]),
  ];
  expect(keysAgain.map((k) => k.key)).toEqual(newKeys);
  expect(deletes(h)).toMatchObject({ RestoreSecret: 2, PutSecretValue: 2 });
});

test('a scheduled secret with a tunnel key name that is not ours is not restored: provisioning stops naming it', async () => {
  h = await startVpnClouds();
  const theirs = await h.secrets.send(new CreateSecretCommand({ Name: names.pskSecretNames[0], SecretString: 'someone-elses-value-42' }));
  h.state.aws.secrets.find((s) => s.ARN === theirs.ARN)!.DeletedDate = h.clouds.clock.now();
  h.state.aws.secrets.find((s) => s.ARN === theirs.ARN)!.DeletionDate = h.clouds.clock.now() + 7 * 86_400;
  const refused = awsVpn.ensureTunnelKey(h.secrets, request.environmentId, names.pskSecretNames[0]);
  await expect(refused).rejects.toBeInstanceOf(ResourceConflict);
  await expect(refused).rejects.toThrow(theirs.ARN!);
  expect(h.clouds.recorder.apiCalls.aws.RestoreSecret ?? 0).toBe(0);
});
