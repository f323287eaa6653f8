/**
 * RedriveExecution for the local endpoint: where a redrive resumes, read from the execution's own history,
 * as the service does (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html):
 * it continues from the unsuccessful step with that step's original input; successful steps are not run
 * again; in a Parallel state only the branches that failed or were cancelled are run again, the others keep
 * their result.
 *
 * The interpreter cannot be started in the middle of a definition, so the plan is a rewritten definition:
 * the scope resumes at the unsuccessful state through a Pass state that hands it its recorded input, and a
 * branch that had finished becomes a Pass state holding its recorded output. Those Pass states show in the
 * redrive's part of the history (the service's history has no such states).
 */
import type { HistoryEvent } from '../runner/history';

type State = Record<string, any> & { Type: string };

export interface RedriveDefinition {
  StartAt: string;
  States: Record<string, State>;
  [other: string]: unknown;
}

/** The redrive cannot be planned from this history (the service would answer ExecutionNotRedrivable). */
export class NotRedrivable extends Error {}

interface StateVisit {
  /** Position of the last StateEntered event of the state in the history. */
  enteredAt: number;
  input: unknown;
  /** Output of the StateExited event after that entry, when there is one. */
  exited?: { output: unknown };
}

/** The last visit of every state, by name (names are unique across a definition, nested ones included). */
function visitsOf(events: HistoryEvent[]): Map<string, StateVisit> {
  const visits = new Map<string, StateVisit>();
  events.forEach((event, position) => {
    const entered = (event as { stateEnteredEventDetails?: { name?: string; input?: string } }).stateEnteredEventDetails;
    if (event.type.endsWith('StateEntered') && entered?.name) {
      visits.set(entered.name, { enteredAt: position, input: parseJson(entered.input) });
    }
    const exited = (event as { stateExitedEventDetails?: { name?: string; output?: string } }).stateExitedEventDetails;
    if (event.type.endsWith('StateExited') && exited?.name) {
      const visit = visits.get(exited.name);
      if (visit) visit.exited = { output: parseJson(exited.output) };
    }
  });
  return visits;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const ENDS_A_SCOPE = (state: State) => state.End === true || state.Type === 'Succeed';

/**
 * The definition that continues the execution whose history is `events`. Throws NotRedrivable when the
 * history shows no state that could be resumed (for example, it ended before its first state).
 */
export function redriveDefinition(definition: RedriveDefinition, events: HistoryEvent[]): RedriveDefinition {
  const visits = visitsOf(events);
  let resumes = 0;
  const resumeName = () => `Resume the redriven execution here (${++resumes})`;

  /** The scope (the whole machine, or a branch), resumed at its unsuccessful state. */
  function resumeScope(scope: { StartAt: string; States: Record<string, State> }): { StartAt: string; States: Record<string, State> } {
    // The scope's own state entered last is where it stopped: it failed there, or was cancelled there.
    let stopped: [string, State, StateVisit] | undefined;
    for (const [name, state] of Object.entries(scope.States)) {
      const visit = visits.get(name);
      if (visit && (!stopped || visit.enteredAt > stopped[2].enteredAt)) stopped = [name, state, visit];
    }
    if (!stopped) return scope;
    const [name, state, visit] = stopped;
    const states: Record<string, State> = { ...scope.States };
    if (state.Type === 'Parallel' && !visit.exited) {
      states[name] = {
        ...state,
        Branches: (state.Branches as { StartAt: string; States: Record<string, State> }[]).map((branch) => resumeBranch(branch, visit.enteredAt)),
      };
    }
    const entry = resumeName();
    states[entry] = { Type: 'Pass', Comment: `Redrive: "${name}" gets the input it had.`, Result: visit.input, Next: name };
    return { ...scope, StartAt: entry, States: reachable(entry, states) };
  }

  /** A Parallel branch: kept as it ended when it finished, else resumed where it stopped. */
  function resumeBranch(branch: { StartAt: string; States: Record<string, State> }, parallelEnteredAt: number) {
    const finished = Object.entries(branch.States).find(([name, state]) => {
      const visit = visits.get(name);
      return ENDS_A_SCOPE(state) && visit?.exited && visit.enteredAt > parallelEnteredAt;
    });
    if (finished) {
      const entry = `Keep the branch's earlier result (${++resumes})`;
      return { StartAt: entry, States: { [entry]: { Type: 'Pass', Result: visits.get(finished[0])!.exited!.output, End: true } } };
    }
    const started = Object.keys(branch.States).some((name) => (visits.get(name)?.enteredAt ?? -1) > parallelEnteredAt);
    return started ? resumeScope(branch) : branch;
  }

  const resumed = resumeScope(definition);
  if (resumed.StartAt === definition.StartAt) throw new NotRedrivable('Execution has no state to resume from.');
  return { ...definition, StartAt: resumed.StartAt, States: resumed.States };
}

/** The states reachable from `startAt` (the interpreter refuses a definition with unreachable states). */
function reachable(startAt: string, states: Record<string, State>): Record<string, State> {
  const kept: Record<string, State> = {};
  const pending = [startAt];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (kept[name] || !states[name]) continue;
    const state = states[name];
    kept[name] = state;
    const targets = [
      state.Next,
      state.Default,
      ...((state.Choices as { Next?: string }[] | undefined) ?? []).map((choice) => choice.Next),
      ...((state.Catch as { Next?: string }[] | undefined) ?? []).map((catcher) => catcher.Next),
    ];
    for (const target of targets) if (typeof target === 'string') pending.push(target);
  }
  return kept;
}
