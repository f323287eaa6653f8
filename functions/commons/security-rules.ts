/**
 * This environment's rules in the hub's NSGs, by name: kept apart from the ARM calls so the summary and the
 * teardown can name them without loading the Azure clients. Rules carry no tags, so the environment id in
 * the name is what lets provisioning find its own and the teardown remove only those.
 */

/** One rule of this environment: a child of the NSG, so writing it never touches another environment's. */
export interface EnvironmentRule {
  name: string;
  protocol: 'Tcp' | 'Udp';
  port: string;
}

/** Rule names carry the environment id: each environment finds, and later removes, only its own. */
export function privateEndpointRules(environmentId: string): EnvironmentRule[] {
  return [{ name: `aoai-link-${environmentId}-https`, protocol: 'Tcp', port: '443' }];
}

export function dnsInboundRules(environmentId: string): EnvironmentRule[] {
  return [
    { name: `aoai-link-${environmentId}-dns-udp`, protocol: 'Udp', port: '53' },
    { name: `aoai-link-${environmentId}-dns-tcp`, protocol: 'Tcp', port: '53' },
  ];
}

/** Every rule name of the environment: what the teardown looks for in the NSGs on the VNet's subnets. */
export function environmentRuleNames(environmentId: string): string[] {
  return [...privateEndpointRules(environmentId), ...dnsInboundRules(environmentId)].map((rule) => rule.name);
}

/** The NSGs on a VNet's subnets (as ARM's VNet body lists them), each once: where an environment's rules can be. */
export function nsgIdsOnSubnets(vnet: { properties: { subnets?: { properties?: { networkSecurityGroup?: { id?: string } } }[] } } | undefined): string[] {
  const ids = (vnet?.properties.subnets ?? []).map((s) => s.properties?.networkSecurityGroup?.id).filter((id): id is string => !!id);
  return [...new Map(ids.map((id) => [id.toLowerCase(), id])).values()];
}
