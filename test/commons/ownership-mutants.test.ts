/**
 * The ownership check as plain functions: which tags make a resource ours, which refusal each foreign one gives.
 */
import { standardTags } from '../../functions/commons/naming';
import { carriesOurTags, declaredSharedResourceIds, foreignResourceProblems, isOurs, tagObject, type NamedResource } from '../../functions/commons/ownership';
import type { EnvironmentRequest } from '../../functions/commons/request/contract';
import { validateRequestDocument } from '../../functions/commons/request/schema';
import * as fs from 'fs';
import * as path from 'path';

const DEFAULT_REQUEST = JSON.parse(fs.readFileSync(path.join(__dirname, '../../events/new-environment.json'), 'utf8'));

const ENV = DEFAULT_REQUEST.environmentId as string;

function validRequest(): EnvironmentRequest {
  const result = validateRequestDocument(DEFAULT_REQUEST);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.request;
}

describe('ownership, as a plain function', () => {
  const resource = (over: Partial<NamedResource> = {}): NamedResource => ({
    cloud: 'azure',
    kind: 'network security group',
    name: 'nsg-x',
    id: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/networkSecurityGroups/nsg-X',
    path: 'environmentId',
    tags: {},
    ...over,
  });

  test('carriesOurTags needs both tags with exactly our values', () => {
    expect(carriesOurTags({ 'managed-by': 'aoai-private-link', environment: ENV }, ENV)).toBe(true);
    expect(carriesOurTags({ 'managed-by': 'aoai-private-link', environment: ENV, extra: 'x' }, ENV)).toBe(true);
    expect(carriesOurTags({ 'managed-by': 'aoai-private-link' }, ENV)).toBe(false);
    expect(carriesOurTags({ environment: ENV }, ENV)).toBe(false);
    expect(carriesOurTags({ 'managed-by': 'aoai-private-link', environment: 'aoai-dev-01' }, ENV)).toBe(false);
    expect(carriesOurTags({ 'managed-by': 'aoai-link', environment: ENV }, ENV)).toBe(false);
    expect(carriesOurTags({ 'Managed-By': 'aoai-private-link', environment: ENV }, ENV)).toBe(false);
    expect(carriesOurTags(undefined, ENV)).toBe(false);
    expect(carriesOurTags({}, ENV)).toBe(false);
  });

  test('a shared hub resource is ours with our managed-by tag for any environment, and only then', () => {
    expect(isOurs(resource({ sharedAcrossEnvironments: true, tags: { 'managed-by': 'aoai-private-link', environment: 'other' } }), ENV)).toBe(true);
    expect(isOurs(resource({ sharedAcrossEnvironments: true, tags: { 'managed-by': 'aoai-private-link' } }), ENV)).toBe(true);
    expect(isOurs(resource({ sharedAcrossEnvironments: true, tags: { 'managed-by': 'other', environment: ENV } }), ENV)).toBe(false);
    expect(isOurs(resource({ sharedAcrossEnvironments: true, tags: undefined }), ENV)).toBe(false);
    // Not shared: the environment counts.
    expect(isOurs(resource({ sharedAcrossEnvironments: false, tags: { 'managed-by': 'aoai-private-link' } }), ENV)).toBe(false);
    expect(isOurs(resource({ tags: { 'managed-by': 'aoai-private-link' } }), ENV)).toBe(false);
    expect(isOurs(resource({ tags: undefined }), ENV)).toBe(false);
  });

  test('foreign resources give one problem each, in order, at their path, skipping declared shared ones by id without case', () => {
    const aws = resource({ cloud: 'aws', kind: 'customer gateway', name: 'cgw-name', id: 'cgw-0123', path: 'environmentId', tags: { 'managed-by': 'aoai-private-link' } });
    const zone = resource({ kind: 'private DNS zone', id: '/Z/Zone', path: 'azure.resourceGroup', sharedAcrossEnvironments: true, tags: {} });
    const subnet = resource({ kind: 'subnet', id: '/subnet', path: 'azure.privateEndpointSubnetPrefix', tags: undefined, ownershipNote: 'NOTE-OF-THE-CALLER' });
    const mine = resource({ id: '/mine', tags: standardTags(ENV) });
    const declared = resource({ id: '/Declared/Zone', tags: {} });
    const problems = foreignResourceProblems([aws, mine, zone, declared, subnet], ENV, new Set(['/declared/zone']));
    expect(problems.map((p) => p.path)).toEqual(['environmentId', 'azure.resourceGroup', 'azure.privateEndpointSubnetPrefix']);
    // Each names the cloud, the resource and the tags it lacks (or the caller's reason), so the engineer can find it.
    expect(problems[0].message).toMatch(/^AWS customer gateway cgw-name \(cgw-0123\)/);
    expect(problems[0].message).toContain(`managed-by=aoai-private-link and environment=${ENV}`);
    expect(problems[1].message).toMatch(/^Azure private DNS zone /);
    expect(problems[1].message).toContain('(it lacks the tags managed-by=aoai-private-link)');
    expect(problems[1].message).toContain('Choose another azure.resourceGroup');
    expect(problems[2].message).toContain('(NOTE-OF-THE-CALLER)');
    expect(problems[2].message).not.toContain('lacks the tags');
    expect(foreignResourceProblems([declared], ENV, new Set())).toHaveLength(1);
  });

  test('declaredSharedResourceIds lists the request’s hub zone id in lower case, and nothing else', () => {
    const document = validRequest();
    expect([...declaredSharedResourceIds(document)]).toEqual([]);
    const withZone = { ...document, azure: { ...document.azure, privateDnsZoneId: '/Subscriptions/S/Zone' } } as EnvironmentRequest;
    expect([...declaredSharedResourceIds(withZone)]).toEqual(['/subscriptions/s/zone']);
    const notText = { ...document, azure: { ...document.azure, privateDnsZoneId: 7 } } as unknown as EnvironmentRequest;
    expect([...declaredSharedResourceIds(notText)]).toEqual([]);
  });

  test('tagObject turns [{Key, Value}] into an object, a missing value into "", and skips keyless tags', () => {
    expect(tagObject([{ Key: 'a', Value: '1' }, { Key: 'b' }, { Value: 'orphan' }])).toEqual({ a: '1', b: '' });
    expect(tagObject(undefined)).toEqual({});
  });
});
