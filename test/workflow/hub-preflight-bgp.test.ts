/**
 * The first step and BGP routing: the tunnel mapping is computed once, from the request and what the hub's
 * gateway already holds, and a hub gateway that cannot carry it is refused before anything is created, every
 * problem at once with its field path. Real validator, real SDK clients, emulated clouds with zero writes.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { hubResourceNames } from '../../functions/commons/hub';
import { validateRequestDocument } from '../../functions/commons/request/schema';
import { validateEnvironmentRequest, type CheckedRequest } from '../../functions/validate-request/validate';
import { readWorld, type World } from '../../local/cloud/world';
import { DEFAULT_REQUEST, ROOT } from './support';
import { problemsOf, startValidatorClouds, type ValidatorClouds } from './validate-support';

const WORLDS = path.join(ROOT, 'test', 'fixtures', 'worlds');
const FOREIGN_HUB = path.join(WORLDS, 'foreign-hub.json');

const bgp = (document: any, options: object = {}) => ({ ...document, options: { ...document.options, routing: 'bgp', ...options } });
const spoke = () => JSON.parse(readFileSync(path.join(WORLDS, 'foreign-hub-spoke-1.json'), 'utf8'));
/** The platform team's gateway, made active-active with BGP on (as its owner would run it for BGP spokes). */
function activeActiveHub(): World {
  const world: any = readWorld(FOREIGN_HUB);
  Object.assign(world.azure.virtualNetworkGateways[0], { activeActive: true, enableBgp: true, bgpAsn: 65010, publicIpAddresses: ['20.48.100.17', '20.48.100.18'] });
  return world;
}

let clouds: ValidatorClouds;
beforeAll(async () => {
  clouds = await startValidatorClouds(readWorld());
});
afterAll(async () => clouds?.close());

async function check(world: World, document: unknown): Promise<{ result?: CheckedRequest; error?: unknown; writes: string[] }> {
  clouds.reset(world);
  const mark = clouds.mark();
  try {
    return { result: await validateEnvironmentRequest(document, clouds.clients, clouds.context), writes: clouds.writesSince(mark) };
  } catch (error) {
    return { error, writes: clouds.writesSince(mark) };
  }
}

test("on an empty VNet: the Microsoft layout, the hub's second public IP to create, and the table in the plan", async () => {
  const { result, writes, error } = await check(readWorld(), bgp(DEFAULT_REQUEST));
  expect(error).toBeUndefined();
  expect(writes).toEqual([]);
  const names = hubResourceNames((validateRequestDocument(bgp(DEFAULT_REQUEST)) as any).request);
  expect(result!.facts.bgp).toMatchObject({
    azureAsn: 65000,
    awsAsn: 64512,
    instanceAddresses: [
      ['169.254.21.2', '169.254.22.2'],
      ['169.254.21.6', '169.254.22.6'],
    ],
    ipConfigurationIds: [names.vpnGatewayIpConfigurationId, names.vpnGatewaySecondIpConfigurationId],
    secondPublicIp: { id: names.secondPublicIp.id, action: 'create', ready: false },
  });
  expect(result!.facts.bgp).not.toHaveProperty('gatewayNeedsAddresses');
  expect(result!.hubPlan).toContainEqual(expect.stringMatching(/^create gateway's second public IP pip-vnet-hub-vpngw-2 /));
  expect(result!.hubPlan).toContainEqual('BGP: Azure ASN 65000, AWS ASN 64512');
});

test("static routing leaves facts.bgp out, and the plan as it was", async () => {
  const { result } = await check(readWorld(), DEFAULT_REQUEST);
  expect(result!.facts).not.toHaveProperty('bgp');
  expect(result!.hubPlan.some((line) => /BGP/.test(line))).toBe(false);
});

test("another team's active-standby gateway is refused for BGP: converting it would cut every connection on it", async () => {
  const { error, writes } = await check(readWorld(FOREIGN_HUB), bgp(spoke()));
  expect(writes).toEqual([]);
  expect(problemsOf(error)).toEqual([{ path: 'options.routing', message: expect.stringMatching(/vpngw-platform is active-standby with BGP off/) }]);
});

test("another team's active-active gateway without free custom APIPA addresses is refused with the fix, its ASN mismatch with it", async () => {
  const { error, writes } = await check(activeActiveHub(), bgp(spoke(), { bgp: { azureAsn: 65000 } }));
  expect(writes).toEqual([]);
  expect(problemsOf(error)).toEqual([
    { path: 'options.bgp.azureAsn', message: expect.stringMatching(/speaks BGP as 65010; leave it out or set 65010/) },
    { path: 'options.bgp.tunnelInsideCidrs', message: expect.stringMatching(/ask its owner to add them/) },
  ]);
});

test("requested /30s on another team's gateway must already be configured there: each missing one is named", async () => {
  const { error } = await check(activeActiveHub(), bgp(spoke(), { bgp: { tunnelInsideCidrs: ['169.254.21.0/30', '169.254.22.0/30', '169.254.21.4/30', '169.254.22.4/30'] } }));
  // Its owner configured no custom addresses: each requested /30 names its missing one.
  expect(problemsOf(error).map((p) => p.path)).toEqual([0, 1, 2, 3].map((i) => `options.bgp.tunnelInsideCidrs[${i}]`));
  expect(problemsOf(error)[0].message).toMatch(new RegExp(`169\\.254\\.21\\.2 is not a custom BGP address of the hub gateway's instance 0`));
});
