/**
 * EC2 DescribeNetworkInterfaces: the interfaces other services place in the VPC's subnets for what the
 * product creates. They are derived from the resources that own them rather than stored: one per Route 53
 * Resolver endpoint address (until the endpoint is gone: a DELETING one keeps them), and one per subnet of a
 * Lambda function in a VPC (Lambda shares an interface per subnet and security-group combination) while its
 * interfaces exist: not once it is Inactive, and after DeleteFunction until Lambda releases them, in use all
 * along. Requester-managed, as EC2 reports interfaces a service created, so DeleteNetworkInterface refuses.
 */
import type { EmulatorContext } from '../cloud/context';
import { isGone, type LambdaFunction, type Subnet } from '../cloud/state';
import { AwsServiceError, ec2Errors } from './errors';
import type { Ec2Handler } from './ec2-common';
import type { XmlObject } from './ec2-xml';
import { digest } from './ids';
import { formatIpv4, parseCidr } from '../network/ipv4';
import { checkFilterNames, matchesFilters } from './query';

interface DerivedInterface {
  NetworkInterfaceId: string;
  SubnetId: string;
  VpcId: string;
  AvailabilityZone: string;
  PrivateIpAddress: string;
  GroupIds: string[];
  Description: string;
  InterfaceType: string;
}

const FILTERS = [
  'network-interface-id', 'subnet-id', 'vpc-id', 'availability-zone', 'private-ip-address', 'addresses.private-ip-address',
  'group-id', 'description', 'interface-type', 'requester-managed', 'status', 'owner-id',
];

/**
 * A Lambda interface's address: counted down from the top of the subnet, where the resolver endpoints'
 * addresses (taken from the bottom) do not reach. Real Lambda picks any free address.
 */
function addressFromTop(subnet: Subnet, index: number): string {
  const range = parseCidr(subnet.CidrBlock);
  if (!range) return '0.0.0.0';
  return formatIpv4(range.base + range.size - 2 - index); // the last address is the broadcast address AWS reserves
}

/** A Lambda function's interfaces exist while it is live and not Inactive, and after its deletion until released. */
function holdsInterfaces(fn: LambdaFunction, now: number): boolean {
  if (now < fn.createdAt) return false;
  if (fn.deletedAt !== undefined) return fn.networkInterfacesReleasedAt !== undefined && now < fn.networkInterfacesReleasedAt;
  return fn.inactiveSince === undefined;
}

function derivedInterfaces(ctx: EmulatorContext): DerivedInterface[] {
  const aws = ctx.state.aws;
  const now = ctx.clock.now();
  const subnetOf = (id: string) => aws.subnets.find((s) => s.SubnetId === id);
  const found: DerivedInterface[] = [];
  for (const endpoint of aws.resolverEndpoints) {
    if (isGone(endpoint, now) || now < endpoint.createdAt) continue;
    for (const ip of endpoint.IpAddresses) {
      const subnet = subnetOf(ip.SubnetId);
      if (!subnet) continue;
      found.push({
        NetworkInterfaceId: `eni-${digest(`resolver:${endpoint.Id}:${ip.IpId}`).slice(0, 17)}`,
        SubnetId: ip.SubnetId,
        VpcId: endpoint.HostVPCId,
        AvailabilityZone: subnet.AvailabilityZone,
        PrivateIpAddress: ip.Ip,
        GroupIds: endpoint.SecurityGroupIds,
        Description: `Route 53 Resolver: ${endpoint.Id}:${ip.IpId}`,
        InterfaceType: 'interface',
      });
    }
  }
  const lambdaInterfacesPerSubnet = new Map<string, number>();
  for (const fn of aws.functions) {
    if (!holdsInterfaces(fn, now)) continue;
    for (const subnetId of fn.VpcConfig.SubnetIds) {
      const subnet = subnetOf(subnetId);
      if (!subnet) continue;
      const NetworkInterfaceId = `eni-${digest(`lambda:${fn.FunctionArn}:${subnetId}`).slice(0, 17)}`;
      // A function recreated under the same name while the old one's interface is not yet released shares it.
      if (found.some((eni) => eni.NetworkInterfaceId === NetworkInterfaceId)) continue;
      const index = lambdaInterfacesPerSubnet.get(subnetId) ?? 0;
      lambdaInterfacesPerSubnet.set(subnetId, index + 1);
      found.push({
        NetworkInterfaceId,
        SubnetId: subnetId,
        VpcId: subnet.VpcId,
        AvailabilityZone: subnet.AvailabilityZone,
        PrivateIpAddress: addressFromTop(subnet, index),
        GroupIds: fn.VpcConfig.SecurityGroupIds,
        Description: `AWS Lambda VPC ENI-${fn.FunctionName}`,
        InterfaceType: 'lambda',
      });
    }
  }
  return found;
}

export const describeNetworkInterfaces: Ec2Handler = (ctx, p) => {
  const aws = ctx.state.aws;
  const ids = p.list('NetworkInterfaceId');
  const filters = p.filters();
  checkFilterNames(filters, FILTERS);
  const all = derivedInterfaces(ctx);
  for (const id of ids) {
    if (!all.some((eni) => eni.NetworkInterfaceId === id)) throw ec2Errors.notFound('InvalidNetworkInterfaceID.NotFound', 'networkInterface', id);
  }
  const groupName = (id: string) => aws.securityGroups.find((g) => g.GroupId === id)?.GroupName;
  const selected = all.filter(
    (eni) =>
      (ids.length === 0 || ids.includes(eni.NetworkInterfaceId)) &&
      matchesFilters(filters, [], (name) =>
        ({
          'network-interface-id': [eni.NetworkInterfaceId],
          'subnet-id': [eni.SubnetId],
          'vpc-id': [eni.VpcId],
          'availability-zone': [eni.AvailabilityZone],
          'private-ip-address': [eni.PrivateIpAddress],
          'addresses.private-ip-address': [eni.PrivateIpAddress],
          'group-id': eni.GroupIds,
          description: [eni.Description],
          'interface-type': [eni.InterfaceType],
          'requester-managed': ['true'],
          status: ['in-use'],
          'owner-id': [aws.accountId],
        })[name],
      ),
  );
  return {
    networkInterfaceSet: selected.map(
      (eni): XmlObject => ({
        networkInterfaceId: eni.NetworkInterfaceId,
        subnetId: eni.SubnetId,
        vpcId: eni.VpcId,
        availabilityZone: eni.AvailabilityZone,
        description: eni.Description,
        ownerId: aws.accountId,
        requesterManaged: true,
        status: 'in-use',
        macAddress: digest(eni.NetworkInterfaceId).slice(0, 12).replace(/(..)(?!$)/g, '$1:'),
        privateIpAddress: eni.PrivateIpAddress,
        sourceDestCheck: true,
        interfaceType: eni.InterfaceType,
        groupSet: eni.GroupIds.map((groupId) => ({ groupId, groupName: groupName(groupId) })),
        attachment: {
          // Lambda's shared (Hyperplane) interfaces carry `ela-attach-` attachment ids; others `eni-attach-`.
          attachmentId: `${eni.InterfaceType === 'lambda' ? 'ela' : 'eni'}-attach-${digest(`attach:${eni.NetworkInterfaceId}`).slice(0, 17)}`,
          deviceIndex: 1,
          status: 'attached',
          deleteOnTermination: false,
        },
        privateIpAddressesSet: [{ privateIpAddress: eni.PrivateIpAddress, primary: true }],
        ipv6AddressesSet: [],
        tagSet: [],
      }),
    ),
  };
};

/** The interfaces that use a security group (DeleteSecurityGroup refuses while there is any). */
export function interfacesUsingGroup(ctx: EmulatorContext, groupId: string): string[] {
  return derivedInterfaces(ctx).filter((eni) => eni.GroupIds.includes(groupId)).map((eni) => eni.NetworkInterfaceId);
}

/**
 * Every interface here is attached and managed by the service that created it, which alone may remove it:
 * EC2 refuses the caller (`InvalidNetworkInterface.InUse`) and only deleting the owner releases it.
 */
export const deleteNetworkInterface: Ec2Handler = (ctx, p) => {
  const id = p.require('NetworkInterfaceId');
  if (!derivedInterfaces(ctx).some((eni) => eni.NetworkInterfaceId === id)) throw ec2Errors.notFound('InvalidNetworkInterfaceID.NotFound', 'networkInterface', id);
  throw new AwsServiceError('InvalidNetworkInterface.InUse', `Network interface '${id}' is currently in use.`);
};
