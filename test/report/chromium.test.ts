/**
 * report.html in headless Chromium (Debian's package, driven as a binary): it loads offline in an empty profile
 * with the sandbox and background networking off, its inline script finds the timeline and the topology laid
 * out with a real size, and the screenshot is a drawing: the PNG has the window's size and the colours of the
 * page's bars, boxes and tunnels, not a blank page's one or two.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, readPng, requireChromium } from './browser';
import { request, run, type Run } from '../workflow/support';

/** The page's own colours (local/runner/report-html.ts STYLE): a state bar, the critical path, a tunnel up, an AWS box. */
const STATE_BAR = 0x74a9e0;
const CRITICAL = 0xe8590c;
const TUNNEL_UP = 0x37b24d;
const AWS_BOX = 0xfff4e0;

const WINDOW = { width: 1400, height: 2000 };

describe('report.html in headless Chromium', () => {
  let bgp: Run;
  let file: string;

  beforeAll(async () => {
    requireChromium();
    bgp = await run({ request: request((r) => (r.options.routing = 'bgp')) });
    expect(bgp.result.status).toBe('SUCCEEDED');
    file = path.join(bgp.dir, 'out', 'report.html');
  }, 240_000);

  it('loads offline and lays out the timeline, the operations and the topology', async () => {
    const { stdout } = await chromium(['--dump-dom', `--window-size=${WINDOW.width},${WINDOW.height}`], file);
    const drawn = Object.fromEntries([...stdout.matchAll(/<svg id="(\w+)"[^>]*data-drawn="(\d+)x(\d+)"/g)].map((m) => [m[1], [Number(m[2]), Number(m[3])]]));
    expect(Object.keys(drawn).sort()).toEqual(['operations', 'timeline', 'topology']);
    for (const [width, height] of Object.values(drawn)) {
      expect(width).toBeGreaterThan(1000);
      expect(height).toBeGreaterThan(300);
    }
    // The parsed document holds the drawings' elements, not only their text.
    const report = bgp.result.report!;
    expect(stdout.split('<rect class="state').length - 1).toBe(report.timeline.length);
    expect(stdout.split('<g class="tunnel up"').length - 1).toBe(4);
    expect(stdout.split('<g class="node ').length - 1).toBe(14);
  }, 120_000);

  it('takes a screenshot that is not blank', async () => {
    const screenshot = path.join(bgp.dir, 'report.png');
    await chromium([`--screenshot=${screenshot}`, `--window-size=${WINDOW.width},${WINDOW.height}`], file);
    const png = readFileSync(screenshot);
    const picture = readPng(png);
    expect([picture.width, picture.height]).toEqual([WINDOW.width, WINDOW.height]);
    expect(picture.colours.size).toBeGreaterThan(50);
    // Each colour covers more than its legend swatch could: the bars, the tunnels and the boxes are drawn.
    const swatch = 22 * 10;
    for (const colour of [STATE_BAR, CRITICAL, TUNNEL_UP, AWS_BOX]) expect(picture.colours.get(colour) ?? 0).toBeGreaterThan(4 * swatch);

    // A blank page in the same browser: one colour, which the report's picture is far from.
    const blank = path.join(bgp.dir, 'blank.html');
    writeFileSync(blank, '<!DOCTYPE html><html><body></body></html>');
    const blankShot = path.join(bgp.dir, 'blank.png');
    await chromium([`--screenshot=${blankShot}`, `--window-size=${WINDOW.width},${WINDOW.height}`], blank);
    expect(readPng(readFileSync(blankShot)).colours.size).toBeLessThan(3);
    if (process.env.REPORT_SCREENSHOT) writeFileSync(process.env.REPORT_SCREENSHOT, png);
  }, 120_000);
});
