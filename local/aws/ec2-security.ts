/** EC2 security groups: create, describe, and egress rules (the resolver endpoint's DNS egress). */
import type { EmulatorContext } from '../cloud/context';
import type { SecurityGroup, SecurityGroupRule } from '../cloud/state';
import { AwsServiceError, ec2Errors } from './errors';
import { findVpc, type Ec2Handler } from './ec2-common';
import { tagSet, type XmlValue } from './ec2-xml';
import { digest, newId } from './ids';
import { parseCidr } from '../network/ipv4';
import { checkFilterNames, matchesFilters, type QueryParams } from './query';
import { interfacesUsingGroup } from './ec2-interfaces';

export function findSecurityGroup(ctx: EmulatorContext, id: string): SecurityGroup {
  const group = ctx.state.aws.securityGroups.find((g) => g.GroupId === id);
  if (!group) throw new AwsServiceError('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
  return group;
}

function groupArn(ctx: EmulatorContext, id: string): string {
  return `arn:aws:ec2:${ctx.state.aws.region}:${ctx.state.aws.accountId}:security-group/${id}`;
}

export const createSecurityGroup: Ec2Handler = (ctx, p) => {
  const aws = ctx.state.aws;
  const name = p.require('GroupName');
  const description = p.require('GroupDescription');
  const vpcId = p.get('VpcId');
  if (!vpcId) throw new AwsServiceError('VPCIdNotSpecified', 'No default VPC for this user');
  findVpc(aws, vpcId);
  if (name.toLowerCase().startsWith('sg-')) throw ec2Errors.invalidValue("Group names may not be in the format sg-*.");
  if (aws.securityGroups.some((g) => g.VpcId === vpcId && g.GroupName === name)) {
    throw new AwsServiceError('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpcId}'`);
  }
  const tags = p.tagSpecifications('security-group');
  const id = newId(aws, 'sg');
  // Like EC2, a new VPC security group allows all outbound traffic until that rule is revoked.
  aws.securityGroups.push({ GroupId: id, GroupName: name, Description: description, VpcId: vpcId, Egress: [{ IpProtocol: '-1', CidrIp: '0.0.0.0/0' }], Ingress: [], Tags: tags });
  return { return: true, groupId: id, securityGroupArn: groupArn(ctx, id), tagSet: tags.length ? tagSet(tags) : undefined };
};

/** Protocol as EC2 stores it: names for tcp/udp/icmp, `-1` for all. */
function normaliseProtocol(value: string): string {
  const v = value.toLowerCase();
  const byNumber: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', all: '-1' };
  const protocol = byNumber[v] ?? v;
  if (!['tcp', 'udp', 'icmp', '-1'].includes(protocol)) throw ec2Errors.invalidValue(`Invalid value '${value}' for IP protocol. Unknown protocol.`);
  return protocol;
}

/** `IpPermissions.N.*` as one rule per IPv4 range. Group, IPv6 and prefix-list peers are not modelled. */
function parsePermissions(ctx: EmulatorContext, p: QueryParams): SecurityGroupRule[] {
  const rules: SecurityGroupRule[] = [];
  const indices = p.indices('IpPermissions');
  if (indices.length === 0) throw ec2Errors.missing('IpPermissions');
  for (const n of indices) {
    const prefix = `IpPermissions.${n}`;
    const protocol = normaliseProtocol(p.require(`${prefix}.IpProtocol`));
    for (const g of p.indices(`${prefix}.Groups`)) {
      const groupId = p.get(`${prefix}.Groups.${g}.GroupId`) ?? '';
      findSecurityGroup(ctx, groupId);
      throw ec2Errors.unsupported('The emulated EC2 does not model security-group peers in rules');
    }
    if (p.indices(`${prefix}.Ipv6Ranges`).length || p.indices(`${prefix}.PrefixListIds`).length) {
      throw ec2Errors.unsupported('The emulated EC2 models IPv4 ranges (IpRanges) only');
    }
    let from = p.int(`${prefix}.FromPort`);
    let to = p.int(`${prefix}.ToPort`);
    if (protocol === '-1') {
      from = undefined;
      to = undefined;
    } else if ((protocol === 'tcp' || protocol === 'udp') && (from === undefined || to === undefined)) {
      throw ec2Errors.invalidValue("Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.");
    } else if (from !== undefined && to !== undefined && protocol !== 'icmp' && from > to) {
      throw ec2Errors.invalidValue(`Invalid value for portRange. The from port (${from}) must not exceed the to port (${to}).`);
    }
    for (const r of p.indices(`${prefix}.IpRanges`)) {
      const cidr = p.require(`${prefix}.IpRanges.${r}.CidrIp`);
      if (!parseCidr(cidr)) throw ec2Errors.invalidValue(`CIDR block ${cidr} is malformed`);
      rules.push({ IpProtocol: protocol, FromPort: from, ToPort: to, CidrIp: cidr });
    }
  }
  if (rules.length === 0) throw ec2Errors.missing('IpPermissions.N.IpRanges');
  return rules;
}

function sameRule(a: SecurityGroupRule, b: SecurityGroupRule): boolean {
  return a.IpProtocol === b.IpProtocol && a.FromPort === b.FromPort && a.ToPort === b.ToPort && a.CidrIp === b.CidrIp;
}

function ruleId(groupId: string, rule: SecurityGroupRule, egress: boolean): string {
  return `sgr-${digest(`${groupId}|${egress}|${rule.IpProtocol}|${rule.FromPort}|${rule.ToPort}|${rule.CidrIp}`).slice(0, 17)}`;
}

function describeRule(rule: SecurityGroupRule): string {
  const protocol = rule.IpProtocol === '-1' ? 'ALL' : rule.IpProtocol.toUpperCase();
  return `peer: ${rule.CidrIp}, ${protocol}, from port: ${rule.FromPort ?? 'ALL'}, to port: ${rule.ToPort ?? 'ALL'}, ALLOW`;
}

/** Rules grouped as EC2 answers them: one permission per protocol and port range, with its IPv4 ranges. */
function permissionsXml(rules: SecurityGroupRule[]): XmlValue[] {
  const groups = new Map<string, SecurityGroupRule[]>();
  for (const rule of rules) {
    const key = `${rule.IpProtocol}|${rule.FromPort}|${rule.ToPort}`;
    groups.set(key, [...(groups.get(key) ?? []), rule]);
  }
  return [...groups.values()].map((list) => ({
    ipProtocol: list[0].IpProtocol,
    fromPort: list[0].FromPort,
    toPort: list[0].ToPort,
    groups: [],
    ipRanges: list.map((r) => ({ cidrIp: r.CidrIp })),
    ipv6Ranges: [],
    prefixListIds: [],
  }));
}

export const authorizeSecurityGroupEgress: Ec2Handler = (ctx, p) => {
  const group = findSecurityGroup(ctx, p.require('GroupId'));
  const rules = parsePermissions(ctx, p);
  for (const rule of rules) {
    if (group.Egress.some((existing) => sameRule(existing, rule)) || rules.filter((r) => sameRule(r, rule)).length > 1) {
      throw new AwsServiceError('InvalidPermission.Duplicate', `the specified rule "${describeRule(rule)}" already exists`);
    }
  }
  group.Egress.push(...rules);
  return {
    return: true,
    securityGroupRuleSet: rules.map((r) => ({
      securityGroupRuleId: ruleId(group.GroupId, r, true),
      groupId: group.GroupId,
      groupOwnerId: ctx.state.aws.accountId,
      isEgress: true,
      ipProtocol: r.IpProtocol,
      fromPort: r.FromPort ?? -1,
      toPort: r.ToPort ?? -1,
      cidrIpv4: r.CidrIp,
    })),
  };
};

export const revokeSecurityGroupEgress: Ec2Handler = (ctx, p) => {
  const group = findSecurityGroup(ctx, p.require('GroupId'));
  const ruleIds = p.list('SecurityGroupRuleId');
  const rules = ruleIds.length
    ? ruleIds.map((id) => {
        const rule = group.Egress.find((r) => ruleId(group.GroupId, r, true) === id);
        if (!rule) throw new AwsServiceError('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`);
        return rule;
      })
    : parsePermissions(ctx, p);
  const known = rules.filter((rule) => group.Egress.some((existing) => sameRule(existing, rule)));
  const unknown = rules.filter((rule) => !known.includes(rule));
  if (known.length === 0) throw new AwsServiceError('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.');
  group.Egress = group.Egress.filter((existing) => !known.some((rule) => sameRule(existing, rule)));
  return { return: true, unknownIpPermissionSet: unknown.length ? permissionsXml(unknown) : undefined };
};

export const describeSecurityGroups: Ec2Handler = (ctx, p) => {
  const aws = ctx.state.aws;
  const ids = p.list('GroupId');
  const names = p.list('GroupName');
  const filters = p.filters();
  checkFilterNames(filters, [
    'group-id', 'group-name', 'vpc-id', 'description', 'owner-id',
    'egress.ip-permission.cidr', 'egress.ip-permission.protocol', 'egress.ip-permission.from-port', 'egress.ip-permission.to-port',
    'ip-permission.cidr', 'ip-permission.protocol', 'ip-permission.from-port', 'ip-permission.to-port',
  ]);
  for (const id of ids) findSecurityGroup(ctx, id);
  for (const name of names) {
    if (!aws.securityGroups.some((g) => g.GroupName === name)) throw new AwsServiceError('InvalidGroup.NotFound', `The security group '${name}' does not exist`);
  }
  const found = aws.securityGroups.filter(
    (g) =>
      (ids.length === 0 || ids.includes(g.GroupId)) &&
      (names.length === 0 || names.includes(g.GroupName)) &&
      matchesFilters(filters, g.Tags, (name) =>
        ({
          'group-id': [g.GroupId],
          'group-name': [g.GroupName],
          'vpc-id': [g.VpcId],
          description: [g.Description],
          'owner-id': [aws.accountId],
          'egress.ip-permission.cidr': g.Egress.map((r) => r.CidrIp),
          'egress.ip-permission.protocol': g.Egress.map((r) => r.IpProtocol),
          'egress.ip-permission.from-port': g.Egress.map((r) => (r.FromPort === undefined ? undefined : String(r.FromPort))),
          'egress.ip-permission.to-port': g.Egress.map((r) => (r.ToPort === undefined ? undefined : String(r.ToPort))),
          'ip-permission.cidr': g.Ingress.map((r) => r.CidrIp),
          'ip-permission.protocol': g.Ingress.map((r) => r.IpProtocol),
          'ip-permission.from-port': g.Ingress.map((r) => (r.FromPort === undefined ? undefined : String(r.FromPort))),
          'ip-permission.to-port': g.Ingress.map((r) => (r.ToPort === undefined ? undefined : String(r.ToPort))),
        })[name],
      ),
  );
  return {
    securityGroupInfo: found.map((g) => ({
      ownerId: aws.accountId,
      groupId: g.GroupId,
      groupName: g.GroupName,
      groupDescription: g.Description,
      vpcId: g.VpcId,
      securityGroupArn: groupArn(ctx, g.GroupId),
      ipPermissions: permissionsXml(g.Ingress),
      ipPermissionsEgress: permissionsXml(g.Egress),
      tagSet: tagSet(g.Tags),
    })),
  };
};

/**
 * DeleteSecurityGroup by GroupId (a group in a VPC that is not the default one can only be named by id).
 * Refused with DependencyViolation while any network interface uses it: a resolver endpoint's until the
 * endpoint is gone, a Lambda function's until Lambda releases them, long after the function was deleted.
 */
export const deleteSecurityGroup: Ec2Handler = (ctx, p) => {
  const aws = ctx.state.aws;
  const id = p.get('GroupId');
  if (!id) {
    const name = p.require('GroupName');
    throw new AwsServiceError('InvalidGroup.NotFound', `The security group '${name}' does not exist in default VPC`);
  }
  const group = findSecurityGroup(ctx, id);
  if (interfacesUsingGroup(ctx, id).length > 0) throw new AwsServiceError('DependencyViolation', `resource ${id} has a dependent object`);
  aws.securityGroups.splice(aws.securityGroups.indexOf(group), 1);
  ctx.recorder.operation({ cloud: 'aws', resource: id, operation: 'delete', startedAt: ctx.clock.now(), readyAt: ctx.clock.now() });
  return { return: true, groupId: id };
};
