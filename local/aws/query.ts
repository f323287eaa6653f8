/**
 * Reading EC2 query parameters (`Action=...&Filter.1.Name=...&Filter.1.Value.1=...`). Names are matched
 * case-insensitively: EC2 itself accepts `vpcId.2` and `RouteTableID`, as the official examples show.
 */
import type { Tag } from '../cloud/state';
import { ec2Errors, globRegExp } from './errors';

export interface Filter {
  Name: string;
  Values: string[];
}

export class QueryParams {
  private readonly values = new Map<string, string>();

  constructor(body: string) {
    for (const [key, value] of new URLSearchParams(body)) this.values.set(key.toLowerCase(), value);
  }

  get(name: string): string | undefined {
    return this.values.get(name.toLowerCase());
  }

  require(name: string): string {
    const value = this.get(name);
    if (value === undefined || value === '') throw ec2Errors.missing(name);
    return value;
  }

  bool(name: string): boolean | undefined {
    const value = this.get(name);
    return value === undefined ? undefined : value.toLowerCase() === 'true';
  }

  int(name: string): number | undefined {
    const value = this.get(name);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n)) throw ec2Errors.invalidValue(`Value (${value}) for parameter ${name} is invalid. Expected an integer.`);
    return n;
  }

  /** The indices N present under `prefix.N` or `prefix.N.*`, ascending. */
  indices(prefix: string): number[] {
    const lower = prefix.toLowerCase() + '.';
    const seen = new Set<number>();
    for (const key of this.values.keys()) {
      if (!key.startsWith(lower)) continue;
      const n = Number(key.slice(lower.length).split('.')[0]);
      if (Number.isInteger(n) && n > 0) seen.add(n);
    }
    return [...seen].sort((a, b) => a - b);
  }

  /** `prefix.1`, `prefix.2`, ... as a list (e.g. `VpnConnectionId.N`). */
  list(prefix: string): string[] {
    return this.indices(prefix)
      .map((n) => this.get(`${prefix}.${n}`))
      .filter((v): v is string => v !== undefined);
  }

  /** `Filter.N.Name` / `Filter.N.Value.M`. */
  filters(): Filter[] {
    return this.indices('Filter').map((n) => ({
      Name: this.require(`Filter.${n}.Name`),
      Values: this.list(`Filter.${n}.Value`),
    }));
  }

  /** `prefix.N.Key` / `prefix.N.Value` pairs (CreateTags uses `Tag.N`). */
  tags(prefix: string): Tag[] {
    return this.indices(prefix).map((n) => ({ Key: this.require(`${prefix}.${n}.Key`), Value: this.get(`${prefix}.${n}.Value`) ?? '' }));
  }

  /** Tags from `TagSpecification.N` whose ResourceType is `resourceType`; another type is refused as EC2 does. */
  tagSpecifications(resourceType: string): Tag[] {
    const tags: Tag[] = [];
    for (const n of this.indices('TagSpecification')) {
      const type = this.get(`TagSpecification.${n}.ResourceType`);
      if (type !== resourceType) {
        throw ec2Errors.invalidValue(`'${type ?? ''}' is not a valid taggable resource type for this operation.`);
      }
      tags.push(...this.tags(`TagSpecification.${n}.Tag`));
    }
    return tags;
  }
}

/**
 * Applies EC2 filters: values of one filter are ORed, filters are ANDed. `fields(name)` gives the resource's
 * values for a filter name, or undefined when the resource type has no such filter (EC2 then refuses the call).
 */
export function matchesFilters(
  filters: Filter[],
  tags: Tag[] | undefined,
  fields: (name: string) => (string | undefined)[] | undefined,
): boolean {
  return filters.every((filter) => {
    const patterns = filter.Values.map(globRegExp);
    let candidates: (string | undefined)[];
    if (filter.Name.startsWith('tag:')) {
      const key = filter.Name.slice(4);
      candidates = (tags ?? []).filter((t) => t.Key === key).map((t) => t.Value);
    } else if (filter.Name === 'tag-key') {
      candidates = (tags ?? []).map((t) => t.Key);
    } else if (filter.Name === 'tag-value') {
      candidates = (tags ?? []).map((t) => t.Value);
    } else {
      const values = fields(filter.Name);
      if (values === undefined) throw ec2Errors.invalidValue(`The filter '${filter.Name}' is invalid`);
      candidates = values;
    }
    return candidates.some((c) => c !== undefined && patterns.some((p) => p.test(c)));
  });
}

/** Unknown filter names must be refused even when nothing exists to filter, as EC2 validates the request first. */
export function checkFilterNames(filters: Filter[], known: string[]): void {
  for (const f of filters) {
    if (f.Name.startsWith('tag:') || f.Name === 'tag-key' || f.Name === 'tag-value') continue;
    if (!known.includes(f.Name)) throw ec2Errors.invalidValue(`The filter '${f.Name}' is invalid`);
  }
}

/** Sets tags, a later value for the same key replacing the earlier one (CreateTags semantics). */
export function mergeTags(existing: Tag[], added: Tag[]): void {
  for (const tag of added) {
    const found = existing.find((t) => t.Key === tag.Key);
    if (found) found.Value = tag.Value;
    else existing.push({ Key: tag.Key, Value: tag.Value });
  }
}
