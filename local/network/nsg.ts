/**
 * Azure network security group evaluation for traffic arriving over the VPN. Inbound rules are taken in
 * priority order and the first one that matches decides; when none matches the traffic is denied. This model has
 * no default "AllowVnetInBound" for AWS sources (contract): traffic from the VPC needs an explicit Allow.
 *
 * The source is a whole range (the VPC CIDR), since the contract asks what the NSG allows "from the VPC CIDR".
 * A rule whose source covers the range decides; an Allow covering only part of it does not count, and a Deny
 * covering part of it blocks (some VPC address would be refused).
 */
import { cidrContainsIp, cidrCovers, cidrsOverlap, isAddressOrCidr } from './ipv4';

export interface NsgRule {
  name: string;
  properties: Record<string, any>;
}

export interface NsgFlow {
  protocol: 'Tcp' | 'Udp';
  port: number;
  sourceCidr: string;
  destinationIp: string;
}

export interface NsgDecision {
  allowed: boolean;
  /** The deciding rule, when one matched. */
  rule?: string;
  explanation: string;
}

const ANY = new Set(['*', 'any', '0.0.0.0/0', 'internet']);

function list(single: unknown, many: unknown): string[] {
  const out: string[] = [];
  if (Array.isArray(many)) out.push(...many.map(String));
  if (typeof single === 'string' && single !== '') out.push(single);
  return out;
}

function portMatches(ranges: string[], port: number): boolean {
  return ranges.some((range) => {
    if (range === '*') return true;
    const [from, to] = range.split('-').map((x) => Number(x.trim()));
    return Number.isFinite(from) && port >= from && port <= (Number.isFinite(to) ? to : from);
  });
}

function sourceCoverage(prefixes: string[], sourceCidr: string): 'full' | 'partial' | 'none' {
  let partial = false;
  for (const prefix of prefixes) {
    if (ANY.has(prefix.toLowerCase())) return 'full';
    if (!isAddressOrCidr(prefix)) continue; // service tags such as VirtualNetwork do not include AWS sources here
    if (cidrCovers(prefix, sourceCidr)) return 'full';
    if (cidrsOverlap(prefix, sourceCidr)) partial = true;
  }
  return partial ? 'partial' : 'none';
}

function destinationMatches(prefixes: string[], ip: string): boolean {
  if (prefixes.length === 0) return true;
  return prefixes.some((p) => !isAddressOrCidr(p) || ANY.has(p.toLowerCase()) || cidrContainsIp(p, ip));
}

export function evaluateNsg(rules: NsgRule[], flow: NsgFlow): NsgDecision {
  const inbound = rules
    .filter((r) => String(r.properties.direction ?? '').toLowerCase() === 'inbound')
    .sort((a, b) => Number(a.properties.priority ?? 4096) - Number(b.properties.priority ?? 4096));
  for (const rule of inbound) {
    const p = rule.properties;
    const protocol = String(p.protocol ?? '*').toLowerCase();
    if (protocol !== '*' && protocol !== 'any' && protocol !== flow.protocol.toLowerCase()) continue;
    if (!portMatches(list(p.destinationPortRange, p.destinationPortRanges), flow.port)) continue;
    if (!destinationMatches(list(p.destinationAddressPrefix, p.destinationAddressPrefixes), flow.destinationIp)) continue;
    const coverage = sourceCoverage(list(p.sourceAddressPrefix, p.sourceAddressPrefixes), flow.sourceCidr);
    const deny = String(p.access ?? '').toLowerCase() !== 'allow';
    if (coverage === 'full' || (coverage === 'partial' && deny)) {
      return deny
        ? { allowed: false, rule: rule.name, explanation: `rule ${rule.name} (priority ${p.priority}) denies it` }
        : { allowed: true, rule: rule.name, explanation: `rule ${rule.name} (priority ${p.priority}) allows it` };
    }
  }
  return { allowed: false, explanation: 'no inbound rule allows it' };
}
