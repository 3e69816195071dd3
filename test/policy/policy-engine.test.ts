import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeDeployment, KubeNamespace } from '../../imports/k8s';
import { EnvironmentChart, SynthError, synthesize } from '../../src';
import { POLICY_CHECKS, POLICY_REPORT_FILE, evaluatePolicies, policyPlugin, renderPolicyReport } from '../../src/policy';
import { defaultPlugins } from '../../src/synth/plugins';
import { development, production, staging } from '../helpers';
import { envOf, goodContainer, goodEnvironment, goodPodSpec, pick } from './fixtures';

/** A Fluent Bit-like DaemonSet: host network, hostPath /var/log, root. */
function loggingAgent(namespace: string): Record<string, any>[] {
  const spec = goodPodSpec('log-agent');
  delete spec.topologySpreadConstraints;
  spec.hostNetwork = true;
  spec.securityContext = { ...spec.securityContext, runAsNonRoot: false, runAsUser: 0 };
  spec.volumes = [{ name: 'varlog', hostPath: { path: '/var/log' } }];
  spec.containers = [{ ...goodContainer('agent', 2020), securityContext: { ...goodContainer().securityContext, runAsNonRoot: false } }];
  const labels = { 'app.kubernetes.io/name': 'log-agent', 'app.kubernetes.io/instance': 'log-agent' };
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: namespace,
        labels: { 'pod-security.kubernetes.io/enforce': 'privileged' },
        annotations: { 'platform.io/pss-exemption-reason': 'the log agent tails /var/log/containers on every node' },
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny', namespace },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'log-agent', namespace },
      spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec } },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'log-agent', namespace }, automountServiceAccountToken: false },
  ];
}

describe('waivers', () => {
  it('GIVEN a waiver with a reason WHEN the check fails THEN the violation is waived and listed', () => {
    // GIVEN
    const objs = goodEnvironment();
    const api = pick(objs, 'Deployment', 'api');
    delete api.spec.template.spec.topologySpreadConstraints;
    api.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
    api.metadata.annotations = { 'policy.platform.io/waive': 'ha-spread, pss-privileged', 'policy.platform.io/waive-reason': 'single-zone cluster' };
    // WHEN
    const e = evaluatePolicies(envOf(objs));
    // THEN the waived check is waived, the other violation stays
    expect(e.violations.map((v) => v.checkId)).toEqual(['read-only-root-filesystem']);
    expect(e.waived.map((w) => [w.checkId, w.resource, w.reason])).toEqual([['ha-spread', 'production/shop/Deployment/api', 'single-zone cluster']]);
    expect(e.waivers).toEqual([
      { resource: 'production/shop/Deployment/api', checks: ['ha-spread', 'pss-privileged'], reason: 'single-zone cluster', used: 1 },
    ]);
    expect(e.checks.find((c) => c.check.id === 'ha-spread')).toMatchObject({ violations: 0, waived: 1 });
  });

  it('GIVEN a waiver without a reason THEN it waives nothing and is itself a violation', () => {
    const objs = goodEnvironment();
    const api = pick(objs, 'Deployment', 'api');
    delete api.spec.template.spec.topologySpreadConstraints;
    api.metadata.annotations = { 'policy.platform.io/waive': 'ha-spread', 'policy.platform.io/waive-reason': '  ' };
    const e = evaluatePolicies(envOf(objs));
    expect(e.violations.map((v) => v.checkId).sort()).toEqual(['ha-spread', 'policy-waiver-valid']);
    expect(e.waived).toEqual([]);
  });

  it('GIVEN a waiver naming policy-waiver-valid THEN it cannot waive itself', () => {
    const objs = goodEnvironment();
    pick(objs, 'Deployment', 'api').metadata.annotations = { 'policy.platform.io/waive': 'policy-waiver-valid' };
    const e = evaluatePolicies(envOf(objs));
    expect(e.violations.map((v) => v.text)).toEqual([
      'production/shop/Deployment/api: metadata.annotations.policy.platform.io/waive: names unknown or unwaivable check(s) policy-waiver-valid; use ids from the policy report [policy-waiver-valid]',
      'production/shop/Deployment/api: metadata.annotations.policy.platform.io/waive-reason: the waiver of policy-waiver-valid has no reason; say why the check does not apply (the waiver is ignored until then) [policy-waiver-valid]',
    ]);
  });

  it('GIVEN a waiver that matches no violation THEN the report marks it stale', () => {
    const objs = goodEnvironment();
    pick(objs, 'Deployment', 'api').metadata.annotations = { 'policy.platform.io/waive': 'ha-spread', 'policy.platform.io/waive-reason': 'old' };
    const e = evaluatePolicies(envOf(objs));
    expect(e.violations).toEqual([]);
    expect(e.waivers[0]!.used).toBe(0);
    expect(renderPolicyReport(e)).toContain('| `production/shop/Deployment/api` | `ha-spread` | old | 0 (stale: remove it) |');
  });
});

describe('PSS exemptions', () => {
  it('GIVEN the logging agent in a documented privileged namespace THEN host access is an exemption, not a violation', () => {
    // GIVEN
    const objs = [...goodEnvironment(), ...loggingAgent('logging')];
    // WHEN
    const e = evaluatePolicies(envOf(objs));
    // THEN
    expect(e.violations).toEqual([]);
    expect(e.exemptions).toHaveLength(1);
    expect(e.exemptions[0]!.namespace).toBe('logging');
    expect(e.exemptions[0]!.reason).toBe('the log agent tails /var/log/containers on every node');
    expect(e.exemptions[0]!.violations.map((v) => `${v.checkId} ${v.field}`)).toEqual([
      'pss-host-namespaces spec.template.spec.hostNetwork',
      'pss-host-path spec.template.spec.volumes[0].hostPath',
      'pss-run-as-non-root spec.template.spec.containers[0].securityContext.runAsNonRoot',
      'pss-run-as-non-root-user spec.template.spec.securityContext.runAsUser',
    ]);
    const report = renderPolicyReport(e);
    expect(report).toContain('### Namespace `logging`');
    expect(report).toContain('Reason: the log agent tails /var/log/containers on every node');
  });

  it('GIVEN the exemption WHEN the agent also runs privileged with seccomp Unconfined THEN the non-exemptible check still fails', () => {
    const objs = [...goodEnvironment(), ...loggingAgent('logging')];
    const c = pick(objs, 'DaemonSet', 'log-agent').spec.template.spec.containers[0];
    c.securityContext.seccompProfile = { type: 'Unconfined' };
    const e = evaluatePolicies(envOf(objs));
    expect(e.violations.map((v) => v.checkId)).toEqual(['pss-seccomp']);
  });

  it('GIVEN a privileged namespace without a reason THEN nothing is exempted', () => {
    const objs = [...goodEnvironment(), ...loggingAgent('logging')];
    delete pick(objs, 'Namespace', 'logging').metadata.annotations;
    const e = evaluatePolicies(envOf(objs));
    expect(e.exemptions).toEqual([]);
    expect(e.violations.map((v) => v.checkId)).toEqual([
      'namespace-pod-security',
      'pss-host-namespaces',
      'pss-host-path',
      'pss-run-as-non-root',
      'pss-run-as-non-root-user',
    ]);
  });
});

describe('policyPlugin', () => {
  it('GIVEN violations WHEN policies are enforced THEN they are errors; otherwise warnings', () => {
    const objs = goodEnvironment();
    delete pick(objs, 'Job', 'migrate').spec.ttlSecondsAfterFinished;
    const line = 'policy: production/shop/Job/migrate: spec.ttlSecondsAfterFinished: is not set; finished Jobs are never cleaned up [job-ttl]';
    const ctx = { outdir: '/nonexistent' };
    expect(policyPlugin().check!(envOf(objs, production), ctx)).toEqual({ errors: [line], warnings: [] });
    expect(policyPlugin().check!(envOf(objs, { ...production, enforcePolicies: false }), ctx)).toEqual({ errors: [], warnings: [line] });
  });

  it('GIVEN an environment THEN files() writes <directory>/POLICY.md', () => {
    const env = { ...envOf(goodEnvironment(), staging), directory: 'argocd/staging' };
    const files = policyPlugin().files!(env, { outdir: '/nonexistent' });
    expect(Object.keys(files)).toEqual([`argocd/staging/${POLICY_REPORT_FILE}`]);
    expect(files[`argocd/staging/${POLICY_REPORT_FILE}`]).toMatch(/^# Policy report: staging\n/);
  });

  it('GIVEN defaultPlugins THEN the policy gate is registered', () => {
    expect(defaultPlugins().map((p) => p.name)).toContain('policy');
  });
});

describe('the gate in synthesize', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function app(profiles = [development, production]): App {
    const a = new App({ outdir: '.cdk8s.out' });
    for (const profile of profiles) {
      const chart = new EnvironmentChart(a, { profile });
      new KubeNamespace(chart, 'ns', { metadata: { name: 'apps', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } });
      new KubeDeployment(chart, 'web', {
        metadata: { name: 'web', namespace: 'apps' },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
        },
      });
    }
    return a;
  }

  it('GIVEN an unsafe Deployment WHEN synthesizing production THEN synth fails naming every violation and writes nothing', () => {
    const outdir = path.join(tmp, 'dist');
    fs.mkdirSync(outdir);
    fs.writeFileSync(path.join(outdir, 'keep.txt'), 'previous');
    let err: unknown;
    try {
      synthesize(app(), { outdir, plugins: [policyPlugin()], warn: () => undefined });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SynthError);
    const problems = (err as SynthError).problems;
    expect(problems).toContain(
      'policy: production/apps/Deployment/web: spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation: container "web" may escalate privileges; set allowPrivilegeEscalation: false [pss-privilege-escalation]',
    );
    expect(problems).toContain(
      'policy: production/apps/Deployment/web: spec.template.spec.containers[0].image: image "nginx" is not pinned by digest; the environment\'s image policy requires repository@sha256:<64 hex> [image-digest]',
    );
    expect(problems.every((p) => p.startsWith('policy: production/'))).toBe(true);
    expect(fs.readdirSync(outdir)).toEqual(['keep.txt']);
  });

  it('GIVEN the same Deployment in development THEN synth writes it, warns, and POLICY.md lists the violations', () => {
    const outdir = path.join(tmp, 'dist');
    const warnings: string[] = [];
    const result = synthesize(app([development]), { outdir, plugins: [policyPlugin()], warn: (m) => warnings.push(m) });
    expect(result.files).toContain('development/POLICY.md');
    expect(warnings).toContain(
      'policy: development/apps/Deployment/web: spec.template.spec.automountServiceAccountToken: is not set, so ServiceAccount "default"\'s token is mounted; set automountServiceAccountToken: false (or true with a role binding when the pod calls the API) [automount-service-account-token]',
    );
    const report = fs.readFileSync(path.join(outdir, 'development/POLICY.md'), 'utf8');
    expect(report).toContain('Policies are **not enforced** in this environment');
    expect(report).toContain('| Violations | ' + warnings.length + ' |');
  });
});

describe('the report', () => {
  it('GIVEN a clean production environment THEN the report shows the summary, every check and the coverage table', () => {
    const report = renderPolicyReport(evaluatePolicies(envOf(goodEnvironment())));
    const lines = report.split('\n');
    expect(lines[0]).toBe('# Policy report: production');
    expect(report).toContain('Policies are **enforced** in this environment');
    expect(report).toContain(`| Checks run | ${POLICY_CHECKS.length + 1} of ${POLICY_CHECKS.length + 1} |`);
    expect(report).toContain('| Resources checked | 22 (5 pod templates) |');
    expect(report).toContain('| Violations | 0 |');
    expect(report).toContain('## Violations\n\nNone.');
    expect(report).toContain('| `pss-run-as-non-root` | Running as Non-root (restricted) | container-security-context-user-group-id | runAsRootAllowed |');
    expect(report).toContain('| `pdb-allows-eviction` | high | pass |');
    for (const c of POLICY_CHECKS) expect(report).toContain(`| \`${c.id}\` |`);
    expect(report).toMatchSnapshot();
  });

  it('GIVEN a message with a pipe THEN table cells stay intact', () => {
    const objs = goodEnvironment();
    pick(objs, 'Deployment', 'api').metadata.annotations = { 'policy.platform.io/waive': 'ha-spread', 'policy.platform.io/waive-reason': 'a | b\nc' };
    expect(renderPolicyReport(evaluatePolicies(envOf(objs)))).toContain(
      '| `production/shop/Deployment/api` | `ha-spread` | a \\| b c | 0 (stale: remove it) |',
    );
  });
});

describe('robustness and cost', () => {
  it('GIVEN odd but schema-free documents THEN no check throws', () => {
    const odd: Record<string, any>[] = [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a', namespace: 'x' } },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'b', namespace: 'x' },
        spec: { template: { spec: { containers: 'nope', volumes: [null, {}] } } },
      },
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c', namespace: 'x' }, spec: {} },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'd', namespace: 'x' }, spec: { selector: { a: 'b' }, ports: [null] } },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'e', namespace: 'x' },
        spec: { rules: [{ http: { paths: [{ backend: { service: { name: 'd' } } }] } }] },
      },
      { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'f', namespace: 'x' }, spec: { minAvailable: '50%' } },
      { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'g', namespace: 'x' } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'h', namespace: 'x' }, rules: [{ verbs: 'get' }] },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'i', namespace: 'x' }, spec: { containers: [{ name: 'c', securityContext: null, ports: [{}] }] } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } },
    ];
    expect(() => evaluatePolicies(envOf(odd))).not.toThrow();
    expect(() => renderPolicyReport(evaluatePolicies(envOf(odd, development)))).not.toThrow();
  });

  it('GIVEN 1,000 services in one namespace THEN every one is checked and none is a false positive (cost: npm run bench)', () => {
    const base = goodEnvironment();
    const objs: Record<string, any>[] = base.filter((o) => ['Namespace', 'NetworkPolicy', 'IngressClass'].includes(o.kind));
    for (let i = 0; i < 1000; i++) {
      for (const kind of ['Deployment', 'ServiceAccount', 'PodDisruptionBudget', 'Service', 'Ingress']) {
        const s = JSON.stringify(pick(base, kind, 'api')).replace(/"api"/g, `"svc-${i}"`);
        objs.push(JSON.parse(s));
      }
    }
    const e = evaluatePolicies(envOf(objs));
    expect(e.violations).toEqual([]);
    expect(e.resourcesChecked).toBe(5004);
  });
});
