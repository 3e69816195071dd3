/**
 * The output record (src/synth/output-record.ts): what the last successful synth wrote into a folder, so that an
 * unchanged document's file is kept (hard-linked) instead of rendered and written again, and only when the file in the
 * folder still holds what was written.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { analyzeDocument } from '../../src/synth/document-pipeline';
import { objectDigest, readOutputRecord, writeOutputRecord } from '../../src/synth/output-record';
import { SchemaValidator } from '../../src/synth/schema-validator';
import { documentDigest } from '../../src/synth/verdict-cache';
import { toYaml } from '../../src/synth/yaml';

describe('the output record', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'output-record-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const cache = () => path.join(dir, 'cache');
  const config = (value: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'apps' }, data: { value } });

  it('GIVEN document objects THEN equal objects (a structured clone too) have one digest, and NaN, null, -0 and 0 are told apart', () => {
    const o = config('a');
    expect(objectDigest(o)).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(objectDigest(structuredClone(o))).toBe(objectDigest(o));
    expect(objectDigest(config('b'))).not.toBe(objectDigest(o));
    expect(objectDigest({ n: NaN })).not.toBe(objectDigest({ n: null }));
    expect(objectDigest({ n: -0 })).not.toBe(objectDigest({ n: 0 }));
    expect(objectDigest({ f: () => 1 })).toBeUndefined();
  });

  it('GIVEN records THEN each is read for its folder and identity only; a damaged one reads as none; writing removes the records of other checkers and keeps those of the newest folders', () => {
    const outdir = path.join(dir, 'dist');
    const entry = { file: 'production/apps/configmap-settings.yaml', object: 'o'.repeat(43) + '=', yaml: 'y'.repeat(43) + '=' };
    const rules = { 'example.com/v1/Widget': [{ path: 'spec', rule: 'self.size > 0', status: 'enforced' as const }] };
    writeOutputRecord(cache(), 'old-checker', outdir, []);
    writeOutputRecord(cache(), 'checker', path.join(dir, 'preview'), []);
    writeOutputRecord(cache(), 'checker', outdir, [entry], rules);
    const records = fs.readdirSync(cache());
    expect(records).toHaveLength(2);
    expect(records.every((f) => /^output-checker-[0-9a-f]{16}\.json$/.test(f))).toBe(true);
    expect(readOutputRecord(cache(), 'checker', path.join(dir, 'preview'))!.recorded(entry.file)).toBeUndefined();
    // Of one checker's records, the newest eight folders stay.
    for (let i = 0; i < 9; i++) writeOutputRecord(cache(), 'checker', path.join(dir, `f${i}`), []);
    expect(fs.readdirSync(cache())).toHaveLength(8);
    writeOutputRecord(cache(), 'checker', outdir, [entry], rules);
    const previous = readOutputRecord(cache(), 'checker', outdir)!;
    expect(previous.root).toBe(path.resolve(outdir));
    expect(previous.recorded(entry.file)).toEqual(entry);
    expect(previous.recorded('production/apps/other.yaml')).toBeUndefined();
    expect(previous.recorded('constructor')).toBeUndefined();
    expect(previous.inventory('example.com/v1/Widget')).toEqual(rules['example.com/v1/Widget']);
    expect(previous.inventory('example.com/v1/Gadget')).toBeUndefined();
    expect(readOutputRecord(cache(), 'checker', path.join(dir, 'elsewhere'))).toBeUndefined();
    expect(readOutputRecord(cache(), 'other-checker', outdir)).toBeUndefined();
    const file = fs
      .readdirSync(cache())
      .map((f) => path.join(cache(), f))
      .find((f) => (JSON.parse(fs.readFileSync(f, 'utf8')) as { outdir: string }).outdir === path.resolve(outdir))!;
    const record = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(file, JSON.stringify({ ...record, inventories: { 'example.com/v1/Widget': [{ path: 'spec', rule: 1, status: 'enforced' }] } }));
    expect(readOutputRecord(cache(), 'checker', outdir)!.inventory('example.com/v1/Widget')).toBeUndefined();
    fs.writeFileSync(file, JSON.stringify({ ...record, format: 'cdk8s-platform output v0' }));
    expect(readOutputRecord(cache(), 'checker', outdir)).toBeUndefined();
    fs.writeFileSync(file, '{"format": ');
    expect(readOutputRecord(cache(), 'checker', outdir)).toBeUndefined();
  });

  /** A previous output holding `text` for the ConfigMap, recorded as the YAML of `recordedAs`; a fresh temporary folder. */
  function previousOutput(text: string, recordedAs: object) {
    const outdir = path.join(dir, 'dist');
    const file = 'production/apps/configmap-settings.yaml';
    fs.mkdirSync(path.dirname(path.join(outdir, file)), { recursive: true });
    fs.writeFileSync(path.join(outdir, file), text);
    const yaml = toYaml(recordedAs);
    writeOutputRecord(cache(), 'checker', outdir, [{ file, object: objectDigest(recordedAs)!, yaml: documentDigest(yaml) }]);
    const tmp = path.join(dir, '.dist.tmp');
    return { outdir, file, yaml, tmp, previous: readOutputRecord(cache(), 'checker', outdir)!, verdicts: new Set([documentDigest(yaml)]) };
  }

  it('GIVEN an unchanged object and its file unchanged THEN the file is kept (a hard link, not rendered or written), reported clean and reused', () => {
    const o = config('a');
    const p = previousOutput(toYaml(o), o);
    const analysis = analyzeDocument({ object: o, file: p.file }, new SchemaValidator(), p.tmp, new Set(), p.verdicts, p.previous);
    expect(analysis).toEqual({ problems: [], expressions: [], digest: documentDigest(p.yaml), object: objectDigest(o), reused: true });
    expect(fs.statSync(path.join(p.tmp, p.file)).ino).toBe(fs.statSync(path.join(p.outdir, p.file)).ino);
    expect(fs.readFileSync(path.join(p.tmp, p.file), 'utf8')).toBe(p.yaml);
  });

  it('GIVEN a file edited since, or a changed object THEN the document is rendered and written anew', () => {
    const o = config('a');
    const edited = previousOutput(`${toYaml(o)}# edited\n`, o);
    analyzeDocument({ object: o, file: edited.file }, new SchemaValidator(), edited.tmp, new Set(), edited.verdicts, edited.previous);
    expect(fs.readFileSync(path.join(edited.tmp, edited.file), 'utf8')).toBe(toYaml(o));
    expect(fs.statSync(path.join(edited.tmp, edited.file)).ino).not.toBe(fs.statSync(path.join(edited.outdir, edited.file)).ino);
    fs.rmSync(edited.tmp, { recursive: true });

    const changed = config('b');
    const p = previousOutput(toYaml(o), o);
    const analysis = analyzeDocument({ object: changed, file: p.file }, new SchemaValidator(), p.tmp, new Set(), p.verdicts, p.previous);
    expect(fs.readFileSync(path.join(p.tmp, p.file), 'utf8')).toBe(toYaml(changed));
    expect(analysis.digest).toBe(documentDigest(toYaml(changed)));
    expect(analysis.reused).toBeUndefined();
  });

  it('GIVEN the previous file replaced by a symbolic link to the same text THEN the document is written as a regular file', () => {
    const o = config('a');
    const p = previousOutput(toYaml(o), o);
    const elsewhere = path.join(dir, 'elsewhere.yaml');
    fs.writeFileSync(elsewhere, toYaml(o));
    fs.rmSync(path.join(p.outdir, p.file));
    fs.symlinkSync(elsewhere, path.join(p.outdir, p.file));
    analyzeDocument({ object: o, file: p.file }, new SchemaValidator(), p.tmp, new Set(), p.verdicts, p.previous);
    const written = path.join(p.tmp, p.file);
    expect(fs.lstatSync(written).isFile()).toBe(true);
    expect(fs.statSync(written).ino).not.toBe(fs.statSync(elsewhere).ino);
    expect(fs.readFileSync(written, 'utf8')).toBe(toYaml(o));
  });

  it('GIVEN a folder where links fail THEN a kept file is copied, and so is every later one', () => {
    const o = config('a');
    const p = previousOutput(toYaml(o), o);
    const to = path.join(dir, 'copy.yaml');
    // The link's source is missing: the text is written instead.
    p.previous.keep('production/apps/missing.yaml', to, 'copied\n');
    expect(fs.readFileSync(to, 'utf8')).toBe('copied\n');
    const later = path.join(dir, 'later.yaml');
    p.previous.keep(p.file, later, p.yaml);
    expect(fs.readFileSync(later, 'utf8')).toBe(p.yaml);
    expect(fs.statSync(later).ino).not.toBe(fs.statSync(path.join(p.outdir, p.file)).ino);
  });
});
