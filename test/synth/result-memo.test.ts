import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoKey, openResultMemo } from '../../src/synth/result-memo';

describe('the result memo (src/synth/result-memo.ts)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'result-memo-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const records = () => fs.readdirSync(dir).filter((f) => f.startsWith('results-'));

  it('GIVEN results set by a synth THEN the next one of the same code reads them, one of other code does not, and only what a synth used is kept', () => {
    const first = openResultMemo(dir, 'code-a');
    expect(first.get('k1')).toBeUndefined();
    first.set('k1', { violations: ['x'] });
    first.set('k2', 2);
    first.save();
    expect(records()).toEqual(['results-code-a.json']);
    const second = openResultMemo(dir, 'code-a');
    expect(second.get('k1')).toEqual({ violations: ['x'] });
    expect(second.reused).toBe(1);
    expect(openResultMemo(dir, 'code-b').get('k1')).toBeUndefined();
    second.save();
    // k2 was not used by the second synth: dropped.
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'results-code-a.json'), 'utf8'))).toEqual({ k1: { violations: ['x'] } });
    // A synth that only reused what the record holds does not write it again.
    const file = path.join(dir, 'results-code-a.json');
    const third = openResultMemo(dir, 'code-a');
    expect(third.get('k1')).toEqual({ violations: ['x'] });
    fs.utimesSync(file, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const before = fs.statSync(file).mtimeMs;
    third.save();
    expect(fs.statSync(file).mtimeMs).toBe(before);
  });

  it('GIVEN a damaged record THEN nothing is reused; GIVEN records of other code THEN the newest three stay beside the one written', () => {
    fs.writeFileSync(path.join(dir, 'results-code-a.json'), '{"k1": ');
    expect(openResultMemo(dir, 'code-a').get('k1')).toBeUndefined();
    fs.rmSync(path.join(dir, 'results-code-a.json'));
    for (const [i, name] of ['old', 'b', 'c', 'd'].entries()) {
      const m = openResultMemo(dir, name);
      m.set('k', i);
      m.save();
      const at = new Date(Date.now() - (10 - i) * 60_000);
      fs.utimesSync(path.join(dir, `results-${name}.json`), at, at);
    }
    const m = openResultMemo(dir, 'e');
    m.set('k', 5);
    m.save();
    expect(records().sort()).toEqual(['results-b.json', 'results-c.json', 'results-d.json', 'results-e.json']);
  });

  it('GIVEN the parts of a key THEN the key is their digest: equal parts give equal keys, any difference another key', () => {
    expect(memoKey('flow proof', { a: 1 }, ['x'])).toBe(memoKey('flow proof', { a: 1 }, ['x']));
    expect(memoKey('flow proof', { a: 1 }, ['x'])).not.toBe(memoKey('flow proof', { a: 2 }, ['x']));
    expect(memoKey('a', 'b')).not.toBe(memoKey('ab'));
  });
});
