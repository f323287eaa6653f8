/**
 * DescribeNetworkInterfaces through the real EC2 client: the interfaces Route 53 Resolver endpoints and a
 * Lambda function in the VPC place in its subnets, with EC2's filters and errors.
 */
import { DescribeNetworkInterfacesCommand, type NetworkInterface } from '@aws-sdk/client-ec2';
import type { CloudState } from '../../local/cloud/state';
import { readWorld, stateFromWorld } from '../../local/cloud/world';
import { cidrContainsIp } from '../../local/network/ipv4';
import { startHarness, SUBNET_A, SUBNET_C, VPC_ID, type Harness } from './helpers';

const ENDPOINT_ID = 'rslvr-out-0123456789abcdef0';

function stateWithServiceInterfaces(): CloudState {
  const state = stateFromWorld(readWorld());
  state.aws.resolverEndpoints.push({
    Id: ENDPOINT_ID,
    Arn: `arn:aws:route53resolver:ap-northeast-1:123456789012:resolver-endpoint/${ENDPOINT_ID}`,
    CreatorRequestId: 'network-interfaces-test',
    Direction: 'OUTBOUND',
    SecurityGroupIds: ['sg-0aaaaaaaaaaaaaaa1'],
    IpAddresses: [
      { SubnetId: SUBNET_A, Ip: '172.17.1.4', IpId: 'rni-0000000000000000a' },
      { SubnetId: SUBNET_C, Ip: '172.17.2.4', IpId: 'rni-0000000000000000c' },
    ],
    HostVPCId: VPC_ID,
    Tags: [],
    createdAt: 0,
    readyAt: 180,
  });
  state.aws.functions.push({
    FunctionName: 'probe-fn',
    FunctionArn: 'arn:aws:lambda:ap-northeast-1:123456789012:function:probe-fn',
    Role: 'arn:aws:iam::123456789012:role/probe',
    Code: {},
    VpcConfig: { SubnetIds: [SUBNET_A], SecurityGroupIds: ['sg-0bbbbbbbbbbbbbbb2'] },
    Tags: {},
    createdAt: 0,
    readyAt: 60,
  });
  return state;
}

let h: Harness;
let state: CloudState;
beforeEach(async () => {
  state = stateWithServiceInterfaces();
  h = await startHarness({ state });
});
afterEach(() => h.close());

const describe_ = async (input: ConstructorParameters<typeof DescribeNetworkInterfacesCommand>[0] = {}): Promise<NetworkInterface[]> =>
  (await h.ec2.send(new DescribeNetworkInterfacesCommand(input))).NetworkInterfaces ?? [];

it('lists one interface per resolver endpoint address and one per subnet of the function, requester-managed', async () => {
  const all = await describe_({ Filters: [{ Name: 'vpc-id', Values: [VPC_ID] }] });
  expect(all.map((i) => [i.InterfaceType, i.SubnetId, i.Groups?.map((g) => g.GroupId), i.RequesterManaged, i.Status])).toEqual([
    ['interface', SUBNET_A, ['sg-0aaaaaaaaaaaaaaa1'], true, 'in-use'],
    ['interface', SUBNET_C, ['sg-0aaaaaaaaaaaaaaa1'], true, 'in-use'],
    ['lambda', SUBNET_A, ['sg-0bbbbbbbbbbbbbbb2'], true, 'in-use'],
  ]);
  expect(all.slice(0, 2).map((i) => i.PrivateIpAddress)).toEqual(['172.17.1.4', '172.17.2.4']);
  const lambda = all[2];
  expect(cidrContainsIp('172.17.1.0/24', lambda.PrivateIpAddress!)).toBe(true);
  expect(['172.17.1.4', '172.17.1.255']).not.toContain(lambda.PrivateIpAddress);
  expect(new Set(all.map((i) => i.NetworkInterfaceId)).size).toBe(3);
});

it('filters by interface type and group, and finds an interface by its id', async () => {
  expect((await describe_({ Filters: [{ Name: 'interface-type', Values: ['lambda'] }] })).map((i) => i.Description)).toEqual(['AWS Lambda VPC ENI-probe-fn']);
  expect(await describe_({ Filters: [{ Name: 'group-id', Values: ['sg-0aaaaaaaaaaaaaaa1'] }, { Name: 'subnet-id', Values: [SUBNET_C] }] })).toHaveLength(1);
  const [first] = await describe_();
  expect((await describe_({ NetworkInterfaceIds: [first.NetworkInterfaceId!] })).map((i) => i.NetworkInterfaceId)).toEqual([first.NetworkInterfaceId]);
});

it('refuses an unknown interface id and an unknown filter as EC2 does', async () => {
  await expect(describe_({ NetworkInterfaceIds: ['eni-0123456789abcdef0'] })).rejects.toMatchObject({ name: 'InvalidNetworkInterfaceID.NotFound' });
  await expect(describe_({ Filters: [{ Name: 'no-such-filter', Values: ['x'] }] })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
});

it('drops the function interfaces once it is Inactive and the endpoint interfaces once it is deleted', async () => {
  state.aws.functions[0].inactiveSince = 0;
  state.aws.resolverEndpoints[0].deletedAt = 0;
  expect(await describe_()).toEqual([]);
});
