/** The Lambda client (region and endpoint from the SDK's standard variables, see ec2.ts). */
import { LambdaClient } from '@aws-sdk/client-lambda';

export function lambdaClient(): LambdaClient {
  return new LambdaClient({});
}
