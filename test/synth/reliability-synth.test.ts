import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App } from 'cdk8s';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { EnvironmentChart, EnvironmentProfile, SynthError, SynthPlugin, SynthStage, synthesize } from '../../src';
import { policyPlugin } from '../../src/policy';
import { development, production } from '../helpers';
import { goodEnvironment } from '../policy/fixtures';
import { bundleEntry, root, tree } from './bundle-helpers';

/** An app with the policy fixture in development and production (both pass the gate). */
function fixtureApp(extra: (chart: EnvironmentChart) => void = () => undefined, profiles: EnvironmentProfile[] = [development, production]): App {
  const app = new App({ outdir: '.cdk8s.out' });
  for (const profile of profiles) {
    const chart = new EnvironmentChart(app, { profile });
    goodEnvironment().forEach((o, i) => new ApiObject(chart, `o${i}`, o as any));
    extra(chart);
  }
  return app;
}

describe('determinism: two synths in separate processes give identical bytes', () => {
  let tmp: string;
  let entryDir: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'determinism-'));
    // Bundles live under lib/ so the schema bundle and node_modules resolve as for lib/main.js.
    // A fresh clone has no lib/ until the first bundle.
    fs.mkdirSync(path.join(root, 'lib'), { recursive: true });
    entryDir = fs.mkdtempSync(path.join(root, 'lib', '.reliability-'));
  });
  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(entryDir, { recursive: true, force: true });
  });

  function run(script: string, outdir: string) {
    return spawnSync(process.execPath, [script, '--outdir', outdir], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  }

  it('GIVEN the reference platform WHEN node lib/main.js runs twice THEN both runs end the same way with identical files', () => {
    // GIVEN
    const build = spawnSync(process.execPath, ['scripts/build.js'], { cwd: root, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    // WHEN
    const a = run('lib/main.js', path.join(tmp, 'main-a'));
    const b = run('lib/main.js', path.join(tmp, 'main-b'));
    // THEN: same outcome (a failing gate must fail the same way) and byte-identical output
    expect(b.status).toBe(a.status);
    expect(b.stderr).toBe(a.stderr);
    const ta = tree(path.join(tmp, 'main-a'));
    expect(tree(path.join(tmp, 'main-b'))).toEqual(ta);
    if (a.status === 0) expect(Object.keys(ta).length).toBeGreaterThan(0);
    // The bundle (worker thread, verdict cache and flow proofs of the first run reused by the second, VALIDATION.md from
    // the rules the worker lists) writes the committed dist/, which test/synth/dist.test.ts compares with the in-process
    // synth.
    if (a.status === 0) {
      expect(b.stdout).toMatch(
        /\(checks of \d+ unchanged documents and \d+ folder-wide results \(flow proof, policy gate, tenant isolation\) of unchanged output folders reused\)$/m,
      );
      expect(ta).toEqual(tree(path.join(root, 'dist')));
    }
  });

  it('GIVEN a built bundle THEN its up-to-date check covers the installed packages through node_modules/.package-lock.json and every own source', () => {
    const stamp = JSON.parse(fs.readFileSync(path.join(root, 'lib', '.build-inputs.json'), 'utf8')) as { inputs: Record<string, string> };
    const inputs = Object.keys(stamp.inputs);
    expect(inputs.filter((f) => f.startsWith('node_modules/'))).toEqual(['node_modules/.package-lock.json']);
    expect(inputs).toEqual(expect.arrayContaining(['main.ts', 'src/synth/synthesizer.ts', 'src/synth/synth-worker.ts', 'imports/k8s.ts', 'package-lock.json']));
  });

  it('GIVEN a fixture app with the policy gate WHEN bundled and run in two processes THEN the files are byte-identical', () => {
    // GIVEN: an entry point bundled like lib/main.js
    const entry = path.join(entryDir, 'entry.js');
    bundleEntry(
      entry,
      `
          import { ApiObject, App } from 'cdk8s';
          import { EnvironmentChart, policyPlugin, synthesize } from './src';
          import { development, production, staging } from './test/helpers';
          import { goodEnvironment } from './test/policy/fixtures';
          const app = new App({ outdir: '.cdk8s.out' });
          for (const profile of [development, staging, production]) {
            const chart = new EnvironmentChart(app, { profile });
            goodEnvironment().forEach((o, i) => new ApiObject(chart, 'o' + i, o as any));
          }
          synthesize(app, { outdir: process.argv[3], plugins: [policyPlugin()], warn: () => undefined });
        `,
    );
    // WHEN
    const a = run(entry, path.join(tmp, 'fixture-a'));
    const b = run(entry, path.join(tmp, 'fixture-b'));
    // THEN
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    const ta = tree(path.join(tmp, 'fixture-a'));
    expect(Object.keys(ta)).toContain('production/POLICY.md');
    expect(Object.keys(ta)).toContain('production/shop/deployment-api.yaml');
    expect(Object.keys(ta).length).toBe(3 * 23);
    expect(tree(path.join(tmp, 'fixture-b'))).toEqual(ta);
  });

  it('GIVEN the same app built twice in one process THEN synth output is identical', () => {
    const outA = path.join(tmp, 'same-a');
    const outB = path.join(tmp, 'same-b');
    synthesize(fixtureApp(), { outdir: outA, plugins: [policyPlugin()], warn: () => undefined });
    synthesize(fixtureApp(), { outdir: outB, plugins: [policyPlugin()], warn: () => undefined });
    expect(tree(outB)).toEqual(tree(outA));
  });
});

describe('atomicity under faults: any exception leaves dist/ byte-for-byte unchanged', () => {
  let tmp: string;
  let outdir: string;
  let before: Record<string, string>;
  const STAGES: SynthStage[] = ['collect', 'validate', 'check', 'render', 'write', 'swap'];

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-'));
    outdir = path.join(tmp, 'dist');
    // GIVEN a committed dist/ from an earlier synth, plus a hand-placed file
    synthesize(fixtureApp(), { outdir, plugins: [policyPlugin()], warn: () => undefined });
    fs.writeFileSync(path.join(outdir, 'README.md'), 'kept\n');
    before = tree(outdir);
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** Synth of a changed app (one more ConfigMap) that fails at `fault`. */
  function changedApp(): App {
    return fixtureApp(
      (chart) => new ApiObject(chart, 'extra', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra', namespace: 'shop' }, data: { a: '1' } }),
    );
  }

  function expectUnchanged(): void {
    expect(tree(outdir)).toEqual(before);
    expect(fs.readdirSync(tmp)).toEqual(['dist']);
  }

  it.each(STAGES.map((s) => [s]))('GIVEN an exception injected at stage %s WHEN synthesizing THEN dist/ is unchanged and no temp folder remains', (stage) => {
    expect(() =>
      synthesize(changedApp(), {
        outdir,
        plugins: [policyPlugin()],
        warn: () => undefined,
        onStage: (s) => {
          if (s === stage) throw new Error(`injected at ${s}`);
        },
      }),
    ).toThrow(`injected at ${stage}`);
    expectUnchanged();
  });

  it('GIVEN no fault THEN the same changed app is written (the faults above were the only thing stopping it)', () => {
    synthesize(changedApp(), { outdir, plugins: [policyPlugin()], warn: () => undefined });
    expect(Object.keys(tree(outdir))).toContain('production/shop/configmap-extra.yaml');
    expect(tree(outdir)['README.md']).toBeUndefined();
  });

  it('GIVEN a plugin whose check throws a TypeError THEN dist/ is unchanged', () => {
    const broken: SynthPlugin = {
      name: 'broken',
      check: () => {
        throw new TypeError('boom in check');
      },
    };
    expect(() => synthesize(changedApp(), { outdir, plugins: [policyPlugin(), broken], warn: () => undefined })).toThrow('boom in check');
    expectUnchanged();
  });

  it('GIVEN a plugin whose report throws THEN dist/ is unchanged', () => {
    const broken: SynthPlugin = {
      name: 'broken',
      files: () => {
        throw new Error('boom in files');
      },
    };
    expect(() => synthesize(changedApp(), { outdir, plugins: [policyPlugin(), broken], warn: () => undefined })).toThrow('boom in files');
    expectUnchanged();
  });

  it('GIVEN a write that fails half-way (a file where a folder must go) THEN dist/ is unchanged', () => {
    const clash: SynthPlugin = { name: 'clash', globalFiles: () => ({ 'zz/file': 'a', 'zz/file/below': 'b' }) };
    expect(() => synthesize(changedApp(), { outdir, plugins: [policyPlugin(), clash], warn: () => undefined })).toThrow();
    expectUnchanged();
  });

  it('GIVEN a policy violation in production THEN synth fails with SynthError and dist/ is unchanged', () => {
    const app = fixtureApp(
      (chart) =>
        new ApiObject(chart, 'leak', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'leak', namespace: 'shop' }, stringData: { password: 'hunter2' } }),
    );
    expect(() => synthesize(app, { outdir, plugins: [policyPlugin()], warn: () => undefined })).toThrow(SynthError);
    expectUnchanged();
  });
});
