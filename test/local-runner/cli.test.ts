import { parseLocalArguments, run as runLocalCommand } from '../../cli/local';
import { main } from '../../cli/main';
import { CollectingStream } from './support';

describe('the command line', () => {
  it('parses the local command arguments', () => {
    expect(parseLocalArguments([])).toEqual({ help: false, requestFiles: [], options: {}, json: false });
    expect(parseLocalArguments(['req.json', '--world', 'w.json', '--state=s.json', '--out', 'o', '--faults', 'throttle:0.1,wrong-psk', '--jitter', '7'])).toEqual({
      help: false,
      requestFiles: ['req.json'],
      options: { worldFile: 'w.json', stateFile: 's.json', outDir: 'o', faults: 'throttle:0.1,wrong-psk', jitterSeed: 7 },
      json: false,
    });
    expect(parseLocalArguments(['a.json', 'b.json', '--json'])).toMatchObject({ requestFiles: ['a.json', 'b.json'], json: true });
    expect(parseLocalArguments(['--help'])).toEqual({ help: true });
    expect(parseLocalArguments(['req.json', '--teardown', '--state', 's.json', '--faults', 'drop-response:DeleteVpnConnection'])).toEqual({
      help: false,
      requestFiles: ['req.json'],
      options: { teardown: true, stateFile: 's.json', faults: 'drop-response:DeleteVpnConnection' },
      json: false,
      mode: 'teardown',
    });
    for (const bad of [['--teardown', '--health'], ['--bogus'], ['--jitter', 'x'], ['--world'], ['--out', '--state', 's'], ['-x'], ['--state', 'a', '--state', 'b']]) {
      expect(() => parseLocalArguments(bad)).toThrow();
    }
  });

  it('exits 2 with the usage on bad arguments', async () => {
    const out = new CollectingStream();
    const err = new CollectingStream();
    expect(await runLocalCommand(['--jitter', 'soon'], out, err)).toBe(2);
    expect(err.text).toContain('--jitter needs a whole number seed');
    expect(err.text).toContain('aoai-link local --help');
  });

  it('exits 2 on a bad fault spec or a missing request file', async () => {
    const err = new CollectingStream();
    expect(await runLocalCommand(['--faults', 'meteor-strike'], new CollectingStream(), err)).toBe(2);
    expect(err.text).toContain('unknown fault "meteor-strike"');
    expect(await runLocalCommand(['/nonexistent/request.json'], new CollectingStream(), err)).toBe(2);
  });

  it('dispatches commands and explains the unknown ones', async () => {
    const out = new CollectingStream();
    const err = new CollectingStream();
    expect(await main(['--help'], out, err)).toBe(0);
    expect(out.text).toContain('local');
    expect(await main(['frobnicate'], out, err)).toBe(2);
    expect(err.text).toContain("unknown command 'frobnicate'");
    expect(await main([], out, err)).toBe(2);
  });
});
