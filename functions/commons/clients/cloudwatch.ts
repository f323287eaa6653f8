/** The CloudWatch client (region and endpoint from the SDK's standard variables, see ec2.ts). */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

export function cloudWatchClient(): CloudWatchClient {
  return new CloudWatchClient({});
}
