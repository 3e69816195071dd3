import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import * as esbuild from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KubeConfigMap, KubeNamespace } from '../../imports/k8s';
import { recoverInterruptedSwap } from '../../src/synth/synthesizer';
import {
  ConnectionGraph,
  EnvironmentChart,
  MicroserviceDeployment,
  PlatformConfigError,
  PlatformNamespace,
  StatefulDatastore,
  Engine,
  SynthError,
  SynthStage,
  synthesize,
  TenantNamespace,
  Plan,
  HealthProbe,
  ImageReference,
} from '../../src';
import { isUserMistake, synthFailureMessage } from '../../src/synth/failure';
import { development, production } from '../helpers';

const ROOT = path.resolve(__dirname, '../..');
let tmp: string;
let outdir: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'robust-'));
  outdir = path.join(tmp, 'dist');
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function versionIn(dir: string): string | undefined {
  const f = path.join(dir, 'development/apps/configmap-settings.yaml');
  return fs.existsSync(f) ? /version: '?(\w+)'?/.exec(fs.readFileSync(f, 'utf8'))?.[1] : undefined;
}

describe('failure messages', () => {
  it('GIVEN a PlatformConfigError WHEN synth fails THEN the message is printed without a stack', () => {
    const e = new PlatformConfigError('production/api', 'replicas', 0, 'must be at least 1');
    expect(isUserMistake(e)).toBe(true);
    expect(synthFailureMessage(e, { outdir: 'dist' })).toBe('synth failed; dist/ was left unchanged:\n  production/api: replicas: got 0; must be at least 1');
  });

  it('GIVEN no output folder WHEN synth fails before it is known THEN the message says "the output folder"', () => {
    const e = new PlatformConfigError('production/api', 'replicas', 0, 'must be at least 1');
    expect(synthFailureMessage(e)).toBe('synth failed; the output folder was left unchanged:\n  production/api: replicas: got 0; must be at least 1');
  });

  it('GIVEN a SynthError WHEN synth fails THEN its own summary is printed, no stack', () => {
    const e = new SynthError(['production/a/ConfigMap/x: data: bad'], { outdir: 'out/manifests' });
    expect(synthFailureMessage(e, { outdir: 'dist' })).toBe(
      'synth failed with 1 problem(s); out/manifests/ was left unchanged:\n  production/a/ConfigMap/x: data: bad',
    );
  });

  it("GIVEN constructs' own duplicate-id error (raw ApiObjects) WHEN synth fails THEN it reads like a PlatformConfigError", () => {
    const app = new App();
    const chart = new EnvironmentChart(app, { profile: development });
    new KubeConfigMap(chart, 'cm', { metadata: { name: 'a', namespace: 'x' } });
    let error: unknown;
    try {
      new KubeConfigMap(chart, 'cm', { metadata: { name: 'b', namespace: 'x' } });
    } catch (e) {
      error = e;
    }
    expect(isUserMistake(error)).toBe(true);
    expect(synthFailureMessage(error, { outdir: 'dist' })).toBe(
      'synth failed; dist/ was left unchanged:\n  development/cm: id: got "cm"; development already has a construct with this id; construct ids are API (they name objects\' construct paths): give each construct its own id',
    );
  });

  it('GIVEN an internal error WHEN synth fails THEN it is called internal and printed with its stack', () => {
    const e = new TypeError('cannot read properties of undefined');
    expect(isUserMistake(e)).toBe(false);
    const text = synthFailureMessage(e, { outdir: 'dist' });
    expect(text.split('\n')[0]).toBe(
      'synth failed; dist/ was left unchanged. This is an internal error of the platform library (not a mistake in your input); please report it with this trace:',
    );
    expect(text).toContain('TypeError: cannot read properties of undefined\n    at ');
  });

  it('GIVEN a construct outside an environment chart WHEN built THEN it is a user mistake', () => {
    let error: unknown;
    try {
      new PlatformNamespace(new App(), 'ns', { name: 'x', concern: 'y', team: 'z' });
    } catch (e) {
      error = e;
    }
    expect(isUserMistake(error)).toBe(true);
  });
});

describe('construct ids and connections', () => {
  const svc = (chart: EnvironmentChart, id: string, name = id) =>
    new MicroserviceDeployment(chart, id, {
      name,
      namespace: 'backend',
      team: 'backend',
      image: ImageReference.parse('ghcr.io/acme/api:1.0.0'),
      ports: [{ name: 'http', port: 8080 }],
      probes: { liveness: HealthProbe.http('/health'), readiness: HealthProbe.http('/ready') },
    });

  it('GIVEN two services with one construct id WHEN built THEN a PlatformConfigError names the path', () => {
    const chart = new EnvironmentChart(new App(), { profile: development });
    svc(chart, 'api');
    expect(() => svc(chart, 'api', 'api-2')).toThrow(
      new PlatformConfigError(
        'development/api',
        'id',
        'api',
        "development already has a construct with this id (a MicroserviceDeployment); construct ids are API (they name objects' construct paths): give each construct its own id",
      ),
    );
  });

  it.each([
    ['StatefulDatastore', (c: EnvironmentChart) => new StatefulDatastore(c, 'pg', { name: 'pg', namespace: 'db', engine: Engine.postgres() })],
    [
      'TenantNamespace',
      (c: EnvironmentChart) =>
        new TenantNamespace(c, 'pg', { tenant: 'pg', plan: Plan.free(), owners: { admin: ['a'] }, sourceRepos: ['https://github.com/a/b.git'] }),
    ],
    ['PlatformNamespace', (c: EnvironmentChart) => new PlatformNamespace(c, 'pg', { name: 'pg', concern: 'db', team: 'platform' })],
  ])('GIVEN a %s reusing an id WHEN built THEN it is a PlatformConfigError', (_kind, build) => {
    const chart = new EnvironmentChart(new App(), { profile: development });
    new PlatformNamespace(chart, 'pg', { name: 'first', concern: 'db', team: 'platform' });
    expect(() => build(chart)).toThrow(
      'development/pg: id: got "pg"; development already has a construct with this id (a PlatformNamespace); construct ids are API (they name objects\' construct paths): give each construct its own id',
    );
  });

  it('GIVEN two environment charts for one folder WHEN built THEN a PlatformConfigError names the folder', () => {
    const app = new App();
    new EnvironmentChart(app, { profile: development });
    expect(() => new EnvironmentChart(app, { profile: development })).toThrow(
      'app/development: outputDirectory: got "development"; another EnvironmentChart already writes to this folder: give each environment chart its own profile name or outputDirectory',
    );
  });

  it('GIVEN gateway.connectsTo(gateway) WHEN called THEN it is a PlatformConfigError with the construct path', () => {
    const chart = new EnvironmentChart(new App(), { profile: development });
    const gateway = svc(chart, 'gateway');
    expect(() => gateway.connectsTo(gateway)).toThrow(
      new PlatformConfigError(
        'development/gateway',
        'connectsTo[0]',
        'backend/gateway',
        'a workload cannot connect to itself; name the workload it calls (traffic between the pods of one workload is not a connection)',
      ),
    );
  });

  it('GIVEN a connection to its own name by reference WHEN declared in the graph THEN it is refused too', () => {
    const chart = new EnvironmentChart(new App(), { profile: development });
    const gateway = svc(chart, 'gateway');
    expect(() => ConnectionGraph.of(chart).connect(gateway, { name: 'gateway' }, undefined, 'clients[0]')).toThrow(
      'development/gateway: clients[0]: got "backend/gateway"; a workload cannot connect to itself',
    );
  });
});

describe('an interrupted swap', () => {
  let bundle: string;
  let bundleDir: string;
  /** dist/ as a complete child-process run of version 1 leaves it (made once; each test starts from a copy). */
  let version1: string;
  beforeAll(() => {
    // Inside the repository (lib/ is build output): the bundle finds node_modules and the schema bundle from there.
    fs.mkdirSync(path.join(ROOT, 'lib'), { recursive: true });
    bundleDir = fs.mkdtempSync(path.join(ROOT, 'lib', 'kill-synth-'));
    bundle = path.join(bundleDir, 'kill-synth.js');
    esbuild.buildSync({
      entryPoints: [path.join(__dirname, 'fixtures/kill-synth.ts')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      packages: 'external',
      logLevel: 'error',
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'robust-v1-'));
    version1 = path.join(dir, 'dist');
    expect(spawnSync(process.execPath, [bundle, version1, 'none', '1'], { encoding: 'utf8' }).status).toBe(0);
    expect(versionIn(version1)).toBe('1');
    expect(fs.readdirSync(dir)).toEqual(['dist']);
  });
  afterAll(() => {
    fs.rmSync(bundleDir, { recursive: true, force: true });
    fs.rmSync(path.dirname(version1), { recursive: true, force: true });
  });

  /** Runs a synth of `version` in a child process that SIGKILLs itself at `killAt` ('none': runs to the end). */
  function childSynth(killAt: SynthStage | 'none', version: string): NodeJS.Signals | null {
    const r = spawnSync(process.execPath, [bundle, outdir, killAt, version], { encoding: 'utf8' });
    if (r.status !== 0 && r.signal === null) throw new Error(r.stderr);
    return r.signal;
  }

  /** GIVEN dist/ holds version 1 from a complete run (a copy of the one made in beforeAll). */
  function givenVersion1(): void {
    fs.cpSync(version1, outdir, { recursive: true });
    expect(versionIn(outdir)).toBe('1');
    expect(leftovers()).toEqual([]);
  }

  const leftovers = () =>
    fs
      .readdirSync(tmp)
      .filter((f) => f !== 'dist')
      .sort();

  it.each<[SynthStage, string, RegExp[]]>([
    ['write', '1', [/^\.dist\.tmp-/]],
    ['swap', '1', [/^\.dist\.tmp-/]],
    ['journal', '1', [/^\.dist\.swap-journal\.json$/, /^\.dist\.tmp-/]],
    ['swap-old', '1', [/^\.dist\.old-/, /^\.dist\.swap-journal\.json$/, /^\.dist\.tmp-/]],
    ['swap-new', '2', [/^\.dist\.old-/, /^\.dist\.swap-journal\.json$/]],
    ['cleanup', '2', [/^\.dist\.old-/]],
  ])('GIVEN synth killed at %s WHEN the next run starts THEN dist/ holds version %s and no leftover remains', (stage, expected, left) => {
    givenVersion1();
    expect(childSynth(stage, '2')).toBe('SIGKILL');
    expect(leftovers().map((f, i) => left[i]?.test(f) ?? false)).toEqual(left.map(() => true));
    // WHEN the next run starts (its first step), THEN
    recoverInterruptedSwap(outdir);
    expect(versionIn(outdir)).toBe(expected);
    expect(leftovers()).toEqual([]);
    // and a full run after it works.
    expect(childSynth('none', '3')).toBeNull();
    expect(versionIn(outdir)).toBe('3');
    expect(leftovers()).toEqual([]);
  });

  it('GIVEN two kills between the renames in a row WHEN recovered THEN the version before both is back, never an older folder', () => {
    givenVersion1();
    expect(childSynth('swap-old', '2')).toBe('SIGKILL');
    expect(childSynth('swap-old', '3')).toBe('SIGKILL');
    recoverInterruptedSwap(outdir);
    expect(versionIn(outdir)).toBe('1');
    expect(leftovers()).toEqual([]);
  });

  it("GIVEN stale old folders beside the journal's WHEN recovered THEN only the journal decides, whatever the folder names", () => {
    const make = (dir: string, version: string) => {
      fs.mkdirSync(path.join(dir, 'development/apps'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'development/apps/configmap-settings.yaml'), `data:\n  version: '${version}'\n`);
    };
    make(path.join(tmp, '.dist.old-1-aaa'), 'right');
    make(path.join(tmp, '.dist.old-9-zzz'), 'stale');
    make(path.join(tmp, '.dist.tmp-1-aaa'), 'new');
    fs.writeFileSync(path.join(tmp, '.dist.swap-journal.json'), JSON.stringify({ old: '.dist.old-1-aaa', tmp: '.dist.tmp-1-aaa', hadOutdir: true }));
    recoverInterruptedSwap(outdir);
    expect(versionIn(outdir)).toBe('right');
    expect(leftovers()).toEqual([]);
  });

  it('GIVEN leftovers without a journal and dist/ missing WHEN recovered THEN nothing is guessed: they are removed', () => {
    fs.mkdirSync(path.join(tmp, '.dist.old-5-x'));
    fs.mkdirSync(path.join(tmp, '.dist.tmp-5-x'));
    recoverInterruptedSwap(outdir);
    expect(fs.existsSync(outdir)).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('GIVEN a production app WHEN synthesized in process with a fault after the first rename THEN dist/ is as before and nothing is left', () => {
    const app = (v: string) => {
      const a = new App();
      const chart = new EnvironmentChart(a, { profile: production });
      new KubeNamespace(chart, 'ns', { metadata: { name: 'apps' } });
      new KubeConfigMap(chart, 'cm', { metadata: { name: 'settings', namespace: 'apps' }, data: { version: v } });
      return a;
    };
    synthesize(app('1'), { outdir });
    const f = path.join(outdir, 'production/apps/configmap-settings.yaml');
    const before = fs.readFileSync(f, 'utf8');
    expect(() =>
      synthesize(app('2'), {
        outdir,
        onStage: (s) => {
          if (s === 'swap-old') throw new Error('disk full');
        },
      }),
    ).toThrow('disk full');
    expect(fs.readFileSync(f, 'utf8')).toBe(before);
    expect(leftovers()).toEqual([]);
  });
});
