/**
 * How long cloud operations take on the simulated clock (contract: local-cloud.md, "Default latencies").
 * With a jitter seed each latency is drawn within ±25% of the table, keyed by the resource, so no wait in
 * the workflow can be tuned to the exact numbers and the draw does not depend on call order.
 */
import { seededDraw } from './faults';

export const DEFAULT_LATENCY_SECONDS = {
  'azure.publicIPAddress.create': 15,
  'azure.subnet.write': 10,
  'azure.networkSecurityGroup.create': 10,
  'azure.virtualNetworkGateway.create': 2400,
  /** An update in place (custom BGP addresses added): no source gives a figure, so as long as a build (docs/local-mode.md). */
  'azure.virtualNetworkGateway.update': 2400,
  'azure.localNetworkGateway.create': 30,
  'azure.connection.create': 60,
  'tunnel.up': 120,
  /** BGP session established after its tunnel is up: one AWS BGP hold time (docs/local-mode.md, "Strict readings: BGP and active-active"). */
  'bgp.session': 30,
  'azure.privateDnsZone.create': 30,
  'azure.virtualNetworkLink.create': 30,
  'azure.privateEndpoint.create': 90,
  'azure.privateDnsZoneGroup.create': 15,
  'azure.dnsResolver.create': 120,
  'azure.inboundEndpoint.create': 180,
  'azure.openAiAccount.update': 60,
  'aws.customerGateway.create': 10,
  'aws.vpnGateway.create': 30,
  'aws.vpnGateway.attach': 45,
  'aws.vpnConnection.create': 300,
  'aws.resolverEndpoint.create': 180,
  'aws.resolverRule.create': 10,
  'aws.resolverRuleAssociation.create': 60,
  'aws.lambda.activate': 60,
  // Deletions (the contract's second half of the table).
  'azure.virtualNetworkGateway.delete': 900,
  'azure.connection.delete': 60,
  'azure.localNetworkGateway.delete': 30,
  'azure.publicIPAddress.delete': 10,
  'azure.privateEndpoint.delete': 60,
  'azure.privateDnsZoneGroup.delete': 15,
  'azure.virtualNetworkLink.delete': 30,
  'azure.privateDnsZone.delete': 30,
  'azure.dnsResolver.delete': 60,
  'azure.inboundEndpoint.delete': 120,
  'azure.networkSecurityGroup.delete': 10,
  'azure.subnet.delete': 10,
  'aws.vpnConnection.delete': 120,
  'aws.vpnGateway.detach': 60,
  'aws.vpnGateway.delete': 30,
  'aws.customerGateway.delete': 10,
  'aws.resolverRuleAssociation.delete': 60,
  'aws.resolverRule.delete': 10,
  'aws.resolverEndpoint.delete': 120,
  /** After DeleteFunction, how long a VPC function's network interfaces stay (its security group cannot go until then). */
  'aws.lambda.releaseNetworkInterfaces': 1200,
} as const;

export type LatencyKind = keyof typeof DEFAULT_LATENCY_SECONDS;

export class Latencies {
  constructor(private readonly jitterSeed?: number) {}

  /** Simulated seconds the operation takes on this resource; anything not in the table takes 0. */
  of(kind: LatencyKind | string, resourceKey: string): number {
    const base = (DEFAULT_LATENCY_SECONDS as Record<string, number>)[kind] ?? 0;
    if (this.jitterSeed === undefined || base === 0) return base;
    const draw = seededDraw(this.jitterSeed, `${kind}|${resourceKey.toLowerCase()}`);
    return Math.round(base * (0.75 + 0.5 * draw));
  }
}
