/**
 * A Mermaid flowchart generated from the ASL, for the README. A test checks the README holds exactly this,
 * so the picture cannot drift from the state machine.
 */

interface AslState {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next: string }[];
  Branches?: AslMachine[];
}

interface AslMachine {
  StartAt: string;
  States: Record<string, AslState>;
}

function nodeId(name: string, ids: Map<string, string>): string {
  if (!ids.has(name)) ids.set(name, `s${ids.size}`);
  return ids.get(name)!;
}

function label(name: string): string {
  return name.replace(/"/g, "'");
}

function emitMachine(machine: AslMachine, ids: Map<string, string>, lines: string[], indent: string, exitTo?: string): void {
  for (const [name, state] of Object.entries(machine.States)) {
    const id = nodeId(name, ids);
    if (state.Type === 'Parallel') {
      lines.push(`${indent}subgraph ${id}["${label(name)}"]`);
      lines.push(`${indent}  direction TB`);
      state.Branches!.forEach((branch) => emitMachine(branch, ids, lines, indent + '  '));
      lines.push(`${indent}end`);
    } else if (state.Type === 'Choice') {
      lines.push(`${indent}${id}{"${label(name)}"}`);
    } else if (state.Type === 'Wait') {
      lines.push(`${indent}${id}(["${label(name)}"])`);
    } else {
      lines.push(`${indent}${id}["${label(name)}"]`);
    }
    const targets = [state.Next, state.Default, ...(state.Choices ?? []).map((c) => c.Next)].filter((t): t is string => Boolean(t));
    for (const target of new Set(targets)) lines.push(`${indent}${id} --> ${nodeId(target, ids)}`);
    if (state.End && exitTo) lines.push(`${indent}${id} --> ${exitTo}`);
  }
}

export function mermaidFromAsl(definition: AslMachine): string {
  const ids = new Map<string, string>();
  const lines = ['flowchart TD'];
  emitMachine(definition, ids, lines, '  ');
  return lines.join('\n');
}
