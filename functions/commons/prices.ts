/**
 * The list prices the plan's monthly estimate is made from, kept in the repository so an estimate can be
 * checked and its figures updated in one place. Each price names the page it was read from and the day;
 * `confirmed: false` says the figure could not be read from the provider's page (the stored copy renders no
 * numbers): it is the figure of the secondary source named, and should be checked before it is relied on.
 * Prices are USD list prices without discounts or taxes; regions differ.
 */

/** Azure and AWS both bill an hourly resource by the hours in a month as their calculators count them. */
export const HOURS_PER_MONTH = 730;

export interface Price {
  usd: number;
  unit: 'hour' | 'month';
  /** The provider's pricing page. */
  source: string;
  /** Where the figure was read when the provider's page could not be (a secondary source). */
  readFrom?: string;
  /** The day the figure was read (UTC). */
  read: string;
  confirmed: boolean;
  note?: string;
}

/** A usage charge: named, with its rate where known, never estimated (the plan cannot know the traffic). */
export interface UsageCharge {
  item: string;
  rate: string;
  source: string;
}

const READ = '2026-12-02';
const AWS_VPN = 'https://aws.amazon.com/vpn/pricing/';
const ROUTE53 = 'https://aws.amazon.com/route53/pricing/';
const AZURE_VPN = 'https://azure.microsoft.com/en-us/pricing/details/vpn-gateway/';
const AZURE_IP = 'https://azure.microsoft.com/en-us/pricing/details/ip-addresses/';
const AZURE_PRIVATE_LINK = 'https://azure.microsoft.com/en-us/pricing/details/private-link/';
const AZURE_DNS = 'https://azure.microsoft.com/en-us/pricing/details/dns/';

/** Azure VPN gateway, per gateway-hour, by the SKUs a request may name (an active-active gateway is billed as one gateway). */
export const AZURE_VPN_GATEWAY_PER_HOUR: Record<string, Price> = Object.fromEntries(
  (
    [
      ['VpnGw1AZ', 0.361],
      ['VpnGw2AZ', 0.564],
      ['VpnGw3AZ', 1.418],
      ['VpnGw4AZ', 2.3],
      ['VpnGw5AZ', 3.9],
    ] as const
  ).map(([sku, usd]) => [
    sku,
    {
      usd,
      unit: 'hour',
      source: AZURE_VPN,
      read: READ,
      confirmed: false,
      note: 'the stored copy of the pricing page renders no figures; the list price as last known, to be checked',
    } satisfies Price,
  ]),
);

export const PRICES = {
  awsVpnConnection: {
    usd: 0.05,
    unit: 'hour',
    source: AWS_VPN,
    readFrom: 'https://www.factualminds.com/blog/amazon-vpc-pricing-endpoints-peering-transit-gateway/ (us-east-1, June 2026)',
    read: READ,
    confirmed: false,
    note: 'per Site-to-Site VPN connection-hour (each connection has two tunnels); the us-east-1 figure, other regions may differ',
  },
  route53ResolverEndpointEni: {
    usd: 0.125,
    unit: 'hour',
    source: ROUTE53,
    readFrom: 'https://repost.aws/de/knowledge-center/route-53-resolver-endpoint-costs',
    read: READ,
    confirmed: true,
    note: 'per elastic network interface (one per IP address of the endpoint, at least two)',
  },
  azurePublicIpStandard: {
    usd: 0.005,
    unit: 'hour',
    source: AZURE_IP,
    readFrom: 'https://c3x.dev/resources/azure/azurerm_public_ip',
    read: READ,
    confirmed: false,
    note: 'Standard SKU, static; the provider page renders no figure',
  },
  azurePrivateEndpoint: {
    usd: 0.01,
    unit: 'hour',
    source: AZURE_PRIVATE_LINK,
    readFrom: 'https://oneuptime.com/blog/post/2026-02-16-how-to-reduce-azure-data-transfer-costs-with-private-endpoints-and-service-endpoints/view',
    read: READ,
    confirmed: false,
    note: 'per private endpoint-hour',
  },
  azureDnsResolverInboundEndpoint: {
    usd: 180,
    unit: 'month',
    source: AZURE_DNS,
    read: READ,
    confirmed: false,
    note: 'per inbound endpoint per month, as last known; the stored copy of the pricing page renders no figures',
  },
  azurePrivateDnsZone: {
    usd: 0.5,
    unit: 'month',
    source: AZURE_DNS,
    read: READ,
    confirmed: false,
    note: 'per hosted zone per month (first 25 zones), as last known; the stored copy of the pricing page renders no figures',
  },
} as const satisfies Record<string, Price>;

/** What is billed by use: named so nobody takes the estimate for the whole bill. */
export const USAGE_CHARGES: UsageCharge[] = [
  { item: 'AWS data transfer out through the VPN connections', rate: 'per GB, the EC2 data transfer out rates', source: AWS_VPN },
  { item: 'Route 53 Resolver queries through the outbound endpoint', rate: '$0.40 per million queries (first billion a month)', source: ROUTE53 },
  { item: 'Azure VPN gateway data transfer out (egress to AWS)', rate: 'per GB, the Azure bandwidth rates', source: AZURE_VPN },
  { item: 'Private endpoint data processed (ingress and egress)', rate: 'per GB', source: AZURE_PRIVATE_LINK },
  { item: 'Private DNS zone queries and DNS Private Resolver queries', rate: 'per million queries', source: AZURE_DNS },
];

/** What one price costs a month for `quantity` of it. Rounded to the cent. */
export function monthly(price: Price, quantity = 1): number {
  const perMonth = price.unit === 'hour' ? price.usd * HOURS_PER_MONTH : price.usd;
  return Math.round(perMonth * quantity * 100) / 100;
}

/** The source line of a cost item: the page, where it was read if elsewhere, the day, and whether confirmed. */
export function sourceOf(price: Price): string {
  return `${price.source}${price.readFrom ? ` (figure read from ${price.readFrom})` : ''}, read ${price.read}${price.confirmed ? '' : ', not confirmed on the provider page'}`;
}
