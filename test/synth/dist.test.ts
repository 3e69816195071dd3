import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENTS, SYNTH_COMMAND, buildApp } from '../../charts';
import { SchemaValidator, checkGitOpsDelivery, checkTenantIsolation, synthesize } from '../../src';
import { defaultPlugins } from '../../src/synth/plugins';
import { deepFreeze } from '../helpers';

const root = path.resolve(__dirname, '..', '..');
const dist = path.join(root, 'dist');
let tmp: string;

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dist-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the committed dist/', () => {
  it('equals a fresh synth of the charts (no drift)', () => {
    const fresh = path.join(tmp, 'fresh');
    synthesize(buildApp(), { outdir: fresh, plugins: defaultPlugins(), warn: () => undefined, command: SYNTH_COMMAND });
    const a = tree(fresh);
    const b = tree(dist);
    expect(Object.keys(b)).toEqual(Object.keys(a));
    for (const f of Object.keys(a)) expect(b[f], `dist/${f} is stale: run npm run synth`).toBe(a[f]);
  });

  it('holds the four environments', () => {
    for (const env of ['development', 'staging', 'production', 'dr']) {
      expect(fs.statSync(path.join(dist, env)).isDirectory()).toBe(true);
    }
  });

  it('holds only documents that are valid for Kubernetes 1.27 and the vendored CRDs', () => {
    const v = new SchemaValidator();
    const problems: string[] = [];
    let count = 0;
    for (const [file, text] of Object.entries(tree(dist))) {
      if (!file.endsWith('.yaml')) continue;
      const doc = load(text) as Record<string, any>;
      count++;
      for (const p of v.validate(doc)) problems.push(`${file}: ${p.path}: ${p.message}`);
    }
    expect(problems).toEqual([]);
    expect(count).toBeGreaterThan(0);
  });

  it('is what `cdk8s synth` produces too (the bundle, which validates and renders on a worker thread), and cdk8s synth cannot empty dist/', () => {
    const out = path.join(tmp, 'cli');
    const cli = path.join(root, 'node_modules/cdk8s-cli/bin/cdk8s');
    execFileSync(process.execPath, [cli, 'synth', '--no-check-upgrade'], {
      cwd: root,
      env: { ...process.env, PLATFORM_OUTDIR: out },
      stdio: 'pipe',
    });
    expect(tree(out)).toEqual(tree(dist));
    expect(fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8')).toMatch(/^output: \.cdk8s\.out$/m);
  });
});

/** The documents of dist/<env>, parsed once per environment for the tests below (frozen: they only read them). */
const envDocsCache = new Map<string, readonly Record<string, any>[]>();
function envDocs(env: string): readonly Record<string, any>[] {
  let docs = envDocsCache.get(env);
  if (docs === undefined) {
    docs = deepFreeze(
      Object.entries(tree(path.join(dist, env)))
        .filter(([f]) => f.endsWith('.yaml'))
        .map(([, text]) => load(text) as Record<string, any>),
    );
    envDocsCache.set(env, docs);
  }
  return docs;
}

const ENVS = ['development', 'staging', 'production', 'dr'];

describe('the reference platform in dist/', () => {
  it('delivers every environment through Argo CD and Flux: every Application/Kustomization path exists and its namespaces are created by an earlier wave', () => {
    expect(checkGitOpsDelivery(root)).toEqual([]);
    for (const env of ENVS) {
      expect(fs.existsSync(path.join(dist, 'argocd', env, 'root'))).toBe(true);
      expect(fs.existsSync(path.join(dist, 'flux', env, 'root'))).toBe(true);
    }
  });

  it.each(ENVS)('%s: no NetworkPolicy admits traffic between two tenants, and every namespace denies by default', (env) => {
    const profile = ENVIRONMENTS.find((e) => e.name === env)!;
    expect(checkTenantIsolation(envDocs(env), { podCidrs: profile.cluster.podCidrs })).toEqual([]);
  });

  it.each(ENVS)('%s: every namespace has PSA labels, a ResourceQuota, a LimitRange and a default-deny policy for both directions', (env) => {
    const docs = envDocs(env);
    const problems: string[] = [];
    for (const ns of docs.filter((d) => d.kind === 'Namespace')) {
      const name = ns.metadata.name;
      const inNs = docs.filter((d) => d.metadata.namespace === name);
      const enforce = ns.metadata.labels?.['pod-security.kubernetes.io/enforce'];
      if (enforce !== 'restricted' && !(enforce === 'privileged' && ns.metadata.annotations?.['platform.io/pss-exemption-reason'])) {
        problems.push(`${name}: PSA enforce is ${enforce} without an exemption reason`);
      }
      if (!inNs.some((d) => d.kind === 'ResourceQuota')) problems.push(`${name}: no ResourceQuota`);
      if (!inNs.some((d) => d.kind === 'LimitRange')) problems.push(`${name}: no LimitRange`);
      const denyAll = inNs.some(
        (d) =>
          d.kind === 'NetworkPolicy' &&
          Object.keys(d.spec.podSelector ?? {}).length === 0 &&
          ['Ingress', 'Egress'].every((t) => d.spec.policyTypes?.includes(t)) &&
          !d.spec.ingress,
      );
      if (!denyAll) problems.push(`${name}: no default-deny NetworkPolicy for ingress and egress`);
    }
    expect(problems).toEqual([]);
  });

  it.each(['production', 'dr'])('%s passes every policy check with no waiver except the documented logging exemption', (env) => {
    const report = fs.readFileSync(path.join(dist, env, 'POLICY.md'), 'utf8');
    expect(report).toMatch(/\| Violations \| 0 \|/);
    expect(report).toMatch(/\| Waived violations \| 0 /);
    expect(report).toContain('### Namespace `logging`');
  });

  it('pins every container image by digest in production and dr', () => {
    const unpinned: string[] = [];
    for (const env of ['production', 'dr']) {
      for (const d of envDocs(env)) {
        const walk = (n: any): void => {
          if (!n || typeof n !== 'object') return;
          if (Array.isArray(n)) return n.forEach(walk);
          for (const [k, v] of Object.entries(n)) {
            if ((k === 'containers' || k === 'initContainers') && Array.isArray(v)) {
              for (const c of v as any[]) if (!/@sha256:[0-9a-f]{64}$/.test(c.image)) unpinned.push(`${env}/${d.kind}/${d.metadata.name}: ${c.image}`);
            } else walk(v);
          }
        };
        walk(d.spec);
      }
    }
    expect(unpinned).toEqual([]);
  });
});

describe('NetworkPolicies of the reference platform agree at both ends', () => {
  /** Labels of every pod template per namespace, from the workloads in the environment. */
  function podsOf(docs: readonly Record<string, any>[]) {
    const pods: Array<{ ns: string; name: string; labels: Record<string, string> }> = [];
    for (const d of docs) {
      const t = d.kind === 'CronJob' ? d.spec?.jobTemplate?.spec?.template : d.spec?.template;
      if (t?.metadata?.labels && ['Deployment', 'StatefulSet', 'Rollout', 'DaemonSet', 'Job', 'CronJob'].includes(d.kind)) {
        pods.push({ ns: d.metadata.namespace, name: `${d.kind}/${d.metadata.name}`, labels: t.metadata.labels });
      }
    }
    return pods;
  }
  const matches = (sel: Record<string, string> | undefined, labels: Record<string, string>) => Object.entries(sel ?? {}).every(([k, v]) => labels[k] === v);

  it.each(ENVS)('%s: every egress to pods on a port is admitted by an ingress rule of a policy selecting those pods', (env) => {
    const docs = envDocs(env);
    const pods = podsOf(docs);
    const policies = docs.filter((d) => d.kind === 'NetworkPolicy');
    const problems: string[] = [];
    for (const np of policies) {
      const srcNs = np.metadata.namespace;
      const sources = pods.filter((p) => p.ns === srcNs && matches(np.spec.podSelector?.matchLabels, p.labels));
      for (const rule of np.spec.egress ?? []) {
        for (const peer of rule.to ?? []) {
          const dstNs = peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
          if (!dstNs || !peer.podSelector) continue; // DNS, CIDRs and namespace-wide rules are checked elsewhere
          const targets = pods.filter((p) => p.ns === dstNs && matches(peer.podSelector.matchLabels, p.labels));
          for (const port of rule.ports ?? []) {
            for (const target of targets) {
              for (const source of sources) {
                const admitted = policies.some(
                  (other) =>
                    other.metadata.namespace === dstNs &&
                    matches(other.spec.podSelector?.matchLabels, target.labels) &&
                    (other.spec.ingress ?? []).some(
                      (ing: any) =>
                        (ing.ports === undefined || ing.ports.some((p: any) => p.port === port.port)) &&
                        (ing.from ?? []).some((f: any) => {
                          const fromNs = f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ?? (f.namespaceSelector ? undefined : dstNs);
                          const nsOk = f.namespaceSelector && Object.keys(f.namespaceSelector).length === 0 ? true : fromNs === srcNs;
                          return nsOk && (f.podSelector === undefined || matches(f.podSelector.matchLabels, source.labels));
                        }),
                    ),
                );
                if (!admitted) problems.push(`${srcNs}/${source.name} -> ${dstNs}/${target.name}:${port.port} (${np.metadata.name})`);
              }
            }
          }
        }
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  });
});
