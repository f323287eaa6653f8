/**
 * The deletions the teardown makes, on the real SDK clients against the emulated AWS, with the refusals the
 * real services answer while something still uses a resource. The VPN and DNS chains start from a world where
 * everything is built and the tunnels are up (test/local-network/fixtures.ts), read through the real network
 * model, so "the tunnels go down" and "the propagated route leaves" are what the emulator derives, not stubs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CreateSecurityGroupCommand, DeleteCustomerGatewayCommand, DeleteNetworkInterfaceCommand, DeleteSecurityGroupCommand,
  DeleteVpnConnectionCommand, DeleteVpnGatewayCommand, DescribeCustomerGatewaysCommand, DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand, DescribeSecurityGroupsCommand, DescribeVpnConnectionsCommand, DescribeVpnGatewaysCommand,
  DetachVpnGatewayCommand,
} from '@aws-sdk/client-ec2';
import { CreateFunctionCommand, DeleteFunctionCommand, GetFunctionCommand } from '@aws-sdk/client-lambda';
import {
  DeleteResolverEndpointCommand, DeleteResolverRuleCommand, DisassociateResolverRuleCommand, GetResolverEndpointCommand,
  GetResolverRuleAssociationCommand, GetResolverRuleCommand, ListResolverEndpointIpAddressesCommand, ListResolverRuleAssociationsCommand,
  ListResolverRulesCommand,
} from '@aws-sdk/client-route53resolver';
import {
  CreateSecretCommand, DeleteSecretCommand, DescribeSecretCommand, GetSecretValueCommand, ListSecretsCommand, PutSecretValueCommand,
  RestoreSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { SIMULATED_EPOCH_MS } from '../../local/aws/ids';
import { SimulatedClock } from '../../local/clock';
import { DEFAULT_LATENCY_SECONDS, Latencies } from '../../local/latency';
import { NetworkModel } from '../../local/network/model';
import { ALL_READY_AT, builtState, ids } from '../local-network/fixtures';
import { SUBNET_A, SUBNET_C, VPC_ID, errorOf, startAwsHarness, startHarness, type AwsHarness, type Harness } from './helpers';
import { awsCli, childEnvironment } from '../support/serve';

const VNET_RANGE = '192.168.0.0/16';
const latency = DEFAULT_LATENCY_SECONDS;

type Built = AwsHarness<NetworkModel>;

/** The emulated AWS over a fully built environment, its clock at the moment everything is ready and the tunnels up. */
async function startBuilt(options: { faults?: string; maxAttempts?: number } = {}): Promise<Built> {
  const state = builtState();
  const clock = new SimulatedClock(ALL_READY_AT);
  const latencies = new Latencies();
  return startAwsHarness(state, clock, new NetworkModel(() => state, clock, latencies), { ...options, latencies });
}

const vpnConnection = async (h: Built) => (await h.ec2.send(new DescribeVpnConnectionsCommand({ VpnConnectionIds: [ids.vpnId] }))).VpnConnections![0];
const vpnGateway = async (h: Built) => (await h.ec2.send(new DescribeVpnGatewaysCommand({ VpnGatewayIds: [ids.vgwId] }))).VpnGateways![0];
const customerGateway = async (h: Built) => (await h.ec2.send(new DescribeCustomerGatewaysCommand({ CustomerGatewayIds: [ids.cgwId] }))).CustomerGateways![0];
const routeTable = async (h: Built) => (await h.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [ids.routeTableId] }))).RouteTables![0];

/** Deletes the VPN connection and waits until EC2 reads it deleted. */
async function deleteConnectionAndWait(h: Built): Promise<void> {
  await h.ec2.send(new DeleteVpnConnectionCommand({ VpnConnectionId: ids.vpnId }));
  await h.clock.sleep(latency['aws.vpnConnection.delete']);
}

describe('EC2 VPN deletions', () => {
  let h: Built;
  beforeEach(async () => {
    h = await startBuilt();
  });
  afterEach(async () => {
    await h.close();
  });

  test('DeleteVpnConnection: deleting at once with both tunnels down and the propagated route gone, deleted after its latency, still described', async () => {
    const before = await vpnConnection(h);
    expect(before.State).toBe('available');
    expect(before.VgwTelemetry?.map((t) => t.Status)).toEqual(['UP', 'UP']);
    expect((await routeTable(h)).Routes?.find((r) => r.DestinationCidrBlock === VNET_RANGE)).toMatchObject({ GatewayId: ids.vgwId, Origin: 'EnableVgwRoutePropagation' });

    const answer = await h.ec2.send(new DeleteVpnConnectionCommand({ VpnConnectionId: ids.vpnId }));
    expect(answer.$metadata.httpStatusCode).toBe(200);
    const deleting = await vpnConnection(h);
    expect(deleting.State).toBe('deleting');
    expect(deleting.VgwTelemetry?.map((t) => t.Status)).toEqual(['DOWN', 'DOWN']);
    expect(deleting.CustomerGatewayConfiguration).toBeUndefined();
    expect(deleting.Routes?.map((r) => r.State)).toEqual(['deleting']);
    expect((await routeTable(h)).Routes?.map((r) => r.DestinationCidrBlock)).not.toContain(VNET_RANGE);

    // Already being deleted: refused, and nothing restarts the clock of the deletion.
    const again = await errorOf(h.ec2.send(new DeleteVpnConnectionCommand({ VpnConnectionId: ids.vpnId })));
    expect(again.name).toBe('IncorrectState');
    expect(again.$metadata?.httpStatusCode).toBe(400);

    await h.clock.sleep(latency['aws.vpnConnection.delete'] - 1);
    expect((await vpnConnection(h)).State).toBe('deleting');
    await h.clock.sleep(1);
    const deleted = await h.ec2.send(new DescribeVpnConnectionsCommand({ Filters: [{ Name: 'state', Values: ['deleted'] }] }));
    expect(deleted.VpnConnections?.map((v) => [v.VpnConnectionId, v.State])).toEqual([[ids.vpnId, 'deleted']]);
    expect((await errorOf(h.ec2.send(new DeleteVpnConnectionCommand({ VpnConnectionId: ids.vpnId })))).name).toBe('IncorrectState');
    expect((await errorOf(h.ec2.send(new DeleteVpnConnectionCommand({ VpnConnectionId: 'vpn-0000000000000dead' })))).name).toBe('InvalidVpnConnectionID.NotFound');

    expect(h.ctx.recorder.apiCalls.aws.DeleteVpnConnection).toBe(4);
    expect(h.ctx.recorder.operations).toContainEqual({
      cloud: 'aws', resource: ids.vpnId, operation: 'delete', startedAt: ALL_READY_AT, readyAt: ALL_READY_AT + latency['aws.vpnConnection.delete'],
    });
  });

  test('DeleteCustomerGateway: IncorrectState while a VPN connection that is not deleted uses it; deleting, then deleted and still described', async () => {
    const inUse = await errorOf(h.ec2.send(new DeleteCustomerGatewayCommand({ CustomerGatewayId: ids.cgwId })));
    expect(inUse.name).toBe('IncorrectState');
    expect(inUse.$metadata?.httpStatusCode).toBe(400);

    await h.ec2.send(new DeleteVpnConnectionCommand({ VpnConnectionId: ids.vpnId }));
    await h.clock.sleep(latency['aws.vpnConnection.delete'] - 1);
    // A connection still deleting holds the customer gateway too.
    expect((await errorOf(h.ec2.send(new DeleteCustomerGatewayCommand({ CustomerGatewayId: ids.cgwId })))).name).toBe('IncorrectState');
    await h.clock.sleep(1);

    await h.ec2.send(new DeleteCustomerGatewayCommand({ CustomerGatewayId: ids.cgwId }));
    expect((await customerGateway(h)).State).toBe('deleting');
    expect((await errorOf(h.ec2.send(new DeleteCustomerGatewayCommand({ CustomerGatewayId: ids.cgwId })))).name).toBe('IncorrectState');
    await h.clock.sleep(latency['aws.customerGateway.delete']);
    expect((await customerGateway(h)).State).toBe('deleted');
    expect((await errorOf(h.ec2.send(new DeleteCustomerGatewayCommand({ CustomerGatewayId: 'cgw-0000000000000dead' })))).name).toBe('InvalidCustomerGatewayID.NotFound');
    expect(h.ctx.recorder.apiCalls.aws.DeleteCustomerGateway).toBe(5);
  });

  test('DetachVpnGateway: detaching then detached; its propagation entries and propagated routes leave the route tables', async () => {
    expect((await routeTable(h)).PropagatingVgws).toEqual([{ GatewayId: ids.vgwId }]);
    await h.ec2.send(new DetachVpnGatewayCommand({ VpnGatewayId: ids.vgwId, VpcId: VPC_ID }));
    expect((await vpnGateway(h)).VpcAttachments).toEqual([{ VpcId: VPC_ID, State: 'detaching' }]);
    const table = await routeTable(h);
    expect(table.PropagatingVgws).toEqual([]);
    expect(table.Routes?.map((r) => r.DestinationCidrBlock)).not.toContain(VNET_RANGE);
    // The tunnels need an attached gateway: down at once.
    expect((await vpnConnection(h)).VgwTelemetry?.map((t) => t.Status)).toEqual(['DOWN', 'DOWN']);

    const twice = await errorOf(h.ec2.send(new DetachVpnGatewayCommand({ VpnGatewayId: ids.vgwId, VpcId: VPC_ID })));
    expect(twice.name).toBe('IncorrectState');
    await h.clock.sleep(latency['aws.vpnGateway.detach'] - 1);
    expect((await vpnGateway(h)).VpcAttachments).toEqual([{ VpcId: VPC_ID, State: 'detaching' }]);
    await h.clock.sleep(1);
    expect((await vpnGateway(h)).VpcAttachments).toEqual([{ VpcId: VPC_ID, State: 'detached' }]);
    const detached = await errorOf(h.ec2.send(new DetachVpnGatewayCommand({ VpnGatewayId: ids.vgwId, VpcId: VPC_ID })));
    expect(detached.name).toBe('InvalidVpnGatewayAttachment.NotFound');
    expect(h.ctx.recorder.apiCalls.aws.DetachVpnGateway).toBe(3);
  });

  test('DeleteVpnGateway: IncorrectState while attached (or detaching), even with no VPN connection left', async () => {
    await deleteConnectionAndWait(h);
    const attached = await errorOf(h.ec2.send(new DeleteVpnGatewayCommand({ VpnGatewayId: ids.vgwId })));
    expect(attached.name).toBe('IncorrectState');
    expect(attached.$metadata?.httpStatusCode).toBe(400);

    await h.ec2.send(new DetachVpnGatewayCommand({ VpnGatewayId: ids.vgwId, VpcId: VPC_ID }));
    await h.clock.sleep(latency['aws.vpnGateway.detach'] - 1);
    expect((await errorOf(h.ec2.send(new DeleteVpnGatewayCommand({ VpnGatewayId: ids.vgwId })))).name).toBe('IncorrectState');
    await h.clock.sleep(1);

    await h.ec2.send(new DeleteVpnGatewayCommand({ VpnGatewayId: ids.vgwId }));
    expect((await vpnGateway(h)).State).toBe('deleting');
    expect((await errorOf(h.ec2.send(new DeleteVpnGatewayCommand({ VpnGatewayId: ids.vgwId })))).name).toBe('IncorrectState');
    await h.clock.sleep(latency['aws.vpnGateway.delete']);
    const gone = await h.ec2.send(new DescribeVpnGatewaysCommand({ Filters: [{ Name: 'state', Values: ['deleted'] }] }));
    expect(gone.VpnGateways?.map((g) => g.VpnGatewayId)).toEqual([ids.vgwId]);
    expect(h.ctx.recorder.operations).toContainEqual({
      cloud: 'aws', resource: ids.vgwId, operation: 'delete', startedAt: expect.any(Number), readyAt: h.clock.now(),
    });
  });

  test('DeleteVpnGateway: IncorrectState while a VPN connection that is not deleted uses it, even once detached', async () => {
    await h.ec2.send(new DetachVpnGatewayCommand({ VpnGatewayId: ids.vgwId, VpcId: VPC_ID }));
    await h.clock.sleep(latency['aws.vpnGateway.detach']);
    expect((await errorOf(h.ec2.send(new DeleteVpnGatewayCommand({ VpnGatewayId: ids.vgwId })))).name).toBe('IncorrectState');
    await h.ec2.send(new DeleteVpnConnectionCommand({ VpnConnectionId: ids.vpnId }));
    await h.clock.sleep(latency['aws.vpnConnection.delete'] - 1);
    expect((await errorOf(h.ec2.send(new DeleteVpnGatewayCommand({ VpnGatewayId: ids.vgwId })))).name).toBe('IncorrectState');
    await h.clock.sleep(1);
    await h.ec2.send(new DeleteVpnGatewayCommand({ VpnGatewayId: ids.vgwId }));
    expect((await vpnGateway(h)).State).toBe('deleting');
  });
});

describe('Route 53 Resolver deletions and the DNS security group', () => {
  let h: Built;
  beforeEach(async () => {
    h = await startBuilt();
  });
  afterEach(async () => {
    await h.close();
  });

  test('an endpoint a rule still names is refused with InvalidRequestException [RSLVR-00600]; a rule still associated with ResourceInUseException', async () => {
    const endpointInUse = await errorOf(h.resolver.send(new DeleteResolverEndpointCommand({ ResolverEndpointId: ids.outboundId })));
    expect(endpointInUse.name).toBe('InvalidRequestException');
    expect(endpointInUse.message).toContain('RSLVR-00600');
    const ruleInUse = await errorOf(h.resolver.send(new DeleteResolverRuleCommand({ ResolverRuleId: ids.ruleId })));
    expect(ruleInUse.name).toBe('ResourceInUseException');
    expect(ruleInUse.$metadata?.httpStatusCode).toBe(400);
    expect(h.ctx.state.aws.resolverRules[0].deletedAt).toBeUndefined();
    expect(h.ctx.state.aws.resolverEndpoints[0].deletedAt).toBeUndefined();
  });

  test('disassociate, delete the rule, delete the endpoint: each DELETING for its latency, then gone; the security group waits for the endpoint', async () => {
    const disassociated = await h.resolver.send(new DisassociateResolverRuleCommand({ ResolverRuleId: ids.ruleId, VPCId: VPC_ID }));
    expect(disassociated.ResolverRuleAssociation).toMatchObject({ Id: ids.associationId, Status: 'DELETING' });
    expect((await h.resolver.send(new GetResolverRuleAssociationCommand({ ResolverRuleAssociationId: ids.associationId }))).ResolverRuleAssociation?.Status).toBe('DELETING');
    expect((await errorOf(h.resolver.send(new DisassociateResolverRuleCommand({ ResolverRuleId: ids.ruleId, VPCId: VPC_ID })))).name).toBe('InvalidRequestException');
    // An association still DELETING still holds the rule.
    expect((await errorOf(h.resolver.send(new DeleteResolverRuleCommand({ ResolverRuleId: ids.ruleId })))).name).toBe('ResourceInUseException');
    await h.clock.sleep(latency['aws.resolverRuleAssociation.delete']);
    expect((await errorOf(h.resolver.send(new GetResolverRuleAssociationCommand({ ResolverRuleAssociationId: ids.associationId })))).name).toBe('ResourceNotFoundException');
    expect((await h.resolver.send(new ListResolverRuleAssociationsCommand({}))).ResolverRuleAssociations).toEqual([]);
    expect((await errorOf(h.resolver.send(new DisassociateResolverRuleCommand({ ResolverRuleId: ids.ruleId, VPCId: VPC_ID })))).name).toBe('ResourceNotFoundException');

    const ruleDeleting = await h.resolver.send(new DeleteResolverRuleCommand({ ResolverRuleId: ids.ruleId }));
    expect(ruleDeleting.ResolverRule).toMatchObject({ Id: ids.ruleId, Status: 'DELETING' });
    expect((await h.resolver.send(new ListResolverRulesCommand({}))).ResolverRules?.map((r) => r.Status)).toEqual(['DELETING']);
    // A rule still DELETING still names the endpoint.
    expect((await errorOf(h.resolver.send(new DeleteResolverEndpointCommand({ ResolverEndpointId: ids.outboundId })))).name).toBe('InvalidRequestException');
    await h.clock.sleep(latency['aws.resolverRule.delete']);
    expect((await errorOf(h.resolver.send(new GetResolverRuleCommand({ ResolverRuleId: ids.ruleId })))).name).toBe('ResourceNotFoundException');

    const inUse = await errorOf(h.ec2.send(new DeleteSecurityGroupCommand({ GroupId: ids.sgId })));
    expect(inUse.name).toBe('DependencyViolation');
    expect(inUse.$metadata?.httpStatusCode).toBe(400);

    const endpointDeleting = await h.resolver.send(new DeleteResolverEndpointCommand({ ResolverEndpointId: ids.outboundId }));
    expect(endpointDeleting.ResolverEndpoint).toMatchObject({ Id: ids.outboundId, Status: 'DELETING' });
    expect((await h.resolver.send(new ListResolverEndpointIpAddressesCommand({ ResolverEndpointId: ids.outboundId }))).IpAddresses?.map((a) => a.Status)).toEqual(['DELETING', 'DELETING']);
    expect((await errorOf(h.resolver.send(new DeleteResolverEndpointCommand({ ResolverEndpointId: ids.outboundId })))).name).toBe('InvalidRequestException');
    const interfaces = async () =>
      (await h.ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: [ids.sgId] }] }))).NetworkInterfaces ?? [];
    expect((await interfaces()).map((eni) => eni.Status)).toEqual(['in-use', 'in-use']);
    await h.clock.sleep(latency['aws.resolverEndpoint.delete'] - 1);
    expect((await errorOf(h.ec2.send(new DeleteSecurityGroupCommand({ GroupId: ids.sgId })))).name).toBe('DependencyViolation');
    await h.clock.sleep(1);
    expect((await errorOf(h.resolver.send(new GetResolverEndpointCommand({ ResolverEndpointId: ids.outboundId })))).name).toBe('ResourceNotFoundException');
    expect(await interfaces()).toEqual([]);

    await h.ec2.send(new DeleteSecurityGroupCommand({ GroupId: ids.sgId }));
    expect((await errorOf(h.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [ids.sgId] })))).name).toBe('InvalidGroup.NotFound');
    expect((await errorOf(h.ec2.send(new DeleteSecurityGroupCommand({ GroupId: ids.sgId })))).name).toBe('InvalidGroup.NotFound');

    const calls = h.ctx.recorder.apiCalls.aws;
    expect([calls.DisassociateResolverRule, calls.DeleteResolverRule, calls.DeleteResolverEndpoint, calls.DeleteSecurityGroup]).toEqual([3, 2, 3, 4]);
    for (const [resource, kind] of [[ids.associationId, 'aws.resolverRuleAssociation.delete'], [ids.ruleId, 'aws.resolverRule.delete'], [ids.outboundId, 'aws.resolverEndpoint.delete']] as const) {
      const op = h.ctx.recorder.operations.find((o) => o.resource === resource && o.operation === 'delete');
      expect(op && op.readyAt - op.startedAt).toBe(latency[kind]);
    }
  });
});

describe('Lambda: a deleted VPC function holds its security group until its interfaces are released', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  async function probeInVpc(name: string): Promise<{ groupId: string; arn: string }> {
    const group = await h.ec2.send(new CreateSecurityGroupCommand({ GroupName: `${name}-sg`, Description: 'probe', VpcId: VPC_ID }));
    const created = await h.lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Role: 'arn:aws:iam::123456789012:role/probe',
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Code: { S3Bucket: 'assets', S3Key: 'probe.zip' },
        VpcConfig: { SubnetIds: [SUBNET_A, SUBNET_C], SecurityGroupIds: [group.GroupId!] },
      }),
    );
    await h.clock.sleep(latency['aws.lambda.activate']);
    return { groupId: group.GroupId!, arn: created.FunctionArn! };
  }

  test('the function is gone at once; its interfaces stay in use, DependencyViolation until they are released; DeleteNetworkInterface is refused', async () => {
    const { groupId } = await probeInVpc('aoai-link-probe');
    await h.lambda.send(new DeleteFunctionCommand({ FunctionName: 'aoai-link-probe' }));
    expect((await errorOf(h.lambda.send(new GetFunctionCommand({ FunctionName: 'aoai-link-probe' })))).name).toBe('ResourceNotFoundException');

    const interfaces = async () => (await h.ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }))).NetworkInterfaces ?? [];
    const held = await interfaces();
    expect(held.map((eni) => [eni.Description, eni.Status, eni.RequesterManaged])).toEqual([
      ['AWS Lambda VPC ENI-aoai-link-probe', 'in-use', true],
      ['AWS Lambda VPC ENI-aoai-link-probe', 'in-use', true],
    ]);
    const refused = await errorOf(h.ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: held[0].NetworkInterfaceId })));
    expect(refused.name).toBe('InvalidNetworkInterface.InUse');
    expect((await errorOf(h.ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: 'eni-0000000000000dead' })))).name).toBe('InvalidNetworkInterfaceID.NotFound');

    await h.clock.sleep(latency['aws.lambda.releaseNetworkInterfaces'] - 1);
    const early = await errorOf(h.ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId })));
    expect(early.name).toBe('DependencyViolation');
    await h.clock.sleep(1);
    expect(await interfaces()).toEqual([]);
    await h.ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
    expect(h.ctx.state.aws.securityGroups.some((g) => g.GroupId === groupId)).toBe(false);
    expect(h.ctx.recorder.apiCalls.aws.DeleteFunction).toBe(1);
  });

  test('--jitter draws the release delay too', async () => {
    h.ctx.latencies = new Latencies(7);
    const { groupId, arn } = await probeInVpc('aoai-link-probe');
    const release = h.ctx.latencies.of('aws.lambda.releaseNetworkInterfaces', arn);
    expect(release).not.toBe(latency['aws.lambda.releaseNetworkInterfaces']);
    await h.lambda.send(new DeleteFunctionCommand({ FunctionName: 'aoai-link-probe' }));
    await h.clock.sleep(release - 1);
    expect((await errorOf(h.ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId })))).name).toBe('DependencyViolation');
    await h.clock.sleep(1);
    await h.ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
  });
});

describe('Secrets Manager: scheduled deletion, its refusals, restore and force', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const NAME = 'aoai-link/aoai-prod-01/tunnel1-psk';
  const SECONDS_PER_DAY = 86_400;
  const epoch = (seconds: number) => new Date(SIMULATED_EPOCH_MS + seconds * 1000);

  test('a recovery window of 7 to 30 days (30 by default); meanwhile the value, writes and the name are refused; RestoreSecret brings it back', async () => {
    await h.secrets.send(new CreateSecretCommand({ Name: NAME, SecretString: 'Tunnel1.key_abcdefgh' }));
    for (const RecoveryWindowInDays of [6, 31]) {
      expect((await errorOf(h.secrets.send(new DeleteSecretCommand({ SecretId: NAME, RecoveryWindowInDays })))).name).toBe('InvalidParameterException');
    }
    const both = await errorOf(h.secrets.send(new DeleteSecretCommand({ SecretId: NAME, RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true })));
    expect(both.name).toBe('InvalidParameterException');

    const scheduled = await h.secrets.send(new DeleteSecretCommand({ SecretId: NAME, RecoveryWindowInDays: 7 }));
    expect(scheduled.DeletionDate).toEqual(epoch(7 * SECONDS_PER_DAY));
    expect((await h.secrets.send(new DescribeSecretCommand({ SecretId: NAME }))).DeletedDate).toEqual(epoch(0));
    for (const refused of [
      h.secrets.send(new GetSecretValueCommand({ SecretId: NAME })),
      h.secrets.send(new PutSecretValueCommand({ SecretId: NAME, SecretString: 'Tunnel1.key_other123' })),
      h.secrets.send(new CreateSecretCommand({ Name: NAME, SecretString: 'Tunnel1.key_abcdefgh' })),
      h.secrets.send(new DeleteSecretCommand({ SecretId: NAME, RecoveryWindowInDays: 7 })),
    ]) {
      const error = await errorOf(refused);
      expect(error.name).toBe('InvalidRequestException');
      expect(error.$metadata?.httpStatusCode).toBe(400);
    }
    expect((await h.secrets.send(new ListSecretsCommand({}))).SecretList).toEqual([]);
    expect((await h.secrets.send(new ListSecretsCommand({ IncludePlannedDeletion: true }))).SecretList?.map((s) => s.Name)).toEqual([NAME]);

    await h.secrets.send(new RestoreSecretCommand({ SecretId: NAME }));
    expect((await h.secrets.send(new GetSecretValueCommand({ SecretId: NAME }))).SecretString).toBe('Tunnel1.key_abcdefgh');
    expect((await h.secrets.send(new DescribeSecretCommand({ SecretId: NAME }))).DeletedDate).toBeUndefined();

    const byDefault = await h.secrets.send(new DeleteSecretCommand({ SecretId: NAME }));
    expect(byDefault.DeletionDate).toEqual(epoch(30 * SECONDS_PER_DAY));
    expect(h.ctx.recorder.apiCalls.aws.DeleteSecret).toBe(6);
  });

  test('once the recovery window has passed the secret no longer exists, and its name can be used again', async () => {
    await h.secrets.send(new CreateSecretCommand({ Name: NAME, SecretString: 'Tunnel1.key_abcdefgh' }));
    await h.secrets.send(new DeleteSecretCommand({ SecretId: NAME, RecoveryWindowInDays: 7 }));
    await h.clock.sleep(7 * SECONDS_PER_DAY - 1);
    expect((await h.secrets.send(new DescribeSecretCommand({ SecretId: NAME }))).Name).toBe(NAME);
    await h.clock.sleep(1);
    expect((await errorOf(h.secrets.send(new DescribeSecretCommand({ SecretId: NAME })))).name).toBe('ResourceNotFoundException');
    expect((await errorOf(h.secrets.send(new RestoreSecretCommand({ SecretId: NAME })))).name).toBe('ResourceNotFoundException');
    await h.secrets.send(new CreateSecretCommand({ Name: NAME, SecretString: 'Tunnel1.key_abcdefgh' }));
  });

  test('ForceDeleteWithoutRecovery removes it at once, even when already scheduled', async () => {
    const created = await h.secrets.send(new CreateSecretCommand({ Name: NAME, SecretString: 'Tunnel1.key_abcdefgh' }));
    await h.secrets.send(new DeleteSecretCommand({ SecretId: NAME, RecoveryWindowInDays: 7 }));
    await h.secrets.send(new DeleteSecretCommand({ SecretId: created.ARN, ForceDeleteWithoutRecovery: true }));
    expect((await errorOf(h.secrets.send(new DescribeSecretCommand({ SecretId: NAME })))).name).toBe('ResourceNotFoundException');
    const again = await h.secrets.send(new CreateSecretCommand({ Name: NAME, SecretString: 'Tunnel1.key_abcdefgh' }));
    expect(again.ARN).not.toBe(created.ARN);
  });
});

describe('drop-response on each delete: committed, then the answer is lost', () => {
  const DELETES = [
    'DeleteVpnConnection', 'DetachVpnGateway', 'DeleteVpnGateway', 'DeleteCustomerGateway', 'DeleteSecurityGroup',
    'DisassociateResolverRule', 'DeleteResolverRule', 'DeleteResolverEndpoint', 'DeleteSecret', 'DeleteFunction',
  ];
  let h: Built;
  beforeEach(async () => {
    h = await startBuilt({ faults: DELETES.map((name) => `drop-response:${name}`).join(','), maxAttempts: 1 });
  });
  afterEach(async () => {
    await h.close();
  });

  /** The call fails as a lost answer does (no HTTP status), yet what it asked for happened. */
  async function lost(call: Promise<unknown>): Promise<void> {
    const error = await errorOf(call);
    expect(error.$metadata?.httpStatusCode).toBeUndefined();
  }

  test('every deletion the teardown makes is carried out although its caller never hears so', async () => {
    const aws = h.ctx.state.aws;
    await lost(h.resolver.send(new DisassociateResolverRuleCommand({ ResolverRuleId: ids.ruleId, VPCId: VPC_ID })));
    expect(aws.resolverRuleAssociations[0].deletedAt).toBeDefined();
    await lost(h.ec2.send(new DeleteVpnConnectionCommand({ VpnConnectionId: ids.vpnId })));
    expect((await vpnConnection(h)).State).toBe('deleting');
    await lost(h.ec2.send(new DetachVpnGatewayCommand({ VpnGatewayId: ids.vgwId, VpcId: VPC_ID })));
    expect((await vpnGateway(h)).VpcAttachments?.[0].State).toBe('detaching');
    await h.clock.sleep(latency['aws.vpnConnection.delete']);

    await lost(h.resolver.send(new DeleteResolverRuleCommand({ ResolverRuleId: ids.ruleId })));
    expect(aws.resolverRules[0].deletedAt).toBeDefined();
    await lost(h.ec2.send(new DeleteVpnGatewayCommand({ VpnGatewayId: ids.vgwId })));
    expect((await vpnGateway(h)).State).toBe('deleting');
    await lost(h.ec2.send(new DeleteCustomerGatewayCommand({ CustomerGatewayId: ids.cgwId })));
    expect((await customerGateway(h)).State).toBe('deleting');
    await h.clock.sleep(latency['aws.resolverRule.delete']);

    await lost(h.resolver.send(new DeleteResolverEndpointCommand({ ResolverEndpointId: ids.outboundId })));
    expect(aws.resolverEndpoints[0].deletedAt).toBeDefined();
    await h.clock.sleep(latency['aws.resolverEndpoint.delete']);
    await lost(h.ec2.send(new DeleteSecurityGroupCommand({ GroupId: ids.sgId })));
    expect(aws.securityGroups.some((g) => g.GroupId === ids.sgId)).toBe(false);

    const secret = await h.secrets.send(new CreateSecretCommand({ Name: 'aoai-link/env/tunnel1-psk', SecretString: 'Tunnel1.key_abcdefgh' }));
    await lost(h.secrets.send(new DeleteSecretCommand({ SecretId: secret.ARN, RecoveryWindowInDays: 7 })));
    expect(aws.secrets.find((s) => s.ARN === secret.ARN)?.DeletedDate).toBeDefined();

    const group = await h.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'probe-sg', Description: 'probe', VpcId: VPC_ID }));
    await h.lambda.send(new CreateFunctionCommand({
      FunctionName: 'probe', Role: 'arn:aws:iam::123456789012:role/probe', Code: { S3Bucket: 'assets', S3Key: 'probe.zip' },
      VpcConfig: { SubnetIds: [SUBNET_A], SecurityGroupIds: [group.GroupId!] },
    }));
    await lost(h.lambda.send(new DeleteFunctionCommand({ FunctionName: 'probe' })));
    expect((await errorOf(h.lambda.send(new GetFunctionCommand({ FunctionName: 'probe' })))).name).toBe('ResourceNotFoundException');

    for (const name of DELETES) expect([name, h.ctx.recorder.apiCalls.aws[name]]).toEqual([name, 1]);
  });
});

describe('drop-response with the SDK default retries', () => {
  test("the SDK's own retry of a lost DeleteVpnConnection meets the deletion it started: IncorrectState, one deletion", async () => {
    const h = await startBuilt({ faults: 'drop-response:DeleteVpnConnection' });
    try {
      const error = await errorOf(h.ec2.send(new DeleteVpnConnectionCommand({ VpnConnectionId: ids.vpnId })));
      expect(error.name).toBe('IncorrectState');
      expect(error.$metadata?.attempts).toBe(2);
      expect((await vpnConnection(h)).State).toBe('deleting');
      expect(h.ctx.recorder.operations.filter((o) => o.resource === ids.vpnId && o.operation === 'delete')).toHaveLength(1);
    } finally {
      await h.close();
    }
  });
});

describe('the AWS CLI reads deletions as EC2 answers them', () => {
  let h: Built;
  let home: string;
  beforeEach(async () => {
    h = await startBuilt();
    home = mkdtempSync(path.join(os.tmpdir(), 'aws-cli-deletes-'));
  });
  afterEach(async () => {
    await h.close();
    rmSync(home, { recursive: true, force: true });
  });

  /** The AWS CLI against the emulator only: dummy keys, no configuration of this machine, no proxy, no metadata service. */
  const aws = (...args: string[]): Promise<any> => awsCli(h.endpoint, childEnvironment(home))(...args);

  test('describe-vpn-connections and describe-vpn-gateways show deleting, detaching and deleted; the deleted waiter is satisfied', async () => {
    await h.ec2.send(new DeleteVpnConnectionCommand({ VpnConnectionId: ids.vpnId }));
    await h.ec2.send(new DetachVpnGatewayCommand({ VpnGatewayId: ids.vgwId, VpcId: VPC_ID }));
    const deleting = (await aws('ec2', 'describe-vpn-connections', '--vpn-connection-ids', ids.vpnId)).VpnConnections[0];
    expect([deleting.State, deleting.VgwTelemetry.map((t: { Status: string }) => t.Status)]).toEqual(['deleting', ['DOWN', 'DOWN']]);
    expect((await aws('ec2', 'describe-vpn-gateways', '--vpn-gateway-ids', ids.vgwId)).VpnGateways[0].VpcAttachments).toEqual([{ VpcId: VPC_ID, State: 'detaching' }]);

    await h.clock.sleep(latency['aws.vpnConnection.delete']);
    await h.ec2.send(new DeleteVpnGatewayCommand({ VpnGatewayId: ids.vgwId }));
    const deleted = await aws('ec2', 'describe-vpn-connections', '--filters', 'Name=state,Values=deleted');
    expect(deleted.VpnConnections.map((v: { VpnConnectionId: string; State: string }) => [v.VpnConnectionId, v.State])).toEqual([[ids.vpnId, 'deleted']]);
    await aws('ec2', 'wait', 'vpn-connection-deleted', '--vpn-connection-ids', ids.vpnId);
    const gateway = (await aws('ec2', 'describe-vpn-gateways', '--vpn-gateway-ids', ids.vgwId)).VpnGateways[0];
    expect([gateway.State, gateway.VpcAttachments]).toEqual(['deleting', [{ VpcId: VPC_ID, State: 'detached' }]]);
    await h.clock.sleep(latency['aws.vpnGateway.delete']);
    expect((await aws('ec2', 'describe-vpn-gateways', '--filters', 'Name=state,Values=deleted')).VpnGateways.map((g: { VpnGatewayId: string }) => g.VpnGatewayId)).toEqual([ids.vgwId]);
  }, 60_000);
});
