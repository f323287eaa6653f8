/**
 * Removes the probe: the Lambda function ProbeRunner created in the VPC (by its fixed name, removed only when it
 * carries our tags), then its security group. Lambda releases a VPC function's network interfaces long after the
 * function is deleted; until then EC2 refuses the group's deletion with DependencyViolation, and the step waits.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import { DeleteFunctionCommand, GetFunctionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { absent, deleteOrWait, left, removed, whyNotOurs } from '../commons/aws-removal';
import { removeOwnSecurityGroup } from '../commons/security-group-removal';
import { isNotFound } from '../commons/cloud-errors';
import { resourceNames } from '../commons/naming';
import { carriesOurTags } from '../commons/ownership';
import type { RemovalInput, RemovalOutcome } from '../commons/teardown-data';

export async function removeProbeFunction(lambda: LambdaClient, input: RemovalInput): Promise<RemovalOutcome> {
  const functionName = resourceNames(input.request).aws.probeFunction;
  let found;
  try {
    found = await lambda.send(new GetFunctionCommand({ FunctionName: functionName }));
  } catch (error) {
    if (isNotFound(error)) return absent();
    throw error;
  }
  const arn = found.Configuration?.FunctionArn ?? functionName;
  const tags = found.Tags ?? {};
  if (!carriesOurTags(tags, input.request.environmentId)) return left(arn, whyNotOurs(tags, input.request.environmentId));
  // Refused with ResourceConflictException while a create or update is still going: that waits. Lambda
  // deletes the function at once; only its network interfaces linger.
  await deleteOrWait(`The probe function ${functionName}`, () => lambda.send(new DeleteFunctionCommand({ FunctionName: functionName })));
  return removed(arn);
}

export function removeProbeSecurityGroup(ec2: EC2Client, input: RemovalInput): Promise<RemovalOutcome> {
  return removeOwnSecurityGroup(ec2, input.request, resourceNames(input.request).aws.probeSecurityGroup);
}
