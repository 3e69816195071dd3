/**
 * The package as a new user gets it: `npm pack`, installed (offline, from the npm cache) into a new project with its
 * own package.json, tsconfig.json, cdk8s.yaml and main.ts, type-checked with tsc, synthesized through its own
 * entry point, the package's CLI and `cdk8s synth`; production reaches a clean synth by following the image
 * inventory's output. Slow (a declaration build and two type-checks): run by `npm run test:package` and `.ci/run`.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = path.resolve(__dirname, '../..');
const lock = JSON.parse(fs.readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, any> };
const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as Record<string, any>;

let work: string;
let project: string;
let tarball: string;
let packed: { readonly filename: string; readonly files: readonly { readonly path: string }[] };
const started = Date.now();

interface Result {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs a command in the project, offline (npm and npx never reach the registry). */
function run(command: string, args: readonly string[] = []): Result {
  const r = spawnSync(command, args, {
    cwd: project,
    encoding: 'utf8',
    shell: args.length === 0,
    env: { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/**
 * A lockfile for the project: the tarball, then every package it and the project need at the versions and
 * integrities of this repository's lockfile, so `npm ci --offline` installs from the npm cache alone.
 */
function projectLock(root: Record<string, any>, tgz: string): Record<string, any> {
  const packages: Record<string, any> = { '': root };
  const integrity = `sha512-${crypto.createHash('sha512').update(fs.readFileSync(tgz)).digest('base64')}`;
  const self = {
    version: pkg.version,
    resolved: `file:${path.basename(tgz)}`,
    integrity,
    license: pkg.license,
    dependencies: pkg.dependencies,
    peerDependencies: pkg.peerDependencies,
    peerDependenciesMeta: pkg.peerDependenciesMeta,
    bin: pkg.bin,
    engines: pkg.engines,
  };
  packages['node_modules/cdk8s-platform'] = self;
  const add = (name: string, from: string): void => {
    const nested = `${from}/node_modules/${name}`;
    const key = lock.packages[nested] ? nested : `node_modules/${name}`;
    if (packages[key]) return;
    const entry = lock.packages[key];
    if (!entry) throw new Error(`${name} (needed by ${from || 'the project'}) is not in package-lock.json`);
    const { dev: _d, devOptional: _o, ...rest } = entry;
    packages[key] = rest;
    for (const d of Object.keys(entry.dependencies ?? {})) add(d, key);
    for (const d of Object.keys(entry.peerDependencies ?? {})) if (!entry.peerDependenciesMeta?.[d]?.optional) add(d, key);
  };
  for (const d of Object.keys(pkg.dependencies)) add(d, 'node_modules/cdk8s-platform');
  for (const d of Object.keys({ ...root.dependencies, ...root.devDependencies })) if (d !== 'cdk8s-platform') add(d, '');
  return { name: root.name, version: root.version, lockfileVersion: 3, requires: true, packages };
}

const MAIN_TS = `import { App } from 'cdk8s';
import {
  Engine, EnvironmentChart, EnvironmentProfile, HealthProbe, ImageReference, MicroserviceDeployment, PlatformNamespace, Profiles,
  StatefulDatastore, runSynth,
} from 'cdk8s-platform';
import { IMAGE_DIGESTS } from './images';

const cluster = (name: string) => ({ name, server: \`https://\${name}.k8s.acme.example\`, region: 'eu-west-1', kubernetesVersion: '1.30' });

const ENVIRONMENTS: EnvironmentProfile[] = [
  Profiles.development({ name: 'development', cluster: cluster('dev'), domain: 'dev.shop.example.com' }),
  Profiles.production({
    name: 'production', cluster: cluster('prod'), domain: 'shop.example.com',
    storage: { storageClass: 'gp3' }, backups: { destination: 's3://acme-shop-backups' }, imageDigests: IMAGE_DIGESTS,
  }),
];

function shop(app: App): void {
  for (const profile of ENVIRONMENTS) {
    const chart = new EnvironmentChart(app, { profile });
    new PlatformNamespace(chart, 'ns-shop', { name: 'shop' });
    new PlatformNamespace(chart, 'ns-data', { name: 'data' });
    const orders = new StatefulDatastore(chart, 'orders-db', { name: 'orders-db', namespace: 'data', engine: Engine.postgres() });
    const web = new MicroserviceDeployment(chart, 'web', {
      name: 'web',
      namespace: 'shop',
      image: ImageReference.fromTag('registry.acme.example/shop/web', '1.4.0'),
      ports: [{ name: 'http', port: 8080 }],
      probes: { liveness: HealthProbe.http('/healthz'), readiness: HealthProbe.http('/ready') },
    });
    web.connectsTo(orders);
  }
}

process.exitCode = runSynth(shop, { argv: process.argv.slice(2) });
`;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-install-'));
  project = path.join(work, 'acme-platform');
  fs.mkdirSync(project);
  // GIVEN the package as `npm pack` makes it (the prepack script builds it)
  const json = execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: REPO,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  packed = JSON.parse(json.slice(json.indexOf('[')))[0];
  tarball = path.join(project, packed.filename);
  fs.renameSync(path.join(work, packed.filename), tarball);
  // AND a new project that depends on it
  const root = {
    name: 'acme-platform',
    version: '1.0.0',
    private: true,
    scripts: { synth: 'tsc && node lib/main.js', images: 'tsc && node lib/main.js images' },
    dependencies: {
      'cdk8s-platform': `file:${path.basename(tarball)}`,
      cdk8s: lock.packages['node_modules/cdk8s'].version,
      constructs: lock.packages['node_modules/constructs'].version,
    },
    devDependencies: { typescript: lock.packages['node_modules/typescript'].version, '@types/node': lock.packages['node_modules/@types/node'].version },
  };
  fs.writeFileSync(path.join(project, 'package.json'), `${JSON.stringify(root, null, 2)}\n`);
  fs.writeFileSync(path.join(project, 'package-lock.json'), `${JSON.stringify(projectLock(root, tarball), null, 2)}\n`);
  fs.writeFileSync(
    path.join(project, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'commonjs',
          lib: ['ES2022'],
          types: ['node'],
          strict: true,
          esModuleInterop: true,
          skipLibCheck: true,
          outDir: 'lib',
          rootDir: '.',
        },
        include: ['main.ts', 'images.ts'],
      },
      null,
      2,
    )}\n`,
  );
  fs.writeFileSync(
    path.join(project, 'cdk8s.yaml'),
    'language: typescript\napp: npx tsc && node lib/main.js\n# cdk8s synth empties its output folder first: never let it be dist/\noutput: .cdk8s.out\n',
  );
  fs.writeFileSync(path.join(project, 'main.ts'), MAIN_TS);
  fs.writeFileSync(path.join(project, 'images.ts'), 'export const IMAGE_DIGESTS: Record<string, string> = {\n};\n');
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
  console.log(`pack-install test: ${((Date.now() - started) / 1000).toFixed(0)} s`);
});

describe('the npm package, installed into a new project', () => {
  it('GIVEN npm pack THEN the package holds the compiled library, its declarations, the schema data and the CLI, and not the reference platform', () => {
    const files = packed.files.map((f) => f.path);
    for (const f of [
      'package.json',
      'README.md',
      'build/src/index.js',
      'build/src/index.d.ts',
      'build/imports/validation-schemas.json',
      'build/imports/chart-values.json',
      'build/imports/k8s.js',
      'build/imports/k8s.d.ts',
      'build/bin/cdk8s-platform.js',
    ]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => /^(charts|dist|test|scripts|src|imports|lib)\/|^(main\.ts|tenants\.yaml|cdk8s\.yaml|tsconfig)/.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('GIVEN the tarball WHEN installed offline with npm ci THEN the peers come from the npm cache and no declaration has @internal members', () => {
    const r = run('npm', ['ci', '--offline', '--no-audit', '--no-fund']);
    expect(r.err).not.toMatch(/ERR!|npm error/);
    expect(r.code).toBe(0);
    const installed = path.join(project, 'node_modules/cdk8s-platform');
    const declarations = execFileSync('find', [path.join(installed, 'build'), '-name', '*.d.ts'], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(declarations.length).toBeGreaterThan(50);
    const internal = declarations.filter((f) => /@internal|\b_service\b/.test(fs.readFileSync(f, 'utf8')));
    expect(internal).toEqual([]);
  });

  it('GIVEN the project WHEN tsc type-checks it THEN it compiles against the declarations', () => {
    const r = run('npx', ['tsc', '-p', '.']);
    expect(r.out + r.err).toBe('');
    expect(r.code).toBe(0);
  });

  it('GIVEN production images by tag WHEN the user synthesizes THEN synth fails, names dist/ and the images command, without a stack', () => {
    const r = run('node', ['lib/main.js']);
    expect(r.code).toBe(1);
    expect(r.err.split('\n')[0]).toMatch(/^synth failed with \d+ problem\(s\); dist\/ was left unchanged:$/);
    expect(r.err).toContain('production/web: image: got "registry.acme.example/shop/web:1.4.0"; the production image policy accepts only digests');
    expect(r.err.trim().split('\n').at(-1)).toMatch(
      /^Images not pinned as the environment's image policy requires \(production \d+\): `npx cdk8s-platform images` lists every image/,
    );
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(project, 'dist'))).toBe(false);
  });

  it('GIVEN the images command of the package CLI WHEN its entries are pasted with digests THEN production synthesizes cleanly', () => {
    const images = run('npx', ['cdk8s-platform', 'images', '--env=production']);
    expect(images.err).toBe('');
    expect(images.code).toBe(0);
    const entries = images.out
      .split('\n')
      .filter((l) => /^\s+'[^']+': 'sha256:<digest>',$/.test(l))
      .map((l) => l.trim());
    expect(entries).toContain("'registry.acme.example/shop/web:1.4.0': 'sha256:<digest>',");
    expect(entries).toContain("'ghcr.io/cloudnative-pg/postgresql:16.4': 'sha256:<digest>',");
    // The user looks each digest up in the registry (here: a made-up one) and pastes the lines into images.ts.
    const lines = entries.map((e) =>
      e.replace(
        'sha256:<digest>',
        `sha256:${crypto
          .createHash('sha256')
          .update(/^'([^']+)'/.exec(e)![1]!)
          .digest('hex')}`,
      ),
    );
    fs.writeFileSync(path.join(project, 'images.ts'), `export const IMAGE_DIGESTS: Record<string, string> = {\n${lines.map((l) => `  ${l}`).join('\n')}\n};\n`);
    const synth = run('npm', ['run', '--silent', 'synth']);
    expect(synth.err).toBe('');
    expect(synth.code).toBe(0);
    expect(synth.out.trim()).toMatch(/^synthesized \d+ documents \(development \d+, production \d+\) into dist in \d+ ms$/);
    expect(fs.readFileSync(path.join(project, 'dist/production/shop/deployment-web.yaml'), 'utf8')).toMatch(
      /image: registry\.acme\.example\/shop\/web:1\.4\.0@sha256:[0-9a-f]{64}\n/,
    );
    expect(fs.existsSync(path.join(project, 'dist/production/POLICY.md'))).toBe(true);
    // Reports name the command that generated them: the package's CLI, the entry point's default.
    expect(fs.readFileSync(path.join(project, 'dist/production/README.md'), 'utf8')).toContain('Generated by `npx cdk8s-platform`; do not edit.');
    // The user's web image and CloudNativePG's operand image (the operator itself is the cloudnative-pg add-on's chart).
    expect(run('npx', ['cdk8s-platform', 'images']).out).toContain('production (image policy: digest only): 2 image(s), all pinned as required');
    // No add-on was listed: the datastore's operator and its backup plugin were derived.
    expect(fs.readFileSync(path.join(project, 'dist/production/README.md'), 'utf8')).toContain('plus what this environment uses: cloudnative-pg (');
  });

  it('GIVEN the project WHEN cdk8s synth runs through its cdk8s.yaml (offline) THEN dist/ is rewritten identically', () => {
    const before = execFileSync('find', ['dist', '-type', 'f', '-exec', 'sha256sum', '{}', '+'], { cwd: project, encoding: 'utf8' })
      .split('\n')
      .sort()
      .join('\n');
    const r = run(path.join(REPO, 'node_modules/.bin/cdk8s'), ['synth', '--no-check-upgrade']);
    expect(r.err).not.toMatch(/synth failed|Error/);
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(project, '.cdk8s.out'))).toBe(true);
    const after = execFileSync('find', ['dist', '-type', 'f', '-exec', 'sha256sum', '{}', '+'], { cwd: project, encoding: 'utf8' })
      .split('\n')
      .sort()
      .join('\n');
    expect(after).toBe(before);
  });

  it('GIVEN the CLI WHEN given an unknown flag or --outdir=x THEN parseArgs rejects the one and honours the other', () => {
    const bad = run('npx', ['cdk8s-platform', '--outdri=x']);
    expect(bad.code).toBe(2);
    expect(bad.err.trim()).toBe("cdk8s-platform: error: unknown option '--outdri'; `npx cdk8s-platform --help` lists the commands and options");
    const ok = run('npx', ['cdk8s-platform', 'synth', '--outdir=out/manifests']);
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.out.trim().split('\n').at(-1)).toMatch(/^synthesized \d+ documents \(development \d+, production \d+\) into out\/manifests in \d+ ms$/);
    expect(fs.existsSync(path.join(project, 'out/manifests/development/shop/deployment-web.yaml'))).toBe(true);
  });
});
