import { generatePreSharedKey, isValidPreSharedKey, PSK_ALPHABET, PSK_RULE } from '../../functions/commons/psk';

/** A deterministic byte source: a simple linear congruential generator. */
function seededBytes(seed: number): (n: number) => Buffer {
  let state = seed >>> 0;
  return (n) => {
    const buffer = Buffer.alloc(n);
    for (let i = 0; i < n; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      buffer[i] = state >>> 24;
    }
    return buffer;
  };
}

describe('generatePreSharedKey', () => {
  test('10,000 keys are all valid, never start with 0, and use every character', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const key = generatePreSharedKey();
      expect(key).toHaveLength(32);
      if (!isValidPreSharedKey(key) || key[0] === '0') throw new Error(`bad key ${key}`);
      for (const character of key.slice(1)) counts.set(character, (counts.get(character) ?? 0) + 1);
    }
    expect([...counts.keys()].sort().join('')).toBe([...PSK_ALPHABET].sort().join(''));
    // 310,000 draws over 64 characters: about 4,844 each. A biased generator would be far outside ±15 %.
    const expected = (10_000 * 31) / 64;
    for (const [character, count] of counts) {
      expect([character, Math.abs(count - expected) / expected < 0.15]).toEqual([character, true]);
    }
  });

  test('the first character covers the 63 allowed characters', () => {
    const firsts = new Set<string>();
    const source = seededBytes(7);
    for (let i = 0; i < 5_000; i++) firsts.add(generatePreSharedKey(source, 8)[0]);
    expect(firsts.size).toBe(63);
    expect(firsts.has('0')).toBe(false);
  });

  test('a deterministic source gives a deterministic key', () => {
    const a = generatePreSharedKey(seededBytes(42));
    const b = generatePreSharedKey(seededBytes(42));
    const c = generatePreSharedKey(seededBytes(43));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(isValidPreSharedKey(a)).toBe(true);
  });

  test('rejection sampling skips bytes that would bias the 63-character first alphabet', () => {
    // 252..255 are rejected for the first character (252 = 4 × 63); 0 then maps to "A".
    const bytes = [255, 254, 253, 252, 0, ...Array(7).fill(1)];
    let position = 0;
    const source = (n: number) => Buffer.from(Array.from({ length: n }, () => bytes[position++ % bytes.length]));
    expect(generatePreSharedKey(source, 8)).toBe('ABBBBBBB');
  });

  test('a byte mapping to "0" is never used for the first character', () => {
    // In the full alphabet "0" is index 52; in the first alphabet index 52 is "1".
    const source = (n: number) => Buffer.alloc(n, 52);
    expect(generatePreSharedKey(source, 8)).toBe('10000000');
  });

  test('lengths 8 and 64 work; others throw', () => {
    expect(generatePreSharedKey(undefined, 8)).toHaveLength(8);
    expect(generatePreSharedKey(undefined, 64)).toHaveLength(64);
    expect(() => generatePreSharedKey(undefined, 7)).toThrow(RangeError);
    expect(() => generatePreSharedKey(undefined, 65)).toThrow(RangeError);
    expect(() => generatePreSharedKey(undefined, 10.5)).toThrow(RangeError);
  });

  test('a broken random source fails instead of spinning', () => {
    expect(() => generatePreSharedKey(() => Buffer.alloc(0))).toThrow(/no bytes/);
    expect(() => generatePreSharedKey((n) => Buffer.alloc(n, 0xff))).toThrow(/out-of-range/);
  });
});

describe('isValidPreSharedKey', () => {
  test.each([
    ['abcdefgh', true],
    ['A._9zzzz', true],
    ['1' + '0'.repeat(63), true],
    ['abcdefg', false], // too short
    ['a'.repeat(65), false], // too long
    ['0abcdefgh', false], // starts with 0
    ['abc-defgh', false], // hyphen
    ['abc defgh', false], // space
    ['abcdéfgh', false], // non-ASCII
    ['', false],
  ])('%j → %s', (key, valid) => expect(isValidPreSharedKey(key)).toBe(valid));

  test('non-strings are invalid', () => {
    expect(isValidPreSharedKey(undefined)).toBe(false);
    expect(isValidPreSharedKey(12345678)).toBe(false);
  });

  test('PSK_RULE states the rule', () => {
    expect(PSK_RULE).toMatch(/8 to 64/);
    expect(PSK_RULE).toMatch(/not start with 0/);
  });
});

describe('limits of the PSK rules (mutation checks)', () => {
  test.each([
    ['.abcdefg', true], // period and underscore may come first
    ['_abcdefg', true],
    ['Zabcdefg', true],
    ['9abcdefg', true],
    ['a'.repeat(8), true],
    ['a'.repeat(64), true],
    ['a'.repeat(7), false],
    ['a'.repeat(65), false],
    ['0'.repeat(8), false],
    ['abcdefg\n', false],
    ['\nabcdefgh', false],
  ])('%j → %s', (key, valid) => expect(isValidPreSharedKey(key)).toBe(valid));

  test('a refused length is named in the error, with the allowed range', () => {
    let error: unknown;
    try {
      generatePreSharedKey(undefined, 65);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/\b8\b.*\b64\b.*\b65\b/);
  });

  test('the default length is 32, and every requested length from 8 to 64 is honoured', () => {
    expect(generatePreSharedKey(() => Buffer.alloc(64, 1))).toBe('B'.repeat(32));
    for (const length of [8, 9, 63, 64]) expect(generatePreSharedKey(undefined, length)).toHaveLength(length);
  });

  test('a source that answers empty batches three times is tolerated; a fourth time is broken', () => {
    const emptyThen = (empties: number) => {
      let calls = 0;
      return (n: number) => (calls++ < empties ? Buffer.alloc(0) : Buffer.alloc(n, 1));
    };
    expect(generatePreSharedKey(emptyThen(3), 8)).toBe('BBBBBBBB');
    expect(() => generatePreSharedKey(emptyThen(4), 8)).toThrow(/no bytes/);
  });

  test('bytes are read in batches of the key length, one call per batch', () => {
    const asked: number[] = [];
    const key = generatePreSharedKey((n) => (asked.push(n), Buffer.alloc(n, 2)), 16);
    expect(key).toBe('CCCCCCCCCCCCCCCC');
    expect(asked).toEqual([16]);
  });

  test('rejection gives up after 1000 unusable bytes in a row, not before', () => {
    const badThenGood = (bad: number) => {
      let served = 0;
      return (n: number) => Buffer.from(Array.from({ length: n }, () => (served++ < bad ? 0xff : 3)));
    };
    expect(generatePreSharedKey(badThenGood(999), 8)).toBe('DDDDDDDD');
    expect(() => generatePreSharedKey(badThenGood(1000), 8)).toThrow(/out-of-range/);
  });

  test('the largest usable byte of the 64-character alphabet (255) is used, the first character rejects 252', () => {
    const bytes = [251, 255, 252, 128];
    let at = 0;
    // First: 251 % 63 = 62 → "_" (the first alphabet's last). Then the full alphabet: 255 → "_", 252 → "8",
    // 128 → "A", 251 → "7": nothing is rejected once the 64-character alphabet is in use.
    expect(generatePreSharedKey((n) => Buffer.from(Array.from({ length: n }, () => bytes[at++ % bytes.length])), 8)).toBe('__8A7_8A');
  });
});
