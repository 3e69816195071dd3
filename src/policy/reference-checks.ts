/**
 * References between objects: every name one object gives another (issuer, secret store, storage location,
 * service account, ConfigMap, Secret, claim, class, role, Service, analysis template) must resolve to an
 * object of the same environment, to one an add-on's chart or an operator creates, or to something the profile
 * declares in `clusterProvides`. A dangling reference names both ends.
 */
import type { AddOn } from '../addons/add-on';
import { addOnNamespaces } from '../addons/cluster-add-ons';
import { VELERO_DEFAULT_LOCATION } from '../addons/catalog/velero';
import { AddOnProvides } from '../addons/definition';
import { EnvironmentProfile } from '../core/environment-profile';
import { PREEXISTING_NAMESPACES } from '../gitops/delivery-check';
import { SynthDocument } from '../synth/synthesizer';
import { annotationsOf, nameOf, namespaceOf, PolicyIndex } from './policy-index';
import { PolicyCheck, PolicyContext, PolicyFinding } from './types';
import { DocObject, DocValue } from '../core/documents';

/** One reference from a document's field to an object. */
export interface ObjectReference {
  readonly from: SynthDocument;
  readonly field: string;
  readonly kind: string;
  /** Namespace of the target ('' for cluster-scoped kinds). */
  readonly namespace: string;
  readonly name: string;
}

/** Kinds whose objects are cluster-scoped (references to them carry no namespace). */
const CLUSTER_KINDS = new Set([
  'ClusterIssuer',
  'ClusterSecretStore',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
  'GatewayClass',
  'ClusterRole',
  'Namespace',
  'ClusterAnalysisTemplate',
]);

/** Objects every cluster has. */
const BUILT_IN: ReadonlySet<string> = new Set([
  'PriorityClass//system-cluster-critical',
  'PriorityClass//system-node-critical',
  'ClusterRole//cluster-admin',
  'ClusterRole//admin',
  'ClusterRole//edit',
  'ClusterRole//view',
]);

/** How to declare an object of a kind the cluster provides, for messages. */
const PROVIDE_HINT: Readonly<Record<string, string>> = {
  StorageClass: 'profile.clusterProvides.storageClasses',
  PriorityClass: 'profile.clusterProvides.priorityClasses',
  IngressClass: 'profile.clusterProvides.ingressClasses (or enable the add-on serving it)',
  GatewayClass: 'profile.clusterProvides.gatewayClasses (or enable the add-on serving it)',
  ClusterIssuer: 'AddOn.certManager({ issuers: [...] }) or profile.clusterProvides.clusterIssuers',
  ClusterSecretStore: 'AddOn.externalSecrets({ stores: [...] }) or profile.clusterProvides.clusterSecretStores',
  BackupStorageLocation: 'AddOn.velero(...) (its BackupStorageLocation is the backup destination)',
};

function obj(v: unknown): DocObject | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as DocObject) : undefined;
}

function arr(v: unknown): DocValue[] {
  return Array.isArray(v) ? v : [];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Every reference of the environment's documents, in document order. */
export function objectReferences(index: PolicyIndex): ObjectReference[] {
  const out: ObjectReference[] = [];
  const add = (from: SynthDocument, field: string, kind: string, namespace: string, name: unknown, optional?: unknown): void => {
    const n = str(name);
    if (n === undefined || optional === true) return;
    out.push({ from, field, kind, namespace: CLUSTER_KINDS.has(kind) ? '' : namespace, name: n });
  };

  for (const pod of index.pods) {
    const ns = pod.namespace;
    const at = pod.specPath;
    const spec = pod.spec;
    if (str(spec.serviceAccountName) && spec.serviceAccountName !== 'default')
      add(pod.doc, `${at}.serviceAccountName`, 'ServiceAccount', ns, spec.serviceAccountName);
    add(pod.doc, `${at}.priorityClassName`, 'PriorityClass', '', spec.priorityClassName);
    arr(spec.imagePullSecrets).forEach((s, i) => add(pod.doc, `${at}.imagePullSecrets[${i}].name`, 'Secret', ns, s?.name));
    arr(spec.volumes).forEach((v, i) => {
      const p = `${at}.volumes[${i}]`;
      add(pod.doc, `${p}.configMap.name`, 'ConfigMap', ns, v?.configMap?.name, v?.configMap?.optional);
      add(pod.doc, `${p}.secret.secretName`, 'Secret', ns, v?.secret?.secretName, v?.secret?.optional);
      add(pod.doc, `${p}.persistentVolumeClaim.claimName`, 'PersistentVolumeClaim', ns, v?.persistentVolumeClaim?.claimName);
      arr(v?.projected?.sources).forEach((s, j) => {
        add(pod.doc, `${p}.projected.sources[${j}].configMap.name`, 'ConfigMap', ns, s?.configMap?.name, s?.configMap?.optional);
        add(pod.doc, `${p}.projected.sources[${j}].secret.name`, 'Secret', ns, s?.secret?.name, s?.secret?.optional);
      });
    });
    for (const c of pod.containers) {
      arr(c.container.env).forEach((e, i) => {
        const p = `${c.path}.env[${i}].valueFrom`;
        add(pod.doc, `${p}.configMapKeyRef.name`, 'ConfigMap', ns, e?.valueFrom?.configMapKeyRef?.name, e?.valueFrom?.configMapKeyRef?.optional);
        add(pod.doc, `${p}.secretKeyRef.name`, 'Secret', ns, e?.valueFrom?.secretKeyRef?.name, e?.valueFrom?.secretKeyRef?.optional);
      });
      arr(c.container.envFrom).forEach((e, i) => {
        add(pod.doc, `${c.path}.envFrom[${i}].configMapRef.name`, 'ConfigMap', ns, e?.configMapRef?.name, e?.configMapRef?.optional);
        add(pod.doc, `${c.path}.envFrom[${i}].secretRef.name`, 'Secret', ns, e?.secretRef?.name, e?.secretRef?.optional);
      });
    }
    if (pod.kind === 'StatefulSet') {
      arr(pod.doc.object.spec?.volumeClaimTemplates).forEach((t, i) =>
        add(pod.doc, `spec.volumeClaimTemplates[${i}].spec.storageClassName`, 'StorageClass', '', t?.spec?.storageClassName),
      );
    }
  }

  for (const d of index.documents) {
    const o = d.object;
    const ns = namespaceOf(d);
    const spec = obj(o.spec) ?? {};
    switch (o.kind) {
      case 'PersistentVolumeClaim':
        add(d, 'spec.storageClassName', 'StorageClass', '', spec.storageClassName);
        break;
      case 'Ingress': {
        const a = annotationsOf(d);
        add(d, 'spec.ingressClassName', 'IngressClass', '', spec.ingressClassName);
        add(d, 'metadata.annotations["cert-manager.io/cluster-issuer"]', 'ClusterIssuer', '', a['cert-manager.io/cluster-issuer']);
        add(d, 'metadata.annotations["cert-manager.io/issuer"]', 'Issuer', ns, a['cert-manager.io/issuer']);
        const issued = a['cert-manager.io/cluster-issuer'] !== undefined || a['cert-manager.io/issuer'] !== undefined;
        if (!issued) arr(spec.tls).forEach((t, i) => add(d, `spec.tls[${i}].secretName`, 'Secret', ns, t?.secretName));
        // Backend Services are checked by ingress-targets-service (with their ports).
        break;
      }
      case 'Certificate':
        if (String(o.apiVersion).startsWith('cert-manager.io/')) {
          const kind = spec.issuerRef?.kind ?? 'Issuer';
          add(d, 'spec.issuerRef.name', kind === 'ClusterIssuer' ? 'ClusterIssuer' : 'Issuer', ns, spec.issuerRef?.name);
        }
        break;
      case 'ExternalSecret':
        if (String(o.apiVersion).startsWith('external-secrets.io/')) {
          const kind = spec.secretStoreRef?.kind ?? 'SecretStore';
          add(d, 'spec.secretStoreRef.name', kind === 'ClusterSecretStore' ? 'ClusterSecretStore' : 'SecretStore', ns, spec.secretStoreRef?.name);
        }
        break;
      case 'ClusterIssuer':
        // A CA issuer's key pair lives in cert-manager's cluster resource namespace.
        add(d, 'spec.ca.secretName', 'Secret', 'cert-manager', spec.ca?.secretName);
        break;
      case 'Schedule':
        if (String(o.apiVersion).startsWith('velero.io/')) {
          // Without a location Velero uses its default one, which the velero add-on names `default`.
          add(d, 'spec.template.storageLocation', 'BackupStorageLocation', ns, spec.template?.storageLocation ?? VELERO_DEFAULT_LOCATION);
          arr(spec.template?.volumeSnapshotLocations).forEach((v, i) => add(d, `spec.template.volumeSnapshotLocations[${i}]`, 'VolumeSnapshotLocation', ns, v));
        }
        break;
      case 'BackupStorageLocation':
      case 'VolumeSnapshotLocation':
        add(d, 'spec.credential.name', 'Secret', ns, spec.credential?.name);
        break;
      case 'RoleBinding':
      case 'ClusterRoleBinding': {
        const ref = obj(o.roleRef) ?? {};
        add(d, 'roleRef.name', ref.kind === 'Role' ? 'Role' : 'ClusterRole', ns, ref.name);
        arr(o.subjects).forEach((s, i) => {
          if (s?.kind === 'ServiceAccount' && s?.name !== 'default') add(d, `subjects[${i}].name`, 'ServiceAccount', s?.namespace ?? ns, s?.name);
        });
        break;
      }
      case 'Rollout': {
        const canary = obj(spec.strategy?.canary);
        const blueGreen = obj(spec.strategy?.blueGreen);
        for (const [field, v] of [
          ['canary.stableService', canary?.stableService],
          ['canary.canaryService', canary?.canaryService],
          ['blueGreen.activeService', blueGreen?.activeService],
          ['blueGreen.previewService', blueGreen?.previewService],
        ] as const) {
          add(d, `spec.strategy.${field}`, 'Service', ns, v);
        }
        add(d, 'spec.strategy.canary.trafficRouting.nginx.stableIngress', 'Ingress', ns, canary?.trafficRouting?.nginx?.stableIngress);
        const templates = (t: unknown, at: string) =>
          arr(obj(t)?.templates).forEach((x, i) =>
            add(d, `${at}.templates[${i}].templateName`, x?.clusterScope === true ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate', ns, x?.templateName),
          );
        arr(canary?.steps).forEach((s, i) => templates(s?.analysis, `spec.strategy.canary.steps[${i}].analysis`));
        templates(canary?.analysis, 'spec.strategy.canary.analysis');
        templates(blueGreen?.prePromotionAnalysis, 'spec.strategy.blueGreen.prePromotionAnalysis');
        templates(blueGreen?.postPromotionAnalysis, 'spec.strategy.blueGreen.postPromotionAnalysis');
        break;
      }
      case 'KafkaNodePool':
        add(d, 'spec.storage.class', 'StorageClass', '', spec.storage?.class);
        arr(spec.storage?.volumes).forEach((v, i) => add(d, `spec.storage.volumes[${i}].class`, 'StorageClass', '', v?.class));
        break;
      default:
        break;
    }
  }
  return out;
}

/** Objects operators and controllers create from the environment's objects (Secrets of issued certificates, ...). */
function producedObjects(index: PolicyIndex): Set<string> {
  const out = new Set<string>();
  const secret = (ns: string, name: unknown) => {
    if (typeof name === 'string' && name !== '') out.add(`Secret/${ns}/${name}`);
  };
  for (const d of index.documents) {
    const o = d.object;
    const ns = namespaceOf(d);
    const spec = obj(o.spec) ?? {};
    const api = String(o.apiVersion ?? '');
    if (o.kind === 'ExternalSecret' && api.startsWith('external-secrets.io/')) secret(ns, spec.target?.name ?? nameOf(d));
    if (o.kind === 'Certificate' && api.startsWith('cert-manager.io/')) secret(ns, spec.secretName);
    if (o.kind === 'Ingress') {
      const a = annotationsOf(d);
      if (a['cert-manager.io/cluster-issuer'] !== undefined || a['cert-manager.io/issuer'] !== undefined)
        arr(spec.tls).forEach((t) => secret(ns, t?.secretName));
    }
    if (o.kind === 'Kafka' && api.startsWith('kafka.strimzi.io/')) {
      for (const suffix of ['cluster-ca-cert', 'cluster-ca', 'clients-ca-cert', 'clients-ca']) secret(ns, `${nameOf(d)}-${suffix}`);
    }
    if (o.kind === 'KafkaUser' && api.startsWith('kafka.strimzi.io/')) secret(ns, nameOf(d));
    if (o.kind === 'Cluster' && api.startsWith('postgresql.cnpg.io/')) {
      for (const suffix of ['app', 'superuser', 'ca', 'server', 'replication']) secret(ns, `${nameOf(d)}-${suffix}`);
    }
  }
  return out;
}

/**
 * What the profile and its add-ons say exists outside the environment's documents, as `Kind/namespace/name`.
 * @internal
 */
export function providedObjects(profile: EnvironmentProfile, addOns: readonly AddOn[]): Set<string> {
  const out = new Set<string>(BUILT_IN);
  const p = profile.clusterProvides ?? {};
  // The profile's storage class is its statement of the cluster's (one fact, one place).
  out.add(`StorageClass//${profile.storage.storageClass}`);
  const add = (kind: string, names: readonly string[] | undefined) => {
    for (const n of names ?? []) out.add(`${kind}//${n}`);
  };
  add('StorageClass', p.storageClasses);
  add('PriorityClass', p.priorityClasses);
  add('IngressClass', p.ingressClasses);
  add('GatewayClass', p.gatewayClasses);
  add('ClusterIssuer', p.clusterIssuers);
  add('ClusterSecretStore', p.clusterSecretStores);
  for (const o of p.objects ?? []) {
    const parts = o.split('/');
    out.add(parts.length === 2 ? `${parts[0]}//${parts[1]}` : o);
  }
  for (const ns of PREEXISTING_NAMESPACES) out.add(`Namespace//${ns}`);
  for (const ns of addOnNamespaces(addOns, profile)) out.add(`Namespace//${ns.name}`);
  // Where no add-on defines stores, the profile's secret store is the cluster's (a prerequisite in the README);
  // where stores are defined, the profile must name one of them.
  if (externalStoresOf(profile, addOns).length === 0 && profile.secretStore.kind === 'ClusterSecretStore')
    out.add(`ClusterSecretStore//${profile.secretStore.name}`);
  for (const a of addOns) {
    const provides: AddOnProvides = a.definition.provides?.({ profile, namespace: a.namespace }) ?? {};
    add('IngressClass', provides.ingressClasses);
    add('GatewayClass', provides.gatewayClasses);
    add('PriorityClass', provides.priorityClasses);
    for (const s of provides.serviceAccounts ?? []) out.add(`ServiceAccount/${s}`);
    for (const s of provides.secrets ?? []) out.add(`Secret/${s}`);
    add('ClusterIssuer', provides.clusterIssuers);
    add('ClusterSecretStore', provides.clusterSecretStores);
    for (const o of provides.objects ?? []) out.add(o);
  }
  return out;
}

/** ClusterSecretStores the profile's add-ons define. */
export function externalStoresOf(profile: EnvironmentProfile, addOns: readonly AddOn[]): string[] {
  return addOns.flatMap((a) => a.definition.provides?.({ profile, namespace: a.namespace }).clusterSecretStores ?? []);
}

function describeTarget(r: ObjectReference): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

/** The dangling references of an environment. */
export function danglingReferences(ctx: PolicyContext): PolicyFinding[] {
  const emitted = new Set<string>();
  for (const d of ctx.index.documents) emitted.add(`${d.object.kind}/${namespaceOf(d)}/${nameOf(d)}`);
  const produced = producedObjects(ctx.index);
  const provided = providedObjects(ctx.profile, ctx.addOns);
  const out: PolicyFinding[] = [];
  for (const r of objectReferences(ctx.index)) {
    const key = `${r.kind}/${r.namespace}/${r.name}`;
    if (emitted.has(key) || produced.has(key) || provided.has(key)) continue;
    // Every namespace has its `default` ServiceAccount and the API server's CA bundle ConfigMap.
    if (r.kind === 'ConfigMap' && r.name === 'kube-root-ca.crt') continue;
    if (r.kind === 'ClusterRole' && r.name.startsWith('system:')) continue;
    const declare = PROVIDE_HINT[r.kind] ?? `profile.clusterProvides.objects as "${r.kind}/${r.namespace ? `${r.namespace}/` : ''}${r.name}"`;
    out.push({
      doc: r.from,
      field: r.field,
      message: `refers to ${describeTarget(r)}, which no object of environment ${ctx.environment} creates; emit it, or declare it in ${declare} if the cluster provides it`,
    });
  }
  return out;
}

export const REFERENCE_CHECKS: readonly PolicyCheck[] = [
  {
    id: 'references-resolve',
    severity: 'critical',
    rationale: 'A reference to an object that does not exist only fails at runtime: pods that never start, certificates never issued, backups never written.',
    docs: 'docs/cluster-add-ons.md#references',
    coverage: {},
    alwaysEnforced: true,
    run: (ctx) => danglingReferences(ctx),
  },
];
