/**
 * Network security groups. Their rules live inside the NSG's `securityRules`; arm.ts reads and writes the
 * child id `…/securityRules/{name}` through `securityRuleEntry`, so the child type has no rule of its own.
 */
import { ArmBadRequestError } from '../errors';
import type { Props, ResourceFamily, TypeRule } from './rule';
import { baseBody, inUseCannotBeDeleted, NETWORK_RETRY_AFTER } from './shared';

const DEFAULT_SECURITY_RULES: [string, string, string, string, number, string, string][] = [
  ['AllowVnetInBound', 'Allow inbound traffic from all VMs in VNET', 'Allow', 'Inbound', 65000, 'VirtualNetwork', 'VirtualNetwork'],
  ['AllowAzureLoadBalancerInBound', 'Allow inbound traffic from azure load balancer', 'Allow', 'Inbound', 65001, 'AzureLoadBalancer', '*'],
  ['DenyAllInBound', 'Deny all inbound traffic', 'Deny', 'Inbound', 65500, '*', '*'],
  ['AllowVnetOutBound', 'Allow outbound traffic from all VMs to all VMs in VNET', 'Allow', 'Outbound', 65000, 'VirtualNetwork', 'VirtualNetwork'],
  ['AllowInternetOutBound', 'Allow outbound traffic from all VMs to Internet', 'Allow', 'Outbound', 65001, '*', 'Internet'],
  ['DenyAllOutBound', 'Deny all outbound traffic', 'Deny', 'Outbound', 65500, '*', '*'],
];

function checkSecurityRule(nsgId: string, rule: Props): void {
  const p = rule.properties ?? {};
  for (const field of ['protocol', 'access', 'direction', 'priority']) {
    if (p[field] === undefined) {
      throw new ArmBadRequestError('SecurityRuleParameterIsNull', `Security rule ${rule.name} of ${nsgId}: parameter ${field} is required.`);
    }
  }
  if (typeof p.priority !== 'number' || p.priority < 100 || p.priority > 4096) {
    throw new ArmBadRequestError(
      'SecurityRuleInvalidPriority',
      `Security rule ${rule.name} has invalid Priority. Value provided: ${p.priority}. Allowed range 100-4096.`,
    );
  }
}

/**
 * Two rules of one NSG with the same priority and direction are refused: 400 SecurityRuleConflict, naming the rule
 * already there and the one written (`written`), as the NRP answers (Azure/aks-engine#2106, egen/bucc#183).
 */
export function refuseConflictingPriorities(rules: Props[], written?: string): void {
  const seen = new Map<string, Props>();
  const ordered = written ? [...rules.filter((r) => r.name !== written), ...rules.filter((r) => r.name === written)] : rules;
  for (const rule of ordered) {
    const key = `${String(rule.properties?.direction ?? '').toLowerCase()}/${Number(rule.properties?.priority)}`;
    const other = seen.get(key);
    if (other) {
      throw new ArmBadRequestError(
        'SecurityRuleConflict',
        `Security rule ${other.name} conflicts with rule ${rule.name}. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.`,
      );
    }
    seen.set(key, rule);
  }
}

export function securityRuleEntry(nsgId: string, rule: Props): Props {
  checkSecurityRule(nsgId, rule);
  const id = `${nsgId}/securityRules/${rule.name}`;
  return { ...rule, id, type: 'Microsoft.Network/networkSecurityGroups/securityRules', properties: { ...rule.properties, provisioningState: 'Succeeded' } };
}

const networkSecurityGroup: TypeRule = {
  resourceGuid: true,
  latency: { create: 'azure.networkSecurityGroup.create', delete: 'azure.networkSecurityGroup.delete' },
  retryAfterSeconds: NETWORK_RETRY_AFTER,
  inUseError: (resource, usedBy) => inUseCannotBeDeleted('InUseNetworkSecurityGroupCannotBeDeleted', 'Network security group', resource, usedBy),
  write({ target, existing, request }) {
    const body = baseBody(request, existing);
    const props = body.properties;
    // A PUT of the NSG replaces its whole rule list, child rules written since included.
    props.securityRules = (Array.isArray(props.securityRules) ? props.securityRules : []).map((r: Props) => securityRuleEntry(target.id, r));
    refuseConflictingPriorities(props.securityRules);
    props.defaultSecurityRules = DEFAULT_SECURITY_RULES.map(([name, description, access, direction, priority, source, destination]) => ({
      name,
      id: `${target.id}/defaultSecurityRules/${name}`,
      properties: {
        description,
        access,
        destinationAddressPrefix: destination,
        destinationPortRange: '*',
        direction,
        priority,
        provisioningState: 'Succeeded',
        sourceAddressPrefix: source,
        sourcePortRange: '*',
        protocol: '*',
      },
    }));
    return body;
  },
};

export const securityFamily: ResourceFamily = {
  name: 'network security groups and their rules',
  rules: {
    'Microsoft.Network/networkSecurityGroups': networkSecurityGroup,
  },
  ruleless: ['Microsoft.Network/networkSecurityGroups/securityRules'],
};
