/** The clients (kept for the execution environment, ../commons/clients/environment-cache.ts) the DNS-forwarding removal steps use. */
import { checkConfiguration } from '../commons/config';
import { forThisEnvironment } from '../commons/clients/environment-cache';
import { ec2Client } from '../commons/clients/ec2';
import { resolverClient } from '../commons/clients/resolver';

export function removeAwsDnsClients() {
  return forThisEnvironment('RemoveAwsDns', () => {
    checkConfiguration('RemoveAwsDns');
    return { ec2: ec2Client(), resolver: resolverClient() };
  });
}
