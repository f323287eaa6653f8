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
