/**
 * The emulated ARM learns its resource types only from the registry (local/azure/resources/index.ts). These
 * checks make a forgotten family, a type served by no family, or a type split across two families fail here
 * rather than as a generic "stored as sent" resource somewhere in a workflow run.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { canonicalType, CANONICAL_TYPES, RESOURCE_FAMILIES, ruleFor, type ResourceFamily } from '../../local/azure/resources';

const ROOT = join(__dirname, '..', '..');
const FAMILY_DIR = join(ROOT, 'local', 'azure', 'resources');

/**
 * Types the sources name that the emulated ARM deliberately does not serve, and why. Anything else named must
 * be registered.
 */
const NAMED_BUT_NOT_SERVED: Record<string, string> = {
  'Microsoft.Resources/subscriptions': 'what parseArmId calls a bare subscription path; never stored',
  'Microsoft.Network/dnsResolvers/outboundEndpoints': "named only as a possible user of a resolver subnet; the product's outbound endpoint is AWS's",
  'Microsoft.CognitiveServices/accounts/privateEndpointConnections': "a view inside the account's answer, not a resource of its own",
};

function isFamily(value: unknown): value is ResourceFamily {
  return !!value && typeof value === 'object' && typeof (value as ResourceFamily).name === 'string' && typeof (value as ResourceFamily).rules === 'object';
}

function typesOf(family: ResourceFamily): string[] {
  return [...Object.keys(family.rules), ...(family.ruleless ?? [])];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('the registry of ARM resource families', () => {
  it('lists every family that a file under local/azure/resources/ exports, one family per file', () => {
    const unlisted: string[] = [];
    let familyFiles = 0;
    for (const file of readdirSync(FAMILY_DIR).filter((f) => f.endsWith('.ts') && f !== 'index.ts')) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const families = Object.values(require(join(FAMILY_DIR, file)) as Record<string, unknown>).filter(isFamily);
      if (families.length === 0) continue;
      familyFiles++;
      expect({ file, families: families.length }).toEqual({ file, families: 1 });
      if (!RESOURCE_FAMILIES.includes(families[0])) unlisted.push(`${file}: ${families[0].name}`);
    }
    expect(unlisted).toEqual([]);
    expect(familyFiles).toBeGreaterThanOrEqual(6);
  });

  it('gives each type to one family only', () => {
    const owner = new Map<string, string>();
    const twice: string[] = [];
    for (const family of RESOURCE_FAMILIES) {
      for (const type of typesOf(family)) {
        const key = type.toLowerCase();
        if (owner.has(key)) twice.push(`${type}: ${owner.get(key)} and ${family.name}`);
        owner.set(key, family.name);
      }
    }
    expect(twice).toEqual([]);
  });

  it('keeps each child type in the family of its parent type', () => {
    const familyOf = new Map(RESOURCE_FAMILIES.flatMap((family) => typesOf(family).map((type) => [type.toLowerCase(), family.name] as const)));
    const strays: string[] = [];
    for (const [type, family] of familyOf) {
      const parent = type.split('/').slice(0, -1).join('/');
      if (parent.includes('/') && familyOf.has(parent) && familyOf.get(parent) !== family) strays.push(`${type} in ${family}, its parent in ${familyOf.get(parent)}`);
    }
    expect(strays).toEqual([]);
  });

  it('serves, in its own casing, every resource type the emulators, the world and the product name', () => {
    const named = new Map<string, string>();
    for (const file of [...sourceFiles(join(ROOT, 'local')), ...sourceFiles(join(ROOT, 'functions'))]) {
      for (const match of readFileSync(file, 'utf8').matchAll(/['"`](Microsoft\.[A-Za-z]+(?:\/[A-Za-z]+)+)['"`]/g)) {
        if (!match[1].endsWith('/action')) named.set(match[1], relative(ROOT, file));
      }
    }
    expect(named.size).toBeGreaterThan(15);
    const unserved = [...named]
      .filter(([type]) => !(type in NAMED_BUT_NOT_SERVED) && CANONICAL_TYPES[type.toLowerCase()] !== type)
      .map(([type, file]) => `${type} (${file})`);
    expect(unserved).toEqual([]);
    // The exceptions stay true: none of them is served by a family after all.
    for (const type of Object.keys(NAMED_BUT_NOT_SERVED)) expect(CANONICAL_TYPES[type.toLowerCase()]).toBeUndefined();
  });

  it("finds a family's rule and ARM's casing whatever casing the caller sends", () => {
    for (const family of RESOURCE_FAMILIES) {
      for (const [type, rule] of Object.entries(family.rules)) {
        expect(ruleFor(type)).toBe(rule);
        expect(ruleFor(type.toUpperCase())).toBe(rule);
        expect(canonicalType(type.toLowerCase())).toBe(type);
      }
      for (const type of family.ruleless ?? []) {
        expect(ruleFor(type)).toBeUndefined();
        expect(canonicalType(type.toLowerCase())).toBe(type);
      }
    }
    expect(ruleFor('Microsoft.Storage/storageAccounts')).toBeUndefined();
    expect(canonicalType('microsoft.storage/storageaccounts')).toBe('microsoft.storage/storageaccounts');
  });
});
