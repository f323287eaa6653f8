/**
 * The api-versions each resource provider serves (the stable/ and preview/ folders of azure-rest-api-specs:
 * specification/network, privatedns, dnsresolver and cognitiveservices). Anything else is refused as ARM does.
 * Kept by provider, not by family: the Microsoft.Network versions hold for several families at once.
 */

const NETWORK_API_VERSIONS = [
  '2015-05-01-preview', '2015-06-15', '2016-03-30', '2016-06-01', '2016-09-01', '2016-10-01', '2016-12-01', '2017-03-01',
  '2017-06-01', '2017-08-01', '2017-09-01', '2017-10-01', '2017-11-01', '2018-01-01', '2018-02-01', '2018-04-01', '2018-06-01',
  '2018-07-01', '2018-08-01', '2018-10-01', '2018-11-01', '2018-12-01', '2019-02-01', '2019-04-01', '2019-06-01', '2019-07-01',
  '2019-08-01', '2019-09-01', '2019-11-01', '2019-12-01', '2020-03-01', '2020-04-01', '2020-05-01', '2020-06-01', '2020-07-01',
  '2020-08-01', '2020-11-01', '2021-02-01', '2021-03-01', '2021-05-01', '2021-08-01', '2022-01-01', '2022-05-01', '2022-07-01',
  '2022-09-01', '2022-11-01', '2023-02-01', '2023-04-01', '2023-05-01', '2023-06-01', '2023-09-01', '2023-11-01', '2024-01-01',
  '2024-03-01', '2024-05-01', '2024-07-01', '2024-10-01', '2025-01-01', '2025-03-01', '2025-05-01', '2025-07-01', '2026-01-01',
];
const PRIVATE_DNS_API_VERSIONS = ['2018-09-01', '2020-01-01', '2020-06-01', '2024-06-01', '2026-06-01-preview'];
const DNS_RESOLVER_API_VERSIONS = ['2020-04-01-preview', '2022-07-01', '2023-07-01-preview', '2025-05-01', '2025-10-01-preview', '2026-07-01-preview'];
const COGNITIVE_SERVICES_API_VERSIONS = [
  '2016-02-01-preview', '2017-04-18', '2021-04-30', '2021-10-01', '2022-03-01', '2022-10-01', '2022-12-01', '2023-05-01',
  '2023-10-01-preview', '2024-04-01-preview', '2024-06-01-preview', '2024-10-01', '2025-04-01-preview', '2025-06-01',
  '2025-07-01-preview', '2025-09-01', '2025-10-01-preview',
];

/** The api-versions ARM routes for this type, or undefined for types this emulator does not police (resource groups). */
export function supportedApiVersions(type: string): string[] | undefined {
  const t = type.toLowerCase();
  if (t.startsWith('microsoft.network/privatednszones')) return PRIVATE_DNS_API_VERSIONS;
  if (t.startsWith('microsoft.network/dnsresolvers')) return DNS_RESOLVER_API_VERSIONS;
  if (t.startsWith('microsoft.network/')) return NETWORK_API_VERSIONS;
  if (t.startsWith('microsoft.cognitiveservices/')) return COGNITIVE_SERVICES_API_VERSIONS;
  return undefined;
}
