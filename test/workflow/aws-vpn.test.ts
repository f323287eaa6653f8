/**
 * The AWS side of the VPN as plain functions with real SDK clients against emulated EC2 and Secrets Manager:
 * every look-up finds what an earlier attempt made and never duplicates it, what is not ours (a look-alike, a
 * deleted one) is never adopted, and the tunnel keys are stored once and only their ARNs leave.
 */
import { DescribeVpnConnectionsCommand } from '@aws-sdk/client-ec2';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  attachVpnGateway,
  completeVpnConnection,
  createCustomerGateway,
  createVpnConnection,
  createVpnGateway,
  enableRoutePropagation,
  ensureTunnelKey,
} from '../../functions/aws-vpn/aws-vpn';
import { ResourceConflict, ResourceFailed, ResourceNotReady } from '../../functions/commons/errors';
import type { Tag } from '../../local/cloud/state';
import { FACTS, startVpnClouds, vpnRequest, type VpnClouds } from './vpn-support';

const ENV = 'aoai-prod-01';
const VPC = 'vpc-0a1b2c3d4e5f60001';
const TABLE = 'rtb-0a1b2c3d4e5f60001';
const AZURE_IP = '20.48.1.10';
const OUR_TAGS = (name: string): Tag[] => [
  { Key: 'Name', Value: name },
  { Key: 'managed-by', Value: 'aoai-private-link' },
  { Key: 'environment', Value: ENV },
];

let h: VpnClouds | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const request = vpnRequest();
const input = { request, facts: FACTS };
const calls = (clouds: VpnClouds, action: string) => clouds.clouds.recorder.apiCalls.aws[action] ?? 0;
const live = <T extends { deletedAt?: number }>(items: T[]) => items.filter((i) => i.deletedAt === undefined);

async function thrown(promise: Promise<unknown>): Promise<any> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error) => error,
  );
}

describe('the customer gateway', () => {
  it('is created once for the Azure address, with our tags; a re-run finds it', async () => {
    h = await startVpnClouds();
    const first = await createCustomerGateway(h.ec2, h.ec2Once, { ...input, publicIp: AZURE_IP });
    const again = await createCustomerGateway(h.ec2, h.ec2Once, { ...input, publicIp: AZURE_IP });
    expect(again).toEqual(first);
    await h.sleep(10);
    expect(await createCustomerGateway(h.ec2, h.ec2Once, { ...input, publicIp: AZURE_IP })).toEqual(first);
    expect(calls(h, 'CreateCustomerGateway')).toBe(1);
    const [cgw] = live(h.state.aws.customerGateways);
    expect(live(h.state.aws.customerGateways)).toHaveLength(1);
    expect(cgw).toMatchObject({ CustomerGatewayId: first.customerGatewayId, IpAddress: AZURE_IP, BgpAsn: '65000', Type: 'ipsec.1', DeviceName: `Azure VPN gateway for ${ENV}` });
    expect(cgw.Tags).toEqual(expect.arrayContaining(OUR_TAGS(`aoai-link-${ENV}-cgw`)));
  });

  it('a deleted one of ours or a look-alike with our name is not adopted', async () => {
    h = await startVpnClouds();
    h.state.aws.customerGateways.push(
      { CustomerGatewayId: 'cgw-0000000000000dead', IpAddress: AZURE_IP, BgpAsn: '65000', Type: 'ipsec.1', Tags: OUR_TAGS(`aoai-link-${ENV}-cgw`), createdAt: 0, readyAt: 0, deletedAt: 1 },
      { CustomerGatewayId: 'cgw-00000000000000a1', IpAddress: '198.51.100.1', BgpAsn: '65000', Type: 'ipsec.1', Tags: [{ Key: 'Name', Value: `aoai-link-${ENV}-cgw` }], createdAt: 0, readyAt: 0 },
    );
    await h.sleep(5);
    const { customerGatewayId } = await createCustomerGateway(h.ec2, h.ec2Once, { ...input, publicIp: AZURE_IP });
    expect(customerGatewayId).not.toBe('cgw-0000000000000dead');
    expect(customerGatewayId).not.toBe('cgw-00000000000000a1');
    expect(calls(h, 'CreateCustomerGateway')).toBe(1);
  });

  it("one at the same address that is not ours, which EC2 answers a create with, is refused, not adopted", async () => {
    h = await startVpnClouds();
    h.state.aws.customerGateways.push({
      CustomerGatewayId: 'cgw-00000000000000b2',
      IpAddress: AZURE_IP,
      BgpAsn: '65000',
      Type: 'ipsec.1',
      Tags: [{ Key: 'team', Value: 'someone-else' }],
      createdAt: 0,
      readyAt: 0,
    });
    const error = await thrown(createCustomerGateway(h.ec2, h.ec2Once, { ...input, publicIp: AZURE_IP }));
    expect(error).toBeInstanceOf(ResourceConflict);
    expect(error.message).toContain('cgw-00000000000000b2');
    expect(h.state.aws.customerGateways.find((c) => c.CustomerGatewayId === 'cgw-00000000000000b2')!.Tags).toEqual([{ Key: 'team', Value: 'someone-else' }]);
  });

  it('ours at another address is a conflict, and nothing more is created', async () => {
    h = await startVpnClouds();
    const { customerGatewayId } = await createCustomerGateway(h.ec2, h.ec2Once, { ...input, publicIp: AZURE_IP });
    const error = await thrown(createCustomerGateway(h.ec2, h.ec2Once, { ...input, publicIp: '20.48.1.11' }));
    expect(error).toBeInstanceOf(ResourceConflict);
    expect(error.message).toContain(customerGatewayId);
    expect(live(h.state.aws.customerGateways)).toHaveLength(1);
  });

  it('a create whose answer was lost is found by the look-up after it, not sent twice', async () => {
    h = await startVpnClouds({ faults: 'drop-response:CreateCustomerGateway' });
    const { customerGatewayId } = await createCustomerGateway(h.ec2, h.ec2Once, { ...input, publicIp: AZURE_IP });
    expect(live(h.state.aws.customerGateways).map((c) => c.CustomerGatewayId)).toEqual([customerGatewayId]);
    expect(calls(h, 'CreateCustomerGateway')).toBe(1);
  });
});

describe('the virtual private gateway', () => {
  it('is created once with our tags; a re-run finds it; a deleted one or a look-alike is not adopted', async () => {
    h = await startVpnClouds();
    h.state.aws.vpnGateways.push(
      { VpnGatewayId: 'vgw-0000000000000dead', Type: 'ipsec.1', AmazonSideAsn: 64512, Attachments: [], Tags: OUR_TAGS(`aoai-link-${ENV}-vgw`), createdAt: 0, readyAt: 0, deletedAt: 1 },
      { VpnGatewayId: 'vgw-00000000000000a1', Type: 'ipsec.1', AmazonSideAsn: 64512, Attachments: [], Tags: [{ Key: 'Name', Value: `aoai-link-${ENV}-vgw` }], createdAt: 0, readyAt: 0 },
    );
    await h.sleep(5);
    const first = await createVpnGateway(h.ec2, h.ec2Once, input);
    expect(first.vpnGatewayId).not.toMatch(/dead|a1$/);
    expect(await createVpnGateway(h.ec2, h.ec2Once, input)).toEqual(first);
    expect(calls(h, 'CreateVpnGateway')).toBe(1);
    const vgw = h.state.aws.vpnGateways.find((g) => g.VpnGatewayId === first.vpnGatewayId)!;
    expect(vgw).toMatchObject({ Type: 'ipsec.1', AmazonSideAsn: 64512 });
    expect(vgw.Tags).toEqual(expect.arrayContaining(OUR_TAGS(`aoai-link-${ENV}-vgw`)));
  });

  it('a pending one is found too (no second gateway while the first is built)', async () => {
    h = await startVpnClouds();
    const first = await createVpnGateway(h.ec2, h.ec2Once, input);
    expect(await createVpnGateway(h.ec2, h.ec2Once, input)).toEqual(first);
    expect(live(h.state.aws.vpnGateways)).toHaveLength(1);
  });

  it('a create whose answer was lost is not sent twice', async () => {
    h = await startVpnClouds({ faults: 'drop-response:CreateVpnGateway' });
    const { vpnGatewayId } = await createVpnGateway(h.ec2, h.ec2Once, input);
    expect(live(h.state.aws.vpnGateways).map((g) => g.VpnGatewayId)).toEqual([vpnGatewayId]);
  });

  it('is attached once, after it is available; a re-run sends no second attach; a detached one is attached again', async () => {
    h = await startVpnClouds();
    const { vpnGatewayId } = await createVpnGateway(h.ec2, h.ec2Once, input);
    expect(await thrown(attachVpnGateway(h.ec2, { ...input, vpnGatewayId }))).toBeInstanceOf(ResourceNotReady);
    expect(calls(h, 'AttachVpnGateway')).toBe(0);
    await h.sleep(30);
    // Available now: a re-run still finds it.
    expect(await createVpnGateway(h.ec2, h.ec2Once, input)).toEqual({ vpnGatewayId, ready: true });
    expect(calls(h, 'CreateVpnGateway')).toBe(1);
    expect(await attachVpnGateway(h.ec2, { ...input, vpnGatewayId })).toEqual({ attachment: 'attaching' });
    expect(await attachVpnGateway(h.ec2, { ...input, vpnGatewayId })).toEqual({ attachment: 'attaching' });
    await h.sleep(60);
    expect(await attachVpnGateway(h.ec2, { ...input, vpnGatewayId })).toEqual({ attachment: 'attached' });
    expect(calls(h, 'AttachVpnGateway')).toBe(1);

    const vgw = h.state.aws.vpnGateways.find((g) => g.VpnGatewayId === vpnGatewayId)!;
    vgw.Attachments[0].deletedAt = h.clouds.clock.now();
    await h.sleep(1);
    expect(await attachVpnGateway(h.ec2, { ...input, vpnGatewayId })).toEqual({ attachment: 'attaching' });
    expect(calls(h, 'AttachVpnGateway')).toBe(2);
    expect(live(vgw.Attachments).map((a) => a.VpcId)).toEqual([VPC]);
  });

  it('an attachment to another VPC is not ours to count', async () => {
    h = await startVpnClouds();
    const { vpnGatewayId } = await createVpnGateway(h.ec2, h.ec2Once, input);
    await h.sleep(30);
    const vgw = h.state.aws.vpnGateways.find((g) => g.VpnGatewayId === vpnGatewayId)!;
    vgw.Attachments.push({ VpcId: 'vpc-0a1b2c3d4e5f69999', createdAt: 0, readyAt: 0 });
    const routeInput = { ...input, vpnGatewayId };
    expect(await thrown(enableRoutePropagation(h.ec2, routeInput))).toBeInstanceOf(ResourceNotReady);
    const error = await thrown(attachVpnGateway(h.ec2, routeInput));
    // EC2 refuses a second VPC; what matters is that the product asked for its own VPC.
    expect(calls(h, 'AttachVpnGateway')).toBe(1);
    expect(error).toBeDefined();
  });

  it('a gateway that no longer exists fails the step', async () => {
    h = await startVpnClouds();
    const { vpnGatewayId } = await createVpnGateway(h.ec2, h.ec2Once, input);
    h.state.aws.vpnGateways = [];
    const error = await thrown(attachVpnGateway(h.ec2, { ...input, vpnGatewayId }));
    expect(error).not.toBeInstanceOf(ResourceNotReady);
    expect(calls(h, 'AttachVpnGateway')).toBe(0);
  });
});

describe('route propagation', () => {
  it('waits for the attachment, then turns propagation on once per table; a re-run sends nothing', async () => {
    h = await startVpnClouds();
    const { vpnGatewayId } = await createVpnGateway(h.ec2, h.ec2Once, input);
    const routeInput = { ...input, vpnGatewayId };
    await h.sleep(30);
    const unattached = await thrown(enableRoutePropagation(h.ec2, routeInput));
    expect(unattached).toBeInstanceOf(ResourceNotReady);
    expect(unattached.message).toBe(`Virtual private gateway ${vpnGatewayId} is not attached to ${VPC}`);
    await attachVpnGateway(h.ec2, routeInput);
    const attaching = await thrown(enableRoutePropagation(h.ec2, routeInput));
    expect(attaching).toBeInstanceOf(ResourceNotReady);
    expect(attaching.message).toBe(`Virtual private gateway ${vpnGatewayId} is attaching to ${VPC}`);
    expect(calls(h, 'EnableVgwRoutePropagation')).toBe(0);
    await h.sleep(60);
    const table = h.state.aws.routeTables.find((t) => t.RouteTableId === TABLE)!;
    table.PropagatingVgws.push('vgw-0000000000000beef');
    expect(await enableRoutePropagation(h.ec2, routeInput)).toEqual({ routeTableIds: [TABLE] });
    expect(await enableRoutePropagation(h.ec2, routeInput)).toEqual({ routeTableIds: [TABLE] });
    expect(calls(h, 'EnableVgwRoutePropagation')).toBe(1);
    expect(table.PropagatingVgws).toEqual(['vgw-0000000000000beef', vpnGatewayId]);
  });
});

describe('the tunnel keys', () => {
  const NAME = `aoai-link/${ENV}/tunnel-1-psk`;

  it('are stored once, tagged, and read back on a re-run; encrypted with the deployment’s KMS key when it has one', async () => {
    h = await startVpnClouds();
    const before = process.env.TUNNEL_KEY_KMS_KEY_ID;
    process.env.TUNNEL_KEY_KMS_KEY_ID = '';
    try {
      const first = await ensureTunnelKey(h.secrets, ENV, NAME);
      const again = await ensureTunnelKey(h.secrets, ENV, NAME);
      expect(again).toEqual(first);
      expect(calls(h, 'CreateSecret')).toBe(1);
      const secret = h.state.aws.secrets.find((s) => s.Name === NAME)!;
      expect(secret.ARN).toBe(first.arn);
      expect(secret.SecretString).toBe(first.key);
      expect(secret.Tags).toEqual(expect.arrayContaining(OUR_TAGS(ENV).slice(1)));
      expect(secret.Description).toBe(`Pre-shared key of an AWS-Azure VPN tunnel for environment ${ENV}`);
      // No key configured: Secrets Manager's own aws/secretsmanager key, not an empty key id.
      expect((await h.secrets.send(new DescribeSecretCommand({ SecretId: NAME }))).KmsKeyId).toBeUndefined();

      process.env.TUNNEL_KEY_KMS_KEY_ID = 'alias/aoai-link-tunnel-keys';
      await ensureTunnelKey(h.secrets, ENV, `aoai-link/${ENV}/tunnel-2-psk`);
      const described = await h.secrets.send(new DescribeSecretCommand({ SecretId: `aoai-link/${ENV}/tunnel-2-psk` }));
      expect(described.KmsKeyId).toBe('alias/aoai-link-tunnel-keys');
    } finally {
      if (before === undefined) delete process.env.TUNNEL_KEY_KMS_KEY_ID;
      else process.env.TUNNEL_KEY_KMS_KEY_ID = before;
    }
  });

  it('two attempts at once keep one key: the loser reads the winner’s', async () => {
    h = await startVpnClouds();
    const [a, b] = await Promise.all([ensureTunnelKey(h.secrets, ENV, NAME), ensureTunnelKey(h.secrets, ENV, NAME)]);
    expect(a).toEqual(b);
    expect(h.state.aws.secrets.filter((s) => s.Name === NAME)).toHaveLength(1);
    expect(h.state.aws.secrets.find((s) => s.Name === NAME)!.SecretString).toBe(a.key);
  });

  it('a lost create is retried by the SDK with the same token and still stores one key', async () => {
    h = await startVpnClouds({ faults: 'drop-response:CreateSecret' });
    const first = await ensureTunnelKey(h.secrets, ENV, NAME);
    expect(h.state.aws.secrets.filter((s) => s.Name === NAME).map((s) => s.SecretString)).toEqual([first.key]);
    expect(await ensureTunnelKey(h.secrets, ENV, NAME)).toEqual(first);
  });

  it('a refusal other than not-found is not taken for a missing secret', async () => {
    h = await startVpnClouds({ faults: 'throttle:1' });
    const once = new SecretsManagerClient({ endpoint: h.clouds.awsEndpoint, region: 'ap-northeast-1', credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret' }, maxAttempts: 1 });
    try {
      const error = await thrown(ensureTunnelKey(once, ENV, NAME));
      expect(error.name).toBe('ThrottlingException');
      expect(calls(h, 'CreateSecret')).toBe(0);
    } finally {
      once.destroy();
    }
  });

  it('a secret of ours scheduled for deletion (a teardown) is restored in place with a new key, never a second secret', async () => {
    h = await startVpnClouds();
    const first = await ensureTunnelKey(h.secrets, ENV, NAME);
    h.state.aws.secrets.find((s) => s.Name === NAME)!.DeletedDate = 1;
    const again = await ensureTunnelKey(h.secrets, ENV, NAME);
    expect(again.arn).toBe(first.arn);
    expect(again.key).not.toBe(first.key);
    const stored = h.state.aws.secrets.filter((s) => s.Name === NAME);
    expect(stored.map((s) => [s.SecretString, s.DeletedDate])).toEqual([[again.key, undefined]]);
  });
});

describe('the VPN connection', () => {
  async function gateways(clouds: VpnClouds) {
    const { customerGatewayId } = await createCustomerGateway(clouds.ec2, clouds.ec2Once, { ...input, publicIp: AZURE_IP });
    const { vpnGatewayId } = await createVpnGateway(clouds.ec2, clouds.ec2Once, input);
    await clouds.sleep(30);
    await attachVpnGateway(clouds.ec2, { ...input, vpnGatewayId });
    return { ...input, customerGatewayId, vpnGatewayId };
  }

  it('is created once with the stored keys and pinned tunnels; only the keys’ ARNs come back; a re-run finds it', async () => {
    h = await startVpnClouds();
    const vpnInput = await gateways(h);
    const first = await createVpnConnection(h.ec2, h.ec2Once, h.secrets, vpnInput);
    expect(await createVpnConnection(h.ec2, h.ec2Once, h.secrets, vpnInput)).toEqual(first);
    expect(calls(h, 'CreateVpnConnection')).toBe(1);
    expect(calls(h, 'CreateSecret')).toBe(2);

    const secrets = first.pskSecretArns.map((arn) => h!.state.aws.secrets.find((s) => s.ARN === arn)!);
    expect(secrets.map((s) => s.Name)).toEqual([`aoai-link/${ENV}/tunnel-1-psk`, `aoai-link/${ENV}/tunnel-2-psk`]);
    expect(JSON.stringify(first)).not.toContain(secrets[0].SecretString);
    expect(JSON.stringify(first)).not.toContain(secrets[1].SecretString);

    const vpn = live(h.state.aws.vpnConnections)[0];
    expect(live(h.state.aws.vpnConnections)).toHaveLength(1);
    expect(vpn).toMatchObject({ VpnConnectionId: first.vpnConnectionId, CustomerGatewayId: vpnInput.customerGatewayId, VpnGatewayId: vpnInput.vpnGatewayId, StaticRoutesOnly: true, Type: 'ipsec.1' });
    expect(vpn.Tags).toEqual(expect.arrayContaining(OUR_TAGS(`aoai-link-${ENV}-vpn`)));
    expect(vpn.Tunnels.map((t) => t.PreSharedKey)).toEqual(secrets.map((s) => s.SecretString));
    for (const tunnel of vpn.Tunnels) {
      expect(tunnel.Options).toMatchObject({
        IKEVersions: [{ Value: 'ikev2' }],
        Phase1EncryptionAlgorithms: [{ Value: 'AES256' }],
        Phase2EncryptionAlgorithms: [{ Value: 'AES256' }],
        Phase1IntegrityAlgorithms: [{ Value: 'SHA2-256' }],
        Phase2IntegrityAlgorithms: [{ Value: 'SHA2-256' }],
        Phase1DHGroupNumbers: [{ Value: 14 }],
        Phase2DHGroupNumbers: [{ Value: 14 }],
        DPDTimeoutAction: 'restart',
      });
    }
  });

  it('a deleted one of ours is not adopted: a new one is built with the keys already stored', async () => {
    h = await startVpnClouds();
    const vpnInput = await gateways(h);
    const first = await createVpnConnection(h.ec2, h.ec2Once, h.secrets, vpnInput);
    live(h.state.aws.vpnConnections)[0].deletedAt = h.clouds.clock.now();
    await h.sleep(1);
    const second = await createVpnConnection(h.ec2, h.ec2Once, h.secrets, vpnInput);
    expect(second.vpnConnectionId).not.toBe(first.vpnConnectionId);
    expect(second.pskSecretArns).toEqual(first.pskSecretArns);
    expect(calls(h, 'CreateSecret')).toBe(2);
    expect(calls(h, 'CreateVpnConnection')).toBe(2);
  });

  it('a connection between our gateways that is not ours, which EC2 answers a create with, is refused', async () => {
    h = await startVpnClouds();
    const vpnInput = await gateways(h);
    await createVpnConnection(h.ec2, h.ec2Once, h.secrets, vpnInput);
    const ours = live(h.state.aws.vpnConnections)[0];
    ours.deletedAt = h.clouds.clock.now();
    const foreignTags = [{ Key: 'Name', Value: `aoai-link-${ENV}-vpn` }];
    h.state.aws.vpnConnections.push({ ...JSON.parse(JSON.stringify(ours)), VpnConnectionId: 'vpn-00000000000000a1', Tags: foreignTags, deletedAt: undefined });
    await h.sleep(1);
    const error = await thrown(createVpnConnection(h.ec2, h.ec2Once, h.secrets, vpnInput));
    expect(error).toBeInstanceOf(ResourceConflict);
    expect(error.message).toContain('vpn-00000000000000a1');
    expect(h.state.aws.vpnConnections.find((v) => v.VpnConnectionId === 'vpn-00000000000000a1')!.Tags).toEqual(foreignTags);
  });

  it('a create whose answer was lost is not sent twice', async () => {
    h = await startVpnClouds({ faults: 'drop-response:CreateVpnConnection' });
    const vpnInput = await gateways(h);
    const { vpnConnectionId } = await createVpnConnection(h.ec2, h.ec2Once, h.secrets, vpnInput);
    expect(live(h.state.aws.vpnConnections).map((v) => v.VpnConnectionId)).toEqual([vpnConnectionId]);
  });

  it('once available: the VNet route is added once and the two tunnel addresses are read', async () => {
    h = await startVpnClouds();
    const vpnInput = await gateways(h);
    const { vpnConnectionId } = await createVpnConnection(h.ec2, h.ec2Once, h.secrets, vpnInput);
    const completeInput = { ...input, vpnConnectionId };
    expect(await thrown(completeVpnConnection(h.ec2, completeInput))).toBeInstanceOf(ResourceNotReady);
    expect(calls(h, 'CreateVpnConnectionRoute')).toBe(0);
    await h.sleep(300);
    // Available now: a re-run still finds it.
    expect((await createVpnConnection(h.ec2, h.ec2Once, h.secrets, vpnInput)).vpnConnectionId).toBe(vpnConnectionId);
    expect(calls(h, 'CreateVpnConnection')).toBe(1);
    const vpn = h.state.aws.vpnConnections.find((v) => v.VpnConnectionId === vpnConnectionId)!;
    const expected = {
      vpnConnectionId,
      vpnConnectionIds: [vpnConnectionId],
      tunnels: vpn.Tunnels.map((t, index) => ({ tunnel: index + 1, outsideIp: t.OutsideIpAddress, vpnConnectionId })),
    };
    expect(await completeVpnConnection(h.ec2, completeInput)).toEqual(expected);
    expect(await completeVpnConnection(h.ec2, completeInput)).toEqual(expected);
    expect(calls(h, 'CreateVpnConnectionRoute')).toBe(1);
    expect(vpn.Routes.map((r) => r.DestinationCidrBlock)).toEqual(['192.168.0.0/16']);

    const twoPrefixes = { ...completeInput, facts: { ...FACTS, vnetAddressPrefixes: ['192.168.0.0/16', '10.20.0.0/16'] } };
    await completeVpnConnection(h.ec2, twoPrefixes);
    expect(vpn.Routes.map((r) => r.DestinationCidrBlock)).toEqual(['192.168.0.0/16', '10.20.0.0/16']);
    expect(calls(h, 'CreateVpnConnectionRoute')).toBe(2);
  });

  it('a deleted connection fails the step; one reporting fewer than two tunnels is not ready', async () => {
    h = await startVpnClouds();
    const vpnInput = await gateways(h);
    const { vpnConnectionId } = await createVpnConnection(h.ec2, h.ec2Once, h.secrets, vpnInput);
    await h.sleep(300);
    const vpn = h.state.aws.vpnConnections.find((v) => v.VpnConnectionId === vpnConnectionId)!;
    vpn.Tunnels = vpn.Tunnels.slice(0, 1);
    expect(await thrown(completeVpnConnection(h.ec2, { ...input, vpnConnectionId }))).toBeInstanceOf(ResourceNotReady);
    vpn.deletedAt = h.clouds.clock.now();
    await h.sleep(1);
    const described = (await h.ec2.send(new DescribeVpnConnectionsCommand({ VpnConnectionIds: [vpnConnectionId] }))).VpnConnections?.[0];
    expect(described?.State).toBe('deleted');
    expect(await thrown(completeVpnConnection(h.ec2, { ...input, vpnConnectionId }))).toBeInstanceOf(ResourceFailed);
  });
});
