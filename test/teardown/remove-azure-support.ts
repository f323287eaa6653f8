/**
 * Fixtures for the Azure removal tests: the environment's Azure side built by the product's own provisioning
 * functions (the tunnels' local network gateways and connections by raw PUTs of the bodies the tunnels step
 * sends), against the emulated Azure in-process, on the simulated clock.
 */
import * as azure from '../../functions/azure-network/azure-network';
import { toWorkflowError } from '../../functions/commons/cloud-errors';
import { hubResourceNames } from '../../functions/commons/hub';
import { armTags, resourceNames } from '../../functions/commons/naming';
import type { EnvironmentRequest } from '../../functions/commons/request/contract';
import type { StepInput } from '../../functions/azure-network/azure-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { emulatorCredential, SUB, type TestAzure } from '../local-azure/support';
import { ENV } from '../workflow/azure-support';

/**
 * The Azure names of what provisioning builds for a request on an empty VNet: the hub's (named for the VNet)
 * for the hub resources, the environment's own for its tunnels, in the shape of resourceNames().azure.
 */
export function provisionedAzureNames(request: EnvironmentRequest) {
  const own = resourceNames(request).azure;
  const hub = hubResourceNames(request);
  return {
    ...own,
    gatewaySubnet: hub.gatewaySubnet,
    publicIp: hub.publicIp,
    vpnGateway: hub.vpnGateway,
    vpnGatewayIpConfigurationId: hub.vpnGatewayIpConfigurationId,
    privateEndpointSubnet: hub.privateEndpointSubnet,
    dnsInboundSubnet: hub.dnsResolverSubnet,
    privateEndpointNsg: hub.privateEndpointNsg,
    dnsInboundNsg: hub.dnsInboundNsg,
    privateEndpoint: hub.privateEndpoint,
    privateEndpointNicName: hub.privateEndpointNicName,
    privateLinkServiceConnectionName: hub.privateLinkServiceConnectionName,
    privateDnsZoneGroup: hub.privateDnsZoneGroup,
    privateDnsZone: hub.privateDnsZone,
    virtualNetworkLink: hub.virtualNetworkLink,
    dnsResolver: hub.dnsResolver,
    inboundEndpoint: hub.inboundEndpoint,
  };
}

/** Sleeps on the simulated clock until every operation in flight is done. */
export async function settle(env: TestAzure): Promise<void> {
  const last = Math.max(0, ...Object.values(env.ctx.state.azure.resources).map((r) => r.operation?.readyAt ?? 0));
  await env.clock.sleep(Math.max(0, last - env.clock.now()) + 1);
}

/**
 * Calls a step the way the task shell and its state's Retry would: the error named as the shell names it,
 * and the step called again after `interval` simulated seconds while it is not ready or met a cloud fault.
 */
export async function untilReady<T>(env: TestAzure, step: () => Promise<T>, interval = 15, maxAttempts = 200): Promise<{ result: T; notReady: number }> {
  let notReady = 0;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    try {
      return { result: await step(), notReady };
    } catch (error) {
      const named = toWorkflowError(error, 'test step');
      if (named.name !== 'ResourceNotReady' && named.name !== 'TransientCloudError') throw named;
      notReady++;
      await env.clock.sleep(interval);
    }
  }
  throw new Error(`still not ready after ${maxAttempts} attempts`);
}

/**
 * A new client with a new token, as a Lambda execution environment recycled after a long build would have:
 * the emulated Entra ID dates tokens on the simulated clock, and the gateway build outlasts one.
 */
export function renewClient(env: TestAzure): void {
  const client = new ResourceManagementClient(emulatorCredential(env.azure), SUB, {
    endpoint: env.azure.endpoint,
    credentialScopes: 'https://management.azure.com/.default',
    tlsOptions: { ca: env.azure.caPem },
    retryOptions: { retryDelayInMs: 5, maxRetryDelayInMs: 20 },
  });
  env.client = client;
  env.send = async (method, id, apiVersion, body) => {
    const response = await client.sendRequest(
      createPipelineRequest({
        url: `${env.azure.endpoint}${id}?api-version=${apiVersion}`,
        method: method as 'GET',
        headers: createHttpHeaders({ 'content-type': 'application/json' }),
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    return Object.assign(response, { json: response.bodyAsText ? JSON.parse(response.bodyAsText) : undefined });
  };
}

/** Everything provisioning builds on the Azure side of the environment, each Succeeded. */
export async function provisionAzureSide(env: TestAzure, input: StepInput): Promise<void> {
  const n = provisionedAzureNames(input.request);
  const step = async (run: () => Promise<unknown>) => {
    await untilReady(env, run, 5);
    await settle(env);
  };
  await step(() => azure.createGatewaySubnetAndPublicIp(env.client, input));
  await step(() => azure.readGatewayPublicIp(env.client, input));
  await step(() => azure.createVpnGateway(env.client, input));
  renewClient(env);
  await step(() => azure.createNetworkSecurityGroups(env.client, input));
  await step(() => azure.createPrivateEndpointSubnet(env.client, input));
  await step(() => azure.createDnsResolverSubnet(env.client, input));
  await step(() => azure.createPrivateDnsZone(env.client, input));
  await step(() => azure.createPrivateEndpoint(env.client, input));
  await step(() => azure.linkPrivateDnsZone(env.client, input));
  await step(() => azure.registerPrivateEndpointInZone(env.client, input));
  await step(() => azure.createDnsResolver(env.client, input));
  await step(() => azure.createInboundEndpoint(env.client, input));
  const tags = armTags(ENV);
  for (const [index, tunnel] of n.tunnels.entries()) {
    const lng = await env.send('PUT', tunnel.localNetworkGateway.id, '2024-05-01', {
      location: 'japaneast',
      tags,
      properties: { gatewayIpAddress: `203.0.113.${10 + index}`, localNetworkAddressSpace: { addressPrefixes: ['172.17.0.0/16'] } },
    });
    expect(lng.status).toBeLessThan(300);
    await settle(env);
    const connection = await env.send('PUT', tunnel.connection.id, '2024-05-01', {
      location: 'japaneast',
      tags,
      properties: {
        connectionType: 'IPsec',
        connectionProtocol: 'IKEv2',
        virtualNetworkGateway1: { id: n.vpnGateway.id },
        localNetworkGateway2: { id: tunnel.localNetworkGateway.id },
        sharedKey: `test-shared-key-${index}-0123456789`,
        enableBgp: false,
      },
    });
    expect(connection.status).toBeLessThan(300);
    await settle(env);
  }
  renewClient(env);
}
