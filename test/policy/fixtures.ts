import { EnvironmentOutput, EnvironmentProfile } from '../../src';
import { production } from '../helpers';

/** An environment output built from plain objects, as the synthesizer would hand it to plugins. */
export function envOf(objects: readonly Record<string, any>[], profile: EnvironmentProfile = production): EnvironmentOutput {
  const documents = objects.map((object) => {
    const ns = object.metadata.namespace ?? '_cluster';
    return {
      object,
      id: `${profile.name}/${ns}/${object.kind}/${object.metadata.name}`,
      file: `${profile.name}/${ns}/${String(object.kind).toLowerCase()}-${object.metadata.name}.yaml`,
      source: `test/${object.kind}/${object.metadata.name}`,
      namespaced: ns !== '_cluster',
    };
  });
  return { name: profile.name, directory: profile.name, profile, documents };
}

export const NS = 'shop';
export const DIGEST_IMAGE = `ghcr.io/acme/api:1.4.2@sha256:${'a'.repeat(64)}`;

const sel = (name: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name });

/** A container meeting every check. */
export function goodContainer(name = 'app', port = 8080): Record<string, any> {
  return {
    name,
    image: DIGEST_IMAGE,
    imagePullPolicy: 'IfNotPresent',
    ports: [{ name: 'http', containerPort: port }],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
      capabilities: { drop: ['ALL'] },
    },
    readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
    livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 6 },
  };
}

/** A pod spec meeting every check (it runs as its own ServiceAccount, `name`). */
export function goodPodSpec(name: string, containers = [goodContainer()]): Record<string, any> {
  return {
    serviceAccountName: name,
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
    containers,
    topologySpreadConstraints: [
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: sel(name) } },
    ],
  };
}

/** The workload's own ServiceAccount, no token by default. */
function serviceAccount(name: string): Record<string, any> {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: NS, labels: sel(name) }, automountServiceAccountToken: false };
}

function deployment(name: string, extra: Record<string, any> = {}): Record<string, any> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, labels: sel(name) },
    spec: { ...extra, selector: { matchLabels: sel(name) }, template: { metadata: { labels: sel(name) }, spec: goodPodSpec(name) } },
  };
}

/**
 * A small environment that passes every check in production: a restricted namespace with default deny, an API
 * Deployment (3 replicas, PDB, Service, Ingress and its IngressClass), an autoscaled worker, an operator that calls the API (bound
 * service account), a CronJob, a Job, a ServiceAccount of its own for each workload, least-privilege RBAC and a
 * data-less Secret.
 */
export function goodEnvironment(): Record<string, any>[] {
  const operatorSpec = goodPodSpec('operator');
  operatorSpec.automountServiceAccountToken = true;
  operatorSpec.serviceAccountName = 'operator';
  const batchSpec: Record<string, any> = { ...goodPodSpec('report'), restartPolicy: 'OnFailure' };
  delete batchSpec.topologySpreadConstraints;
  batchSpec.containers = [goodContainer('report')];
  delete batchSpec.containers[0].readinessProbe;
  delete batchSpec.containers[0].livenessProbe;
  const migrateSpec = { ...JSON.parse(JSON.stringify(batchSpec)), serviceAccountName: 'migrate' };
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NS, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny', namespace: NS },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-dns', namespace: NS },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      },
    },
    deployment('api', { replicas: 3 }),
    serviceAccount('api'),
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'api', namespace: NS },
      spec: { maxUnavailable: 1, selector: { matchLabels: sel('api') } },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'api', namespace: NS },
      spec: { selector: sel('api'), ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
    // The reference profiles route through Gateway API: this environment brings the IngressClass its Ingress names.
    { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'api', namespace: NS },
      spec: {
        ingressClassName: 'nginx',
        rules: [
          { host: 'api.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { name: 'http' } } } }] } },
        ],
      },
    },
    deployment('worker'),
    serviceAccount('worker'),
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'worker', namespace: NS },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'worker' }, minReplicas: 2, maxReplicas: 5 },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'worker', namespace: NS },
      spec: { minAvailable: 1, selector: { matchLabels: sel('worker') } },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'operator', namespace: NS },
      spec: { replicas: 1, selector: { matchLabels: sel('operator') }, template: { metadata: { labels: sel('operator') }, spec: operatorSpec } },
    },
    serviceAccount('operator'),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'operator', namespace: NS },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'operator', namespace: NS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'operator' },
      subjects: [{ kind: 'ServiceAccount', name: 'operator', namespace: NS }],
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'report', namespace: NS },
      spec: {
        schedule: '0 3 * * *',
        startingDeadlineSeconds: 300,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 1,
        jobTemplate: { spec: { template: { metadata: { labels: sel('report') }, spec: batchSpec } } },
      },
    },
    serviceAccount('report'),
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate', namespace: NS },
      spec: { ttlSecondsAfterFinished: 3600, template: { metadata: { labels: sel('migrate') }, spec: migrateSpec } },
    },
    serviceAccount('migrate'),
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'placeholder', namespace: NS }, type: 'Opaque' },
  ];
}

/** The first document of `kind` named `name`. */
export function pick(objects: Record<string, any>[], kind: string, name: string): Record<string, any> {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name} in fixture`);
  return o;
}
