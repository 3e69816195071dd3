/**
 * `npm run bench`: synth cost against the serialization floor.
 *
 * For N services per environment (N = 20, 200, 1000; four environments) it builds the platform in one process and
 * prints: the synth time (construct tree + toJson + validation + policy + YAML + atomic write) and the floor (only
 * js-yaml dump + write of the very same objects), and their ratio. Then the tenants dimension (1,000 tenants in one
 * environment) and the whole-process time of `npm run synth` on the committed charts. Each line also gives the
 * in-memory comparison (no file writes), because on slow disks the write cost dominates both sides.
 *
 *   npm run bench                  # all sizes
 *   npm run bench -- --sizes 20,200
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { dump } from 'js-yaml';
import { ENVIRONMENTS } from '../charts';
import { defaultPlugins, EnvironmentChart, EnvironmentProfile, SynthDocument, synthesize, synthesizeToJson } from '../src';
// The bench measures the YAML writer itself against the js-yaml floor: an internal, imported from its module.
import { toYaml } from '../src/synth/yaml';
import { benchService, benchTenants } from './bench-workloads';

const root = path.resolve(__dirname, '..', '..');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s[Math.floor(s.length / 2)];
  if (m === undefined) throw new Error('median: no samples');
  return m;
}

type Build = (app: App) => void;

function servicesApp(n: number): Build {
  return (app) => {
    for (const profile of ENVIRONMENTS) {
      const chart = new EnvironmentChart(app, { profile });
      for (let i = 0; i < n; i++) benchService(chart, i);
    }
  };
}

function tenantsApp(n: number, profile: EnvironmentProfile): Build {
  return (app) => {
    const chart = new EnvironmentChart(app, { profile });
    benchTenants(chart, n);
  };
}

interface Measure { synth: number; floor: number; docs: number; cpuSynth: number; cpuFloor: number }

/** One measurement: synth (build + synthesize into a temp dir) versus dump + write of the same objects. */
let runCounter = 0;

function measureOnce(build: Build, tmp: string): Measure {
  // Fresh directory names for every run: recreating a just-deleted tree is much slower on some filesystems.
  const run = ++runCounter;
  const out = path.join(tmp, `synth-${run}`);
  const floorDir = path.join(tmp, `floor-${run}`);
  const runSynth = (): { ms: number; docs: SynthDocument[] } => {
    global.gc?.();
    const t0 = process.hrtime.bigint();
    const app = new App({ outdir: '.cdk8s.out' });
    build(app);
    const result = synthesize(app, { outdir: out, plugins: defaultPlugins(), warn: () => undefined });
    return { ms: ms(t0), docs: result.environments.flatMap((e) => e.documents) };
  };
  const runFloor = (docs: readonly SynthDocument[]): number => {
    global.gc?.();
    const t1 = process.hrtime.bigint();
    const made = new Set<string>();
    for (const d of docs) {
      const file = path.join(floorDir, d.file);
      const dir = path.dirname(file);
      if (!made.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      fs.writeFileSync(file, dump(d.object, { noRefs: true, lineWidth: -1 }));
    }
    return ms(t1);
  };
  // The floor needs the objects, so synth runs first; alternate which one runs against a "warm" filesystem by
  // doing an untimed floor pass first on odd runs.
  let synthMs: number;
  let floor: number;
  let docs: readonly SynthDocument[];
  if (run % 2 === 1) {
    const s1 = runSynth();
    synthMs = s1.ms;
    docs = s1.docs;
    floor = runFloor(docs);
  } else {
    const s1 = runSynth();
    docs = s1.docs;
    fs.rmSync(out, { recursive: true, force: true });
    floor = runFloor(docs);
    synthMs = runSynth().ms;
  }
  const synth = synthMs;

  // The same comparison without the filesystem (its cost dominates both sides on slow disks): build + toJson +
  // validation + plugin checks + YAML rendering, against js-yaml dump alone.
  global.gc?.();
  const t2 = process.hrtime.bigint();
  const app2 = new App({ outdir: '.cdk8s.out' });
  build(app2);
  const { envs } = synthesizeToJson(app2);
  const plugins = defaultPlugins();
  for (const env of envs) for (const p of plugins) p.check?.(env, { outdir: out });
  let bytes = 0;
  for (const env of envs) for (const d of env.documents) bytes += toYaml(d.object).length;
  const cpuSynth = ms(t2);
  global.gc?.();
  const t3 = process.hrtime.bigint();
  for (const d of docs) bytes -= dump(d.object, { noRefs: true, lineWidth: -1 }).length;
  const cpuFloor = ms(t3);
  void bytes;
  fs.rmSync(out, { recursive: true, force: true });
  fs.rmSync(floorDir, { recursive: true, force: true });
  return { synth, floor, docs: docs.length, cpuSynth, cpuFloor };
}

function measure(label: string, build: Build, runs: number): void {
  // Next to dist/, like the real synth (os.tmpdir() may be a different, slower filesystem).
  fs.mkdirSync(path.join(root, 'bench-out'), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(root, 'bench-out', 'run-'));
  try {
    measureOnce(build, tmp); // warm-up: module loading and JIT
    const rs = Array.from({ length: runs }, () => measureOnce(build, tmp));
    const synth = median(rs.map((r) => r.synth));
    const floor = median(rs.map((r) => r.floor));
    const docs = rs[0]!.docs; // median() above threw if there were no runs
    const cpuSynth = median(rs.map((r) => r.cpuSynth));
    const cpuFloor = median(rs.map((r) => r.cpuFloor));
    console.log(
      `${label.padEnd(28)} ${String(docs).padStart(7)} docs  synth ${synth.toFixed(0).padStart(6)} ms  floor ${floor.toFixed(0).padStart(6)} ms` +
        `  ratio ${(synth / floor).toFixed(2)}  (${((synth * 1000) / docs).toFixed(0)} µs/doc)` +
        `  | in memory: ${cpuSynth.toFixed(0)} vs dump ${cpuFloor.toFixed(0)} ms, ratio ${(cpuSynth / cpuFloor).toFixed(2)}`,
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function main(): void {
  const sizes = (arg('--sizes') ?? '20,200,1000').split(',').map(Number);
  console.log(`node ${process.version}, ${os.cpus().length} cpus; median of 3 runs (2 at 1000) after one warm-up\n`);
  for (const n of sizes) measure(`${n} services x 4 envs`, servicesApp(n), n >= 1000 ? 2 : 3);
  const tenantSizes = (arg('--tenants') ?? '100,1000').split(',').map(Number);
  const production = ENVIRONMENTS.find((e) => e.name === 'production')!;
  for (const n of tenantSizes) measure(`${n} tenants x 1 env`, tenantsApp(n, production), 3);

  const t = process.hrtime.bigint();
  execFileSync('npm', ['run', '-s', 'synth'], { cwd: root, stdio: 'pipe' });
  console.log(`\nwhole process \`npm run synth\` (committed charts, incl. esbuild bundle): ${ms(t).toFixed(0)} ms`);
}

main();
