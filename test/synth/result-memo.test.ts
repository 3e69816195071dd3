import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { documentsDigest, keyData, memoKey, openResultMemo, recall, ResultMemo } from '../../src/synth/result-memo';

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

  it('GIVEN values for a key THEN keyData keeps data and the fields of class instances, and refuses what JSON would not hold exactly', () => {
    class Choice {
      public constructor(public readonly mode: string) {}
      public get upper(): string {
        return this.mode.toUpperCase();
      }
    }
    expect(keyData({ a: [1, 'x', true, null], b: { c: undefined } })).toEqual({ a: [1, 'x', true, null], b: {} });
    expect(keyData({ choice: new Choice('operator') })).toEqual({ choice: { '': 'class Choice', mode: 'operator' } });
    expect(keyData(new Choice('a'))).not.toEqual(keyData(new Choice('b')));
    const shared = { x: 1 };
    expect(keyData([shared, shared])).toEqual([{ x: 1 }, { x: 1 }]);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const getter = Object.defineProperty({}, 'v', { get: () => 1, enumerable: true });
    const hidden = Object.defineProperty({}, 'v', { value: 1, enumerable: false });
    for (const bad of [
      () => 1,
      { f: () => 1 },
      NaN,
      Infinity,
      [undefined],
      [1, , 2],
      new Date(0),
      new Map(),
      /x/,
      { [Symbol('s')]: 1 },
      cyclic,
      getter,
      hidden,
    ]) {
      expect(keyData(bad)).toBeUndefined();
    }
  });

  it('GIVEN documents and a context THEN documentsDigest changes with a file or a digest and is undefined without a memo or with an unknown digest; recall reuses a valid record only', () => {
    const docs = [
      { file: 'a.yaml', object: { a: 1 } },
      { file: 'b.yaml', object: { b: 2 } },
    ];
    const recorded = new Map<string, unknown>();
    const memo: ResultMemo = { get: (k) => recorded.get(k), set: (k, v) => recorded.set(k, v) };
    const digestOf = (o: object) => JSON.stringify(o);
    const digest = documentsDigest(docs, { memo, digestOf })!;
    expect(digest).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(documentsDigest([...docs], { memo, digestOf })).toBe(digest);
    expect(documentsDigest([{ ...docs[0]!, file: 'c.yaml' }, docs[1]!], { memo, digestOf })).not.toBe(digest);
    expect(documentsDigest(docs, { memo, digestOf: (o) => `${JSON.stringify(o)}!` })).not.toBe(digest);
    expect(documentsDigest(docs.slice(1), { memo, digestOf })).not.toBe(digest);
    expect(documentsDigest(docs, { digestOf })).toBeUndefined();
    expect(documentsDigest(docs, { memo, digestOf: (o) => (o === docs[1]!.object ? undefined : 'd') })).toBeUndefined();
    const isNumber = (v: unknown): v is number => typeof v === 'number';
    let computed = 0;
    const compute = () => ++computed;
    expect(recall(memo, 'k', isNumber, compute)).toBe(1);
    expect(recall(memo, 'k', isNumber, compute)).toBe(1);
    memo.set('bad', 'not a number');
    expect(recall(memo, 'bad', isNumber, compute)).toBe(2);
    expect(recall(memo, undefined, isNumber, compute)).toBe(3);
    expect(recall(undefined, 'k', isNumber, compute)).toBe(4);
  });
});
