/** `local serve`'s arguments and refusals, in-process: a bad argument or file starts nothing and exits 2. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../../cli/local';
import { parseServeArguments } from '../../cli/local-serve-command';
import { captured } from '../intake/support';

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'aoai-link-serve-args-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('takes --world and --state, in either spelling, and nothing else', () => {
  expect(parseServeArguments(['--world', 'w.json', '--state=s.json'])).toEqual({ help: false, options: { worldFile: 'w.json', stateFile: 's.json' } });
  expect(() => parseServeArguments(['--faults', 'wrong-psk'])).toThrow(/unknown option '--faults'/);
  expect(() => parseServeArguments(['--state'])).toThrow(/option '--state <FILE>' argument missing/);
  expect(() => parseServeArguments(['--state', 'a', '--state', 'b'])).toThrow(/given twice/);
});

it('exits 2 on a bad argument or an unreadable state file, and writes no state', async () => {
  const stateFile = path.join(dir, 'state.json');
  writeFileSync(stateFile, '{not json');
  for (const argv of [['serve', '--jitter', '3'], ['serve', '--state', stateFile], ['serve', '--world', path.join(dir, 'missing.json')]]) {
    const out = captured();
    const err = captured();
    expect(await run(argv, out, err)).toBe(2);
    expect(out.text()).toBe('');
    expect(err.text()).toMatch(/^aoai-link local serve: /);
  }
  expect(readFileSync(stateFile, 'utf8')).toBe('{not json');
});
