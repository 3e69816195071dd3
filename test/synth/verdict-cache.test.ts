import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validationDataFiles } from '../../src/synth/schema-registry';
import { checkerIdentity, documentDigest, isRenderedAs, precomputeRenderedDigest, readVerdicts, writeVerdicts } from '../../src/synth/verdict-cache';

describe('verdict cache (src/synth/verdict-cache.ts)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verdicts-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('GIVEN digests written for a checker WHEN read back THEN the same set; another checker reads none', () => {
    const digests = ['a: 1\n', 'b: 2\n', 'c: 3\n'].map(documentDigest);
    writeVerdicts(path.join(dir, 'cache'), 'one', [...digests, digests[0]!]);
    expect(readVerdicts(path.join(dir, 'cache'), 'one')).toEqual(new Set(digests));
    expect(fs.statSync(path.join(dir, 'cache', 'verdicts-one.bin')).size).toBe(3 * 32);
    expect(readVerdicts(path.join(dir, 'cache'), 'two')).toEqual(new Set());
    expect(readVerdicts(path.join(dir, 'missing'), 'one')).toEqual(new Set());
  });

  it('GIVEN the verdicts of an old checker WHEN a new one records its own THEN the old ones are removed', () => {
    writeVerdicts(dir, 'old', [documentDigest('x')]);
    writeVerdicts(dir, 'new', [documentDigest('y')]);
    expect(fs.readdirSync(dir)).toEqual(['verdicts-new.bin']);
  });

  it('GIVEN a damaged record (not whole digests) WHEN read THEN no verdict is trusted', () => {
    writeVerdicts(dir, 'one', [documentDigest('x')]);
    fs.appendFileSync(path.join(dir, 'verdicts-one.bin'), Buffer.from([1, 2, 3]));
    expect(readVerdicts(dir, 'one')).toEqual(new Set());
  });

  it('GIVEN the files of a checker WHEN one changes size or time, or cannot be read THEN the identity changes', () => {
    const a = path.join(dir, 'a.js');
    const b = path.join(dir, 'b.json');
    fs.writeFileSync(a, 'module.exports = 1;');
    fs.writeFileSync(b, '{}');
    const id = checkerIdentity([a, b]);
    expect(checkerIdentity([b, a])).toBe(id);
    fs.writeFileSync(b, '{ }');
    const changed = checkerIdentity([a, b]);
    expect(changed).not.toBe(id);
    const later = new Date(Date.now() + 10_000);
    fs.utimesSync(a, later, later);
    expect(checkerIdentity([a, b])).not.toBe(changed);
    const gone = path.join(dir, 'gone.js');
    expect(checkerIdentity([gone])).not.toBe(checkerIdentity([gone]));
  });

  it('GIVEN a loaded kind index THEN the schema bundle and the CEL programs beside it are in the identity, loaded or not, and a change of either changes it', () => {
    const repoIndex = path.resolve(__dirname, '../../imports/validation-kinds.json');
    const files = validationDataFiles(['/x/module.js', repoIndex]);
    expect(files.map((f) => path.relative(path.dirname(repoIndex), f))).toEqual(['validation-schemas.json', 'cel-programs.json']);
    for (const f of files) expect(fs.existsSync(f)).toBe(true);
    expect(validationDataFiles(['/x/module.js'])).toEqual([]);
    const index = path.join(dir, 'validation-kinds.json');
    for (const f of ['validation-kinds.json', 'validation-schemas.json', 'cel-programs.json']) fs.writeFileSync(path.join(dir, f), '{}');
    const identity = () => checkerIdentity([index, ...validationDataFiles([index])]);
    const before = identity();
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(path.join(dir, 'validation-schemas.json'), later, later);
    const afterSchemas = identity();
    expect(afterSchemas).not.toBe(before);
    fs.writeFileSync(path.join(dir, 'cel-programs.json'), '{"programs":{}}');
    expect(identity()).not.toBe(afterSchemas);
  });

  it('GIVEN the digest the worker computed for an object WHEN a committed text is compared with it THEN the digest decides, without rendering; without one, the object is rendered here', () => {
    const rendered: object[] = [];
    const render = (o: object) => {
      rendered.push(o);
      return 'kind: StatefulSet\n';
    };
    const fromWorker = { kind: 'StatefulSet' };
    precomputeRenderedDigest(fromWorker, () => documentDigest('kind: StatefulSet\n'));
    expect(isRenderedAs(fromWorker, 'kind: StatefulSet\n', render)).toBe(true);
    expect(isRenderedAs(fromWorker, 'kind: StatefulSet\nspec: {}\n', render)).toBe(false);
    expect(rendered).toEqual([]);
    const here = { kind: 'StatefulSet' };
    expect(isRenderedAs(here, 'kind: StatefulSet\n', render)).toBe(true);
    expect(isRenderedAs(here, 'other\n', render)).toBe(false);
    // A document that was not clean has no digest: rendered here.
    const unclean = { kind: 'StatefulSet' };
    precomputeRenderedDigest(unclean, () => undefined);
    expect(isRenderedAs(unclean, 'kind: StatefulSet\n', render)).toBe(true);
    expect(rendered).toEqual([here, here, unclean]);
  });

  it('GIVEN a document WHEN digested THEN the digest is the SHA-256 of its YAML text (as sha256sum computes it), base64', () => {
    expect(documentDigest('kind: ConfigMap\n')).toBe('u2x/sc5Lisi6qPY0RiPdRgLPPWzoWfn/hZpaQ3h8WYc=');
  });
});
