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
 *   npm run bench -- --sizes 0 --tenants 0   # only the whole-process line
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { dump, loadAll } from 'js-yaml';
import { ENVIRONMENTS } from '../charts';
import { defaultPlugins, EnvironmentChart, EnvironmentProfile, SynthDocument, synthesize, synthesizeToJson } from '../src';
// The bench measures the YAML writer itself against the js-yaml floor: an internal, imported from its module.
import { toYaml } from '../src/synth/yaml';
import { benchService, benchTenants } from './bench-workloads';

const root = path.resolve(__dirname, '..');

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

interface Measure {
  synth: number;
  floor: number;
  docs: number;
  cpuSynth: number;
  cpuFloor: number;
}

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
  const sizes = (arg('--sizes') ?? '20,200,1000')
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
  console.log(`node ${process.version}, ${os.cpus().length} cpus; median of 3 runs (2 at 1000) after one warm-up\n`);
  for (const n of sizes) measure(`${n} services x 4 envs`, servicesApp(n), n >= 1000 ? 2 : 3);
  const tenantSizes = (arg('--tenants') ?? '100,1000')
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
  const production = ENVIRONMENTS.find((e) => e.name === 'production')!;
  for (const n of tenantSizes) measure(`${n} tenants x 1 env`, tenantsApp(n, production), 3);

  wholeProcess();
}

/** Every file under `dir`, relative to it, sorted. */
function filesUnder(dir: string, prefix = ''): string[] {
  return fs
    .readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(dir, path.join(prefix, e.name)) : [path.join(prefix, e.name)]))
    .sort();
}

/** Runs of the whole-process comparison: the machine's speed drifts, so each synth run is paired with floor runs. */
const WHOLE_PROCESS_RUNS = 9;

/**
 * The whole `npm run synth` process on the committed charts (npm, node start, bundle check, synth, checks, write)
 * into a RAM-backed folder, against two js-yaml floors of the very same documents written into the same kind of
 * folder: as a process (`node scripts/bench-floor.js`: node start, load js-yaml, read the documents, dump, write:
 * the least a separate command that writes these files can cost) and inside this already warm process (dump and
 * write only). The output folder holds the previous output, as dist/ does. On a RAM folder the disk's noise does not
 * hide the rest.
 */
function wholeProcess(): void {
  const ram = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const tmp = fs.mkdtempSync(path.join(ram, 'platform-bench-'));
  try {
    execFileSync('node', ['scripts/build.js'], { cwd: root, stdio: 'pipe' }); // untimed: a first build
    execFileSync('npm', ['run', '-s', 'synth', '--', `--outdir=${path.join(tmp, 'warm-up')}`], { cwd: root, stdio: 'pipe' }); // untimed
    const synthRuns: number[] = [];
    const coldRuns: number[] = [];
    const processFloorRuns: number[] = [];
    const floorRuns: number[] = [];
    const coldStart = process.hrtime.bigint();
    execFileSync('node', ['scripts/build.js', '--force'], { cwd: root, stdio: 'pipe' });
    const bundleMs = ms(coldStart);
    let files: string[] = [];
    // As `npm run synth` replaces dist/ again and again: one folder, which holds the previous output (read by the
    // stateful and prune guards, then swapped out and removed; its unchanged files are kept).
    const out = path.join(tmp, 'warm-up');
    for (let i = 0; i < WHOLE_PROCESS_RUNS; i++) {
      // The same with every document checked again (no verdict cache), into a copy of the same previous output.
      const cold = path.join(tmp, `cold-${i}`);
      fs.cpSync(out, cold, { recursive: true });
      const t = process.hrtime.bigint();
      execFileSync('npm', ['run', '-s', 'synth', '--', `--outdir=${out}`], { cwd: root, stdio: 'pipe' });
      synthRuns.push(ms(t));
      const tc = process.hrtime.bigint();
      execFileSync('npm', ['run', '-s', 'synth', '--', `--outdir=${cold}`, '--no-cache'], { cwd: root, stdio: 'pipe' });
      coldRuns.push(ms(tc));
      fs.rmSync(cold, { recursive: true, force: true });
      // The floors: the same documents (read back untimed), dumped by js-yaml and written one file each.
      files = filesUnder(out).filter((f) => f.endsWith('.yaml'));
      const objects = files.map((f) => loadAll(fs.readFileSync(path.join(out, f), 'utf8')));
      const input = path.join(tmp, `documents-${i}.json`);
      fs.writeFileSync(input, JSON.stringify(files.map((f, k) => ({ file: f, objects: objects[k] }))));
      const t0 = process.hrtime.bigint();
      execFileSync('node', [path.join(root, 'scripts/bench-floor.js'), input, path.join(tmp, `process-floor-${i}`)], { stdio: 'pipe' });
      processFloorRuns.push(ms(t0));
      const floorDir = path.join(tmp, `floor-${i}`);
      global.gc?.();
      const t1 = process.hrtime.bigint();
      const made = new Set<string>();
      files.forEach((f, k) => {
        const file = path.join(floorDir, f);
        const dir = path.dirname(file);
        if (!made.has(dir)) {
          fs.mkdirSync(dir, { recursive: true });
          made.add(dir);
        }
        // objects[k] are the documents read from files[k].
        fs.writeFileSync(file, objects[k]!.map((o) => dump(o, { noRefs: true, lineWidth: -1 })).join('---\n'));
      });
      floorRuns.push(ms(t1));
    }
    const synth = median(synthRuns);
    const coldSynth = median(coldRuns);
    const processFloor = median(processFloorRuns);
    const floor = median(floorRuns);
    // Each synth run and the floor run right after it saw the same machine speed: the median of their ratios.
    const pairedRatio = median(synthRuns.map((t, i) => t / processFloorRuns[i]!));
    const coldPairedRatio = median(coldRuns.map((t, i) => t / processFloorRuns[i]!));
    console.log(
      `\nwhole process on ${ram} (${files.length} YAML files, committed charts, replacing the previous output; median of ${WHOLE_PROCESS_RUNS} runs):`,
    );
    console.log(
      `  \`npm run synth\` (bundle up to date)       ${synth.toFixed(0).padStart(5)} ms  (unchanged documents' checks, files and folder-wide results reused)`,
    );
    console.log(
      `  js-yaml floor as a process               ${processFloor.toFixed(0).padStart(5)} ms  ratio ${(synth / processFloor).toFixed(2)}  (node scripts/bench-floor.js: start, load, dump, write)`,
    );
    console.log(`                                                     paired ratio ${pairedRatio.toFixed(2)}  (median of each run's synth / floor)`);
    console.log(
      `  \`npm run synth -- --no-cache\`           ${coldSynth.toFixed(0).padStart(5)} ms  ratio ${(coldSynth / processFloor).toFixed(2)}, paired ${coldPairedRatio.toFixed(2)}  (every document checked again)`,
    );
    console.log(`  js-yaml floor in this warm process       ${floor.toFixed(0).padStart(5)} ms  ratio ${(synth / floor).toFixed(2)}  (dump and write only)`);
    console.log(`  a changed source adds the bundle step:   ${bundleMs.toFixed(0).padStart(5)} ms`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main();
