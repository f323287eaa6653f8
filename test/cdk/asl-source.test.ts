/**
 * The deployable definition has one source: statemachine/provision.asl.json is what statemachine/build.ts
 * writes from provision.source.json and the named policies of retry-policies.ts, so a hand edit of the JSON,
 * a Task without a policy or a retry number left in a prose Comment fails here. The big Parallels name their
 * branches' products, and every path that reads them resolves to a named output, never to a position.
 */
import { readFileSync } from 'node:fs';
import { DEFINITION_PATH, EXECUTION_NAME_FIELD, SOURCE_PATH, SourceError, TEARDOWN_DEFINITION_PATH, TEARDOWN_SOURCE_PATH, generatedMachineText, buildDefinition, generatedDefinitionText, taskPolicies } from '../../statemachine/build';
import { RETRY_POLICIES, isRetryPolicyName } from '../../statemachine/retry-policies';
import type { BuiltResources } from '../../functions/commons/workflow-data';

type State = Record<string, any>;
interface Machine {
  StartAt?: string;
  Comment?: string;
  States: Record<string, State>;
}

const sourceText = readFileSync(SOURCE_PATH, 'utf8');
const source: Machine = JSON.parse(sourceText);
const committedText = readFileSync(DEFINITION_PATH, 'utf8');
const committed: Machine = JSON.parse(committedText);

function allStates(machine: Machine, out: [string, State][] = []): [string, State][] {
  for (const [name, state] of Object.entries(machine.States)) {
    out.push([name, state]);
    for (const branch of state.Branches ?? []) allStates(branch, out);
  }
  return out;
}

/** Every JSONPath string of a payload template (keys ending in `.$`), with the key that holds it. */
function templatePaths(template: unknown, out: string[] = []): string[] {
  if (template && typeof template === 'object') {
    for (const [key, value] of Object.entries(template)) {
      if (key.endsWith('.$') && typeof value === 'string') out.push(value);
      else templatePaths(value, out);
    }
  }
  return out;
}

describe('statemachine/teardown.asl.json is generated', () => {
  it('equals what `npm run asl` writes from statemachine/teardown.source.json', () => {
    expect(readFileSync(TEARDOWN_DEFINITION_PATH, 'utf8')).toBe(generatedMachineText('teardown'));
  });
});

describe('statemachine/provision.asl.json is generated', () => {
  it('equals what `npm run asl` writes from statemachine/provision.source.json', () => {
    const generated = generatedDefinitionText(sourceText);
    if (committedText !== generated) {
      const committedLines = committedText.split('\n');
      const generatedLines = generated.split('\n');
      const line = committedLines.findIndex((text, index) => text !== generatedLines[index]);
      throw new Error(
        'statemachine/provision.asl.json is not what statemachine/build.ts generates: edit statemachine/provision.source.json ' +
          '(or statemachine/retry-policies.ts), then run `npm run asl`. ' +
          `First difference at line ${line + 1}: committed ${JSON.stringify(committedLines[line])}, generated ${JSON.stringify(generatedLines[line])}.`,
      );
    }
  });

  it('names a known retry policy on every Task of the source, and the deployed Retry is that policy', () => {
    const policies = taskPolicies(source);
    expect(policies.size).toBeGreaterThan(0);
    const deployed = new Map(allStates(committed).filter(([, state]) => state.Type === 'Task'));
    expect([...deployed.keys()].sort()).toEqual([...policies.keys()].sort());
    for (const [name, policy] of policies) {
      expect({ name, known: isRetryPolicyName(policy) }).toEqual({ name, known: true });
      expect({ name, retry: deployed.get(name)!.Retry }).toEqual({ name, retry: RETRY_POLICIES[policy as keyof typeof RETRY_POLICIES].retriers });
    }
  });

  it('writes no Retry by hand in the sources, and the two machines use every policy it defines', () => {
    expect(sourceText).not.toMatch(/"Retry"\s*:/);
    const teardownText = readFileSync(TEARDOWN_SOURCE_PATH, 'utf8');
    expect(teardownText).not.toMatch(/"Retry"\s*:/);
    const used = new Set([...taskPolicies(source).values(), ...taskPolicies(JSON.parse(teardownText)).values()]);
    expect(Object.keys(RETRY_POLICIES).filter((name) => !used.has(name))).toEqual([]);
    for (const policy of Object.values(RETRY_POLICIES)) expect(policy.purpose).toMatch(/^[A-Z].{20,}\.$/);
  });

  it('refuses a hand-written Retry, a Task without a policy, an unknown policy and a policy on a state that is not a Task', () => {
    const machine = (state: State): any => ({ StartAt: 'Do the one thing now', States: { 'Do the one thing now': { Type: 'Task', Resource: 'arn', End: true, ...state } } });
    const inBranch = (state: State): any => ({
      StartAt: 'Run the branches together',
      States: { 'Run the branches together': { Type: 'Parallel', End: true, Branches: [machine(state)] } },
    });
    expect(() => buildDefinition(machine({ RetryPolicy: 'cloudFaultsOnly', Retry: [] }))).toThrow(/writes its Retry by hand/);
    expect(() => buildDefinition(inBranch({}))).toThrow(/names no "RetryPolicy"/);
    expect(() => buildDefinition(machine({ RetryPolicy: 'retryForever' }))).toThrow(/unknown retry policy "retryForever"/);
    expect(() => buildDefinition(machine({ Type: 'Pass', RetryPolicy: 'cloudFaultsOnly' }))).toThrow(/not a Task/);
    expect(() => buildDefinition(machine({}))).toThrow(SourceError);
    // The Retry takes the policy's place, so the deployed file reads in the source's order.
    const ordered = inBranch({});
    ordered.States['Run the branches together'].Branches[0].States['Do the one thing now'] = { Type: 'Task', Resource: 'arn', RetryPolicy: 'cloudFaultsOnly', End: true };
    const built: any = buildDefinition(ordered);
    const task = built.States['Run the branches together'].Branches[0].States['Do the one thing now'];
    expect(Object.keys(task)).toEqual(['Type', 'Resource', 'Retry', 'End']);
    expect(task.Retry).toEqual(RETRY_POLICIES.cloudFaultsOnly.retriers);
  });

  it('sends every action Task the execution name for its logs, added by the build and never by hand', () => {
    const actionTasks = allStates(committed).filter(([, state]) => state.Type === 'Task' && state.Parameters?.action);
    expect(actionTasks.length).toBeGreaterThan(0);
    for (const [name, state] of actionTasks) {
      expect({ name, executionName: state.Parameters[EXECUTION_NAME_FIELD] }).toEqual({ name, executionName: '$$.Execution.Name' });
      expect({ name, next: Object.keys(state.Parameters)[1] }).toEqual({ name, next: EXECUTION_NAME_FIELD });
    }
    expect(sourceText).not.toMatch(/executionName/);
    // Every Task of both machines, the request check and the summaries included, so every function's log lines name the execution.
    const teardown: Machine = JSON.parse(readFileSync(TEARDOWN_DEFINITION_PATH, 'utf8'));
    const everyTask = [...allStates(committed), ...allStates(teardown)].filter(([, state]) => state.Type === 'Task');
    const withoutName = everyTask.filter(([, state]) => state.Parameters?.[EXECUTION_NAME_FIELD] !== '$$.Execution.Name').map(([name]) => name);
    expect(withoutName).toEqual([]);
    const byHand: any = { StartAt: 'Do the one thing now', States: { 'Do the one thing now': { Type: 'Task', Resource: 'arn', RetryPolicy: 'cloudFaultsOnly', Parameters: { action: 'x', 'executionName.$': '$$.Execution.Name' }, End: true } } };
    expect(() => buildDefinition(byHand)).toThrow(/passes executionName by hand/);
  });

  it('keeps retry numbers out of the prose: Comments say why, not how often or how many', () => {
    const retryWords = /retried every|up to \d+ times|\b(\d+|one|two|three|twice)( more)? (tries|times|attempts|retries|polls)\b|\d+ ?s apart/i;
    const comments: [string, string][] = [['(the state machine)', committed.Comment ?? '']];
    for (const [name, state] of allStates(committed)) if (state.Comment) comments.push([name, state.Comment]);
    for (const [name, comment] of comments) expect({ name, comment, saysHowMany: retryWords.test(comment) }).toEqual({ name, comment, saysHowMany: false });
    for (const [name, state] of allStates(committed)) {
      if (!state.Comment || !state.Retry) continue;
      const numbers = new Set<number>(state.Retry.flatMap((r: State) => [r.IntervalSeconds, r.MaxAttempts, r.MaxDelaySeconds]).filter((n: unknown) => typeof n === 'number' && n > 0));
      for (const n of numbers) {
        const mentions = new RegExp(`\\b${n} ?(s|sec|seconds|times|tries|attempts|polls)\\b`).test(state.Comment);
        expect({ name, number: n, mentioned: mentions }).toEqual({ name, number: n, mentioned: false });
      }
    }
  });
});

describe('the Parallel branches have named outputs', () => {
  const parallels = allStates(committed).filter(([, state]) => state.Type === 'Parallel');

  it('no path outside a Parallel ResultSelector reads by position', () => {
    const positional: string[] = [];
    for (const [name, state] of allStates(committed)) {
      const paths = [
        ...templatePaths(state.Parameters),
        ...(state.Type === 'Parallel' ? [] : templatePaths(state.ResultSelector)),
        state.InputPath,
        state.OutputPath,
        state.ResultPath,
        ...(state.Choices ?? []).map((choice: State) => choice.Variable),
      ].filter((p): p is string => typeof p === 'string');
      for (const p of paths) if (/\[\d+\]/.test(p)) positional.push(`${name}: ${p}`);
    }
    expect(positional).toEqual([]);
  });

  it.each(parallels.map(([name, state]) => [name, state]))('"%s" names each branch product it selects from the branch that writes it', (_name, state: State) => {
    expect(state.ResultSelector).toBeDefined();
    // Top-level values are names, not raw positions: `{ "vpn": { ... } }` or `{ "dns.$": "$[2].dns" }`.
    for (const key of Object.keys(state.ResultSelector)) expect(key).toMatch(/^[a-z][A-Za-z]+(\.\$)?$/);
    for (const p of templatePaths(state.ResultSelector)) {
      const match = /^\$\[(\d+)\]\.([A-Za-z]+)/.exec(p);
      expect({ path: p, positional: Boolean(match) }).toEqual({ path: p, positional: true });
      const branch = state.Branches[Number(match![1])];
      expect({ path: p, branchExists: Boolean(branch) }).toEqual({ path: p, branchExists: true });
      const writers = Object.entries<State>(branch.States).filter(([, s]) => s.ResultPath === `$.${match![2]}`).map(([n]) => n);
      expect({ path: p, writtenInThatBranch: writers.length > 0 }).toEqual({ path: p, writtenInThatBranch: true });
    }
  });

  /** Follows a path through the Parallels' ResultSelectors; false when it reaches no named output. */
  function resolves(template: State, segments: string[], within: State): boolean {
    if (segments.length === 0) return true;
    const [head, ...rest] = segments;
    if (template[head] && typeof template[head] === 'object') return resolves(template[head], rest, within);
    const selected = template[`${head}.$`];
    if (typeof selected !== 'string') return false;
    const match = /^\$\[(\d+)\]\.([A-Za-z]+)((?:\.[A-Za-z]+)*)$/.exec(selected);
    if (!match) return false;
    const branch = within.Branches?.[Number(match[1])];
    const writer = branch && Object.values<State>(branch.States).find((s) => s.ResultPath === `$.${match[2]}`);
    if (!writer) return false;
    const further = [...match[3].split('.').filter(Boolean), ...rest];
    // A Task's output is typed by its handler (see the workflow-data tests); a nested Parallel's is named here.
    return writer.Type === 'Parallel' ? resolves(writer.ResultSelector, further, writer) : true;
  }

  it('every path that reads a Parallel output reaches a named field of it', () => {
    const outputs = parallels.filter(([, state]) => typeof state.ResultPath === 'string').map(([, state]) => state);
    const reads: string[] = [];
    const unresolved: string[] = [];
    for (const [name, state] of allStates(committed)) {
      for (const p of [...templatePaths(state.Parameters), ...(state.Choices ?? []).map((c: State) => c.Variable)]) {
        if (typeof p !== 'string') continue;
        const parallel = outputs.find((o) => p === o.ResultPath || p.startsWith(`${o.ResultPath}.`));
        if (!parallel) continue;
        reads.push(p);
        const segments = p.slice(parallel.ResultPath.length).split('.').filter(Boolean);
        if (segments.length === 0 || !resolves(parallel.ResultSelector, segments, parallel)) unresolved.push(`${name}: ${p}`);
      }
    }
    expect(reads.length).toBeGreaterThan(0);
    expect(unresolved).toEqual([]);
  });

  /** The field tree a ResultSelector builds, nested Parallels followed; `true` marks a value taken as is. */
  function selectedShape(template: State, parallel: State): unknown {
    const shape: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(template)) {
      if (!key.endsWith('.$')) {
        shape[key] = selectedShape(value, parallel);
        continue;
      }
      const [, index, field, further] = /^\$\[(\d+)\]\.([A-Za-z]+)(.*)$/.exec(value) ?? [];
      const writer = Object.values<State>(parallel.Branches[Number(index)]?.States ?? {}).find((s) => s.ResultPath === `$.${field}`);
      shape[key.slice(0, -2)] = writer?.Type === 'Parallel' && !further ? selectedShape(writer.ResultSelector, writer) : true;
    }
    return shape;
  }

  function valueShape(value: unknown): unknown {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return true;
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, valueShape(inner)]));
  }

  it('builds at $.built exactly the fields the workflow data type BuiltResources declares', () => {
    // The type checker holds this literal to BuiltResources (no field missing, none extra); the test holds the ASL to it.
    const typed: BuiltResources = {
      vpn: { customerGatewayId: 'cgw', customerGatewayIds: [], vpnGatewayId: 'vgw', vpnConnectionId: 'vpn', vpnConnectionIds: [], pskSecretArns: [], tunnels: [] },
      dns: {
        privateEndpoint: { privateIp: '192.0.2.4' },
        forwarding: { inboundIp: '192.0.2.5', resolverEndpointId: 'rslvr-out', resolverRuleId: 'rslvr-rr', associationId: 'rslvr-rrassoc' },
      },
      probeFunction: { functionName: 'probe' },
    };
    const [, built] = parallels.find(([, state]) => state.ResultPath === '$.built')!;
    expect(selectedShape(built.ResultSelector, built)).toEqual(valueShape(typed));
  });
});
