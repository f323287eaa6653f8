/** The clients (kept for the execution environment, ../commons/clients/environment-cache.ts) the probe removal steps use. */
import { checkConfiguration } from '../commons/config';
import { forThisEnvironment } from '../commons/clients/environment-cache';
import { ec2Client } from '../commons/clients/ec2';
import { lambdaClient } from '../commons/clients/lambda';

export function removeProbeClients() {
  return forThisEnvironment('RemoveProbe', () => {
    checkConfiguration('RemoveProbe');
    return { ec2: ec2Client(), lambda: lambdaClient() };
  });
}
