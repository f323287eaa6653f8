/**
 * Headless Chromium (Debian's `chromium` package) driven as a binary, and the PNG reading that tells a drawn
 * screenshot from a blank one. No npm package: child_process and zlib only.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { inflateSync } from 'node:zlib';

export const CHROMIUM = '/usr/bin/chromium';
const INSTALL = 'apt-get update && apt-get install -y --no-install-recommends chromium';

/** Chromium is part of the test, not optional: without it the test fails and says how to get it. */
export function requireChromium(): void {
  const found = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) throw new Error(`Chromium is not installed at ${CHROMIUM}; the report page is tested in it. Install it with: ${INSTALL} (.ci/run does this before npm test)`);
}

/**
 * One headless Chromium run on a local file, in a new empty profile: sandbox, GPU and every background
 * connection off, and any host name resolving nowhere, so a page that referenced the network would show it.
 */
export function chromium(args: string[], file: string): Promise<{ stdout: string; stderr: string }> {
  const profile = mkdtempSync(path.join(tmpdir(), 'aoai-report-chromium-'));
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/proxy$/i.test(key)) env[key] = value;
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-default-apps',
    '--no-first-run',
    '--hide-scrollbars',
    '--host-resolver-rules=MAP * ~NOTFOUND',
    `--user-data-dir=${profile}`,
    ...args,
    `file://${file}`,
  ];
  return new Promise((resolve, reject) => {
    execFile(CHROMIUM, flags, { env: { ...env, HOME: profile }, timeout: 90_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      rmSync(profile, { recursive: true, force: true });
      if (error) reject(new Error(`chromium ${args.join(' ')} exited ${error.code ?? error.signal}: ${stderr.slice(-2000)}`));
      else resolve({ stdout, stderr });
    });
  });
}

export interface Picture {
  width: number;
  height: number;
  /** How many pixels have each colour (0xRRGGBB). */
  colours: Map<number, number>;
}

const paeth = (a: number, b: number, c: number) => {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
};

/** An 8-bit RGB or RGBA PNG (what Chromium writes): its size and every colour in it, the scanline filters undone. */
export function readPng(png: Buffer): Picture {
  if (png.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') throw new Error('not a PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, colourType, , , interlace] = body.subarray(8, 13);
      channels = ({ 2: 3, 6: 4 } as Record<number, number>)[colourType] ?? 0;
      if (depth !== 8 || !channels || interlace !== 0) throw new Error(`PNG of depth ${depth}, colour type ${colourType}, interlace ${interlace}: not read here`);
    } else if (type === 'IDAT') data.push(body);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  let previous = Buffer.alloc(stride);
  const colours = new Map<number, number>();
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const left = i >= channels ? line[i - channels] : 0;
      const up = previous[i];
      const corner = i >= channels ? previous[i - channels] : 0;
      const add = filter === 1 ? left : filter === 2 ? up : filter === 3 ? (left + up) >> 1 : filter === 4 ? paeth(left, up, corner) : 0;
      line[i] = (line[i] + add) & 0xff;
    }
    for (let i = 0; i < stride; i += channels) {
      const colour = (line[i] << 16) | (line[i + 1] << 8) | line[i + 2];
      colours.set(colour, (colours.get(colour) ?? 0) + 1);
    }
    previous = line;
  }
  return { width, height, colours };
}
