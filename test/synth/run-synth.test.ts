import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EnvironmentChart,
  EnvironmentProfile,
  Engine,
  HealthProbe,
  ImageReference,
  MicroserviceDeployment,
  PlatformNamespace,
  Profiles,
  runSynth,
  StatefulDatastore,
} from '../../src';
import { parseCli, verdictCacheOf } from '../../src/synth/run-synth';

const tmpDirs: string[] = [];
afterEach(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'run-synth-'));
  tmpDirs.push(d);
  return d;
}

// A cluster CloudNativePG's chart installs on (its kubeVersion is >=1.29.0-0).
const CLUSTER = { name: 'prod-1', server: 'https://prod-1.example.com', region: 'eu-west-1', kubernetesVersion: '1.30' };

/** A user's production app: a service of theirs by tag and a PostgreSQL datastore (with its third-party images). */
function userApp(digests: Record<string, string> = {}) {
  return (app: App) => {
    const profile: EnvironmentProfile = Profiles.production({
      name: 'production',
      cluster: CLUSTER,
      domain: 'shop.example.com',
      backups: { destination: 's3://shop-backups' },
      imageDigests: digests,
    });
    const chart = new EnvironmentChart(app, { profile });
    new PlatformNamespace(chart, 'ns-shop', { name: 'shop' });
    new PlatformNamespace(chart, 'ns-data', { name: 'data' });
    const orders = new StatefulDatastore(chart, 'orders-db', { name: 'orders-db', namespace: 'data', engine: Engine.postgres() });
    const web = new MicroserviceDeployment(chart, 'web', {
      name: 'web',
      namespace: 'shop',
      image: ImageReference.fromTag('registry.example.com/shop/web', '1.4.0'),
      ports: [{ name: 'http', port: 8080 }],
      probes: { liveness: HealthProbe.http('/healthz'), readiness: HealthProbe.http('/ready') },
    });
    web.connectsTo(orders);
  };
}

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

function run(source: Parameters<typeof runSynth>[0], argv: string[], cwd: string, command?: string): Run {
  const out: string[] = [];
  const err: string[] = [];
  const code = runSynth(source, { argv, cwd, command, stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('runSynth: the entry point of a user app', () => {
  it('GIVEN an unknown flag WHEN run THEN exit 2 with the flag named and no stack', () => {
    const r = run(userApp(), ['--out-dir=x'], tmp(), 'npm run synth --');
    expect(r.code).toBe(2);
    expect(r.err).toBe("error: unknown option '--out-dir'; `npm run synth -- --help` lists the commands and options");
  });

  it('GIVEN an option of another command or an unknown command WHEN run THEN exit 2 naming it', () => {
    const cwd = tmp();
    expect(run(userApp(), ['images', '--allow-prune'], cwd).err).toBe(
      "error: option '--allow-prune' does not apply to 'images'; `npx cdk8s-platform --help` lists the commands and options",
    );
    expect(run(userApp(), ['deploy'], cwd).err).toBe(
      "error: unknown command 'deploy': the commands are synth and images; `npx cdk8s-platform --help` lists the commands and options",
    );
  });

  it('GIVEN --help WHEN run THEN the usage names the command and the default output folder', () => {
    const r = run(userApp(), ['--help'], tmp(), 'npm run synth --');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe('Usage: npm run synth -- [synth] [--outdir=DIR] [--allow-prune] [--no-cache]');
    expect(r.out).toContain('--no-cache      check every document again, also those an earlier synth found clean (node_modules/.cache/cdk8s-platform)');
    expect(r.out).toContain('synthesize every environment into DIR (default dist)');
  });

  it('GIVEN a project folder WHEN synth decides on the verdict cache THEN it uses node_modules/.cache/cdk8s-platform only where node_modules exists and not with --no-cache', () => {
    const cwd = tmp();
    expect(verdictCacheOf(cwd, parseCli([]))).toBeUndefined();
    fs.mkdirSync(path.join(cwd, 'node_modules'));
    expect(verdictCacheOf(cwd, parseCli([]))).toBe(path.join(cwd, 'node_modules', '.cache', 'cdk8s-platform'));
    expect(verdictCacheOf(cwd, parseCli(['--no-cache']))).toBeUndefined();
    expect(() => parseCli(['images', '--no-cache'])).toThrow("option '--no-cache' does not apply to 'images'");
  });

  it('GIVEN a user mistake in the app WHEN run THEN its message alone, naming the real output folder', () => {
    const cwd = tmp();
    const r = run(
      (app) => {
        const chart = new EnvironmentChart(app, { profile: Profiles.development({ name: 'dev', cluster: CLUSTER, domain: 'example.com' }) });
        new MicroserviceDeployment(chart, 'web', { name: 'web', namespace: 'shop', image: ImageReference.fromTag('web', '1'), replicas: 0 });
      },
      ['--outdir=out/manifests'],
      cwd,
    );
    expect(r.code).toBe(1);
    expect(r.err).toBe(`synth failed; ${cwd}/out/manifests/ was left unchanged:\n  dev/web: replicas: got 0; must be an integer >= 1`);
  });

  it('GIVEN --outdir=x WHEN a development app synthesizes THEN it is written there and the summary names it', () => {
    const cwd = tmp();
    const r = run(
      (app) => {
        const chart = new EnvironmentChart(app, { profile: Profiles.development({ name: 'dev', cluster: CLUSTER, domain: 'example.com' }) });
        new PlatformNamespace(chart, 'ns', { name: 'shop' });
      },
      ['synth', `--outdir=${path.join(cwd, 'manifests')}`],
      process.cwd(),
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^synthesized \\d+ documents \\(dev \\d+\\) into ${cwd}/manifests in \\d+ ms$`));
    expect(fs.existsSync(path.join(cwd, 'manifests/dev/_cluster/namespace-shop.yaml'))).toBe(true);
  });

  it('GIVEN a production app with images by tag WHEN synth fails THEN the error points at the images command, which prints the entries that make synth pass', () => {
    const cwd = tmp();
    // WHEN the user synthesizes
    const first = run(userApp(), [], cwd, 'npm run synth --');
    expect(first.code).toBe(1);
    expect(first.err.split('\n')[0]).toBe(`synth failed with 1 problem(s); ${cwd}/dist/ was left unchanged:`);
    expect(first.err).toContain(
      'production/web: image: got "registry.example.com/shop/web:1.4.0"; the production image policy accepts only digests: use "registry.example.com/shop/web@sha256:<64 hex characters>" or add "registry.example.com/shop/web:1.4.0" to profile.imageDigests',
    );
    expect(first.err.split('\n').at(-1)).toBe(
      "Images not pinned as the environment's image policy requires (production 2): `npm run synth -- images` lists every image of each environment and prints the profile.imageDigests entries to add.",
    );
    expect(first.err).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(cwd, 'dist'))).toBe(false);

    // AND runs the command the error names
    const images = run(userApp(), ['images'], cwd, 'npm run synth --');
    expect(images.code).toBe(0);
    expect(images.out).toContain('production (image policy: digest only): 2 image(s), 2 not pinned as required');
    const entries = images.out
      .split('\n')
      .filter((l) => /^\s+'[^']+': 'sha256:<digest>',$/.test(l))
      .map((l) => l.trim());
    expect(entries).toEqual(["'ghcr.io/cloudnative-pg/postgresql:16.4': 'sha256:<digest>',", "'registry.example.com/shop/web:1.4.0': 'sha256:<digest>',"]);

    // THEN pasting them with the registry's digests (here: made up) makes synth pass
    const table = Object.fromEntries(
      entries.map((e) => {
        const key = /^'([^']+)'/.exec(e)![1]!;
        return [key, `sha256:${Buffer.from(key).toString('hex').padEnd(64, '0').slice(0, 64)}`];
      }),
    );
    const second = run(userApp(table), [], cwd, 'npm run synth --');
    expect(second.err).toBe('');
    expect(second.code).toBe(0);
    const web = fs.readFileSync(path.join(cwd, 'dist/production/shop/deployment-web.yaml'), 'utf8');
    expect(web).toContain(`image: registry.example.com/shop/web:1.4.0@${table['registry.example.com/shop/web:1.4.0']}`);
    const again = run(userApp(table), ['images', '--json'], cwd);
    expect(JSON.parse(again.out).environments[0]).toMatchObject({ environment: 'production', policy: 'digest only', missing: [], untagged: [] });
  });

  it('GIVEN a placeholder pasted unchanged WHEN synth runs THEN the error says to replace it', () => {
    const r = run(userApp({ 'ghcr.io/cloudnative-pg/postgresql:16.4': 'sha256:<digest>' }), [], tmp());
    expect(r.err).toContain(
      'production: profile.imageDigests["ghcr.io/cloudnative-pg/postgresql:16.4"]: got "sha256:<digest>"; replace the placeholder with the image\'s digest (e.g. the output of `crane digest ghcr.io/cloudnative-pg/postgresql:16.4`)',
    );
  });
});
