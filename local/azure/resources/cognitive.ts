/** The Azure OpenAI (Cognitive Services) account and its model deployments. */
import { ArmBadRequestError } from '../errors';
import type { Body, Props, ResourceFamily, TypeRule } from './rule';
import { baseBody, clone } from './shared';

const cognitiveAccount: TypeRule = {
  latency: { update: 'azure.openAiAccount.update' },
  inProgressState: 'Accepted',
  write({ existing, request, method }) {
    const body: Body =
      method === 'PATCH' && existing ? clone(existing.body) : { ...baseBody(request, existing), properties: { ...clone(existing?.body.properties ?? {}), ...clone(request.properties ?? {}) } };
    if (method === 'PATCH') {
      Object.assign(body.properties, clone(request.properties ?? {}));
      if (request.tags !== undefined) body.tags = clone(request.tags);
      if (request.sku !== undefined) body.sku = clone(request.sku);
    }
    body.kind ??= existing?.body.kind;
    body.sku ??= existing?.body.sku;
    const props = body.properties;
    if (props.publicNetworkAccess !== undefined && !['Enabled', 'Disabled'].includes(props.publicNetworkAccess)) {
      throw new ArmBadRequestError('InvalidRequestContent', `publicNetworkAccess must be 'Enabled' or 'Disabled' (got '${props.publicNetworkAccess}').`);
    }
    const before = existing?.body.properties.customSubDomainName;
    if (before && props.customSubDomainName && String(props.customSubDomainName).toLowerCase() !== String(before).toLowerCase()) {
      throw new ArmBadRequestError('CustomDomainNameImmutable', `customSubDomainName cannot be changed once set (it is '${before}').`);
    }
    if (props.customSubDomainName) props.endpoint = `https://${props.customSubDomainName}.openai.azure.com/`;
    return body;
  },
  view(_ctx, store, resource, body) {
    // One connection per private endpoint that names the account (auto-approved or manual), with the state the
    // endpoint's connection holds: derived at read time, so world-loaded and API-written endpoints show alike.
    body.properties.privateEndpointConnections = store.ofType('Microsoft.Network/privateEndpoints').flatMap((pe) => {
      const connections: Props[] = [...(pe.body.properties.privateLinkServiceConnections ?? []), ...(pe.body.properties.manualPrivateLinkServiceConnections ?? [])];
      const connection = connections.find((c) => String(c.properties?.privateLinkServiceId).toLowerCase() === resource.id.toLowerCase());
      if (!connection) return [];
      const state = connection.properties?.privateLinkServiceConnectionState ?? { status: 'Pending', description: '', actionsRequired: 'None' };
      return [
        {
          id: `${resource.id}/privateEndpointConnections/${pe.name}.${store.guid(`pec:${pe.id}`)}`,
          name: `${pe.name}.${store.guid(`pec:${pe.id}`)}`,
          type: 'Microsoft.CognitiveServices/accounts/privateEndpointConnections',
          properties: {
            privateEndpoint: { id: pe.id },
            groupIds: connection.properties?.groupIds ?? ['account'],
            privateLinkServiceConnectionState: clone(state),
            provisioningState: store.provisioningState(pe),
          },
        },
      ];
    });
  },
};

export const cognitiveFamily: ResourceFamily = {
  name: 'the Azure OpenAI account and its deployments',
  rules: {
    'Microsoft.CognitiveServices/accounts': cognitiveAccount,
  },
  // Deployments are seeded by the world and only read by the workflow.
  ruleless: ['Microsoft.CognitiveServices/accounts/deployments'],
};
