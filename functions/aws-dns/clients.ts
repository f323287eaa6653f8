/** The clients (kept for the execution environment, ../commons/clients/environment-cache.ts) the DNS-forwarding steps use, built from the function's settings. */
import { checkConfiguration } from '../commons/config';
import { forThisEnvironment } from '../commons/clients/environment-cache';
import { ec2Clients } from '../commons/clients/ec2';
import { resolverClient } from '../commons/clients/resolver';

export function awsDnsClients() {
  return forThisEnvironment('AwsDns', () => {
    checkConfiguration('AwsDns');
    return { ...ec2Clients(), resolver: resolverClient() };
  });
}
