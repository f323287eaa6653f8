/**
 * EC2 clients. Region and endpoint come from the standard variables the SDK reads itself (AWS_REGION, which
 * Lambda sets; AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_EC2 for a VPC endpoint or a proxy), as for every AWS client here.
 */
import { EC2Client } from '@aws-sdk/client-ec2';

export interface Ec2Clients {
  ec2: EC2Client;
  /** EC2 with the SDK's retries off: for creates that take no client token (see ../ec2.ts). */
  ec2Once: EC2Client;
}

export function ec2Client(): EC2Client {
  return new EC2Client({});
}

export function ec2Clients(): Ec2Clients {
  return { ec2: ec2Client(), ec2Once: new EC2Client({ maxAttempts: 1 }) };
}
