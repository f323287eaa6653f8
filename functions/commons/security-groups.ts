/**
 * Security groups the workflow owns (DNS forwarding, the probe): tagged, looked up before created, with exactly
 * the egress they need.
 */
import {
  AuthorizeSecurityGroupEgressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupEgressCommand,
  type EC2Client,
  type IpPermission,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { lookUpThenCreateOnce } from './ec2';
import { ec2TagFilters, ec2TagSpecifications } from './naming';
import type { EnvironmentRequest } from './request/contract';
import { invocationLog } from './logger';

function sameProtocolAndPorts(a: IpPermission, b: IpPermission): boolean {
  return a.IpProtocol === b.IpProtocol && (a.FromPort ?? -1) === (b.FromPort ?? -1) && (a.ToPort ?? -1) === (b.ToPort ?? -1);
}

function sameRule(a: IpPermission, b: IpPermission): boolean {
  return sameProtocolAndPorts(a, b) && (b.IpRanges ?? []).every((range) => (a.IpRanges ?? []).some((r) => r.CidrIp === range.CidrIp));
}

/**
 * The IPv4 ranges of the group's egress that no wanted rule allows: the default allow-all, and whatever an
 * earlier run or a person added (an inbound endpoint's old address).
 */
function unwantedEgress(existing: IpPermission[], wanted: IpPermission[]): IpPermission[] {
  return existing.flatMap((permission) => {
    const ranges = (permission.IpRanges ?? []).filter(
      (range) => !wanted.some((w) => sameProtocolAndPorts(permission, w) && (w.IpRanges ?? []).some((r) => r.CidrIp === range.CidrIp)),
    );
    if (ranges.length === 0) return [];
    return [{ IpProtocol: permission.IpProtocol, FromPort: permission.FromPort, ToPort: permission.ToPort, IpRanges: ranges.map((r) => ({ CidrIp: r.CidrIp })) }];
  });
}

/**
 * A tagged security group in the VPC with exactly these egress rules: the default allow-all egress and any
 * other IPv4 egress are removed, so the group says precisely what it is for.
 */
export async function ensureEgressOnlyGroup(
  ec2: EC2Client,
  ec2Once: EC2Client,
  request: EnvironmentRequest,
  name: string,
  description: string,
  egress: IpPermission[],
): Promise<string> {
  const env = request.environmentId;
  const find = async (): Promise<SecurityGroup | undefined> =>
    (
      await ec2.send(
        new DescribeSecurityGroupsCommand({ Filters: [...ec2TagFilters(env, name), { Name: 'vpc-id', Values: [request.aws.vpcId] }] }),
      )
    ).SecurityGroups?.[0];
  const { resource } = await lookUpThenCreateOnce('CreateSecurityGroup', find, async () => {
    const created = await ec2Once.send(
      new CreateSecurityGroupCommand({
        GroupName: name,
        Description: description,
        VpcId: request.aws.vpcId,
        TagSpecifications: ec2TagSpecifications('security-group', env, name),
      }),
    );
    return { GroupId: created.GroupId } as SecurityGroup;
  });
  const groupId = resource.GroupId!;
  const current = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }))).SecurityGroups?.[0];
  const existing = current?.IpPermissionsEgress ?? [];
  const missing = egress.filter((rule) => !existing.some((e) => sameRule(e, rule)));
  if (missing.length > 0) {
    invocationLog().info('repaired', { securityGroup: groupId, why: `${missing.length} egress rule(s) missing` });
    await ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: missing }));
  }
  // Revoked after the wanted rules are in, so the group never goes without them.
  const unwanted = unwantedEgress(existing, egress);
  if (unwanted.length > 0) {
    invocationLog().info('repaired', { securityGroup: groupId, why: `${unwanted.length} egress rule(s) we did not ask for` });
    await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: unwanted }));
  }
  return groupId;
}
