/** The removal of a security group the product created (the DNS forwarding's, the probe's): see ./aws-removal.ts. */
import { DeleteSecurityGroupCommand, DescribeNetworkInterfacesCommand, DescribeSecurityGroupsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { deleteOrWait, oursOrOutcome, removed } from './aws-removal';
import { ResourceNotReady } from './errors';
import { tagObject } from './ownership';
import type { EnvironmentRequest } from './request/contract';
import type { RemovalOutcome } from './teardown-data';

/**
 * A security group the product created in the request's VPC, by its group name (unique per VPC, so a foreign
 * group with our name is the only look-alike there can be). EC2 refuses with DependencyViolation while network
 * interfaces still use it: a resolver endpoint's until the endpoint is gone, a VPC Lambda function's until
 * Lambda releases them, long after the function is deleted.
 */
export async function removeOwnSecurityGroup(ec2: EC2Client, request: EnvironmentRequest, groupName: string): Promise<RemovalOutcome> {
  const groups =
    (
      await ec2.send(
        new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [groupName] }, { Name: 'vpc-id', Values: [request.aws.vpcId] }] }),
      )
    ).SecurityGroups ?? [];
  const { ours, outcome } = oursOrOutcome(
    groups.map((group) => ({ id: group.GroupId ?? '', tags: tagObject(group.Tags) })),
    request.environmentId,
  );
  if (outcome) return outcome;
  const groupId = ours[0].id;
  try {
    await deleteOrWait(`Security group ${groupId} (${groupName})`, () => ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId })));
  } catch (error) {
    if (!(error instanceof ResourceNotReady)) throw error;
    // Says what still holds it, so a long wait reads as what it is.
    const interfaces =
      (await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }))).NetworkInterfaces ?? [];
    const holders = interfaces.map((i) => `${i.NetworkInterfaceId} (${i.InterfaceType ?? 'interface'}${i.RequesterId ? `, ${i.RequesterId}` : ''})`);
    throw new ResourceNotReady(
      `Security group ${groupId} (${groupName}) is still used by ${holders.length ? holders.join(', ') : 'network interfaces'}; it is deleted once they are released`,
    );
  }
  return removed(groupId);
}
