/**
 * Which controller serves each kind: built into Kubernetes 1.27, installed by an add-on (derived from the CRDs
 * each add-on's chart installs, matched against the vendored CRDs), or the GitOps tool itself.
 */
import type { EnvironmentProfile } from '../core/environment-profile';
import { SchemaRegistry } from '../synth/schema-registry';
import { AddOn } from './add-on';

/** Who serves a kind. */
export type KindServer =
  | { readonly by: 'kubernetes' }
  | { readonly by: 'add-on'; readonly addOn: string }
  | { readonly by: 'tool'; readonly tool: 'Argo CD' | 'Flux' }
  | { readonly by: 'nobody' };

/** Every add-on of the catalog (default options), for the kind table; an add-on built on this model joins here. */
export function catalogAddOns(): AddOn[] {
  return [
    AddOn.certManager(),
    AddOn.externalSecrets(),
    AddOn.argoRollouts(),
    AddOn.strimzi(),
    AddOn.cloudNativePg(),
    AddOn.barmanCloudPlugin(),
    AddOn.velero(),
    AddOn.keda(),
    AddOn.ingressNginx(),
    AddOn.envoyGateway(),
    AddOn.kubePrometheusStack(),
  ];
}

/**
 * The catalog's add-on `name` with its default options, as an environment without `profile.addOns` derives it:
 * kube-prometheus-stack in `profile.monitoring.namespace` (where it must run), the others in their usual namespace.
 */
export function catalogAddOn(name: string, profile: EnvironmentProfile): AddOn | undefined {
  if (name === 'kube-prometheus-stack') return AddOn.kubePrometheusStack({ namespace: profile.monitoring.namespace });
  return catalogAddOns().find((a) => a.name === name);
}

/** Argo CD's own kinds (served by the Argo CD installation the entry points need). */
const ARGO_CD_KINDS = new Set(['argoproj.io/Application', 'argoproj.io/AppProject', 'argoproj.io/ApplicationSet']);
/** Flux's API groups. */
const FLUX_GROUPS = new Set([
  'source.toolkit.fluxcd.io',
  'kustomize.toolkit.fluxcd.io',
  'helm.toolkit.fluxcd.io',
  'notification.toolkit.fluxcd.io',
  'image.toolkit.fluxcd.io',
]);

export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** The add-on of `addOns` that serves `group/kind` (by kind first, then by group). */
export function addOnServing(addOns: readonly AddOn[], group: string, kind: string): AddOn | undefined {
  const gk = `${group}/${kind}`;
  return addOns.find((a) => a.definition.serves.kinds?.includes(gk)) ?? addOns.find((a) => a.definition.serves.groups?.includes(group));
}

let table: Map<string, KindServer> | undefined;

/**
 * `group/Kind` of every vendored CRD kind → who serves it (add-ons of the catalog, or the GitOps tools), built once
 * from the schema bundle. A CRD kind no add-on serves maps to `nobody` (the profile may declare it provided).
 */
export function crdKindTable(registry = SchemaRegistry.default()): ReadonlyMap<string, KindServer> {
  if (table) return table;
  const catalog = catalogAddOns();
  const out = new Map<string, KindServer>();
  for (const key of registry.knownKinds()) {
    const slash = key.lastIndexOf('/');
    const apiVersion = key.slice(0, slash);
    const kind = key.slice(slash + 1);
    const info = registry.lookup(apiVersion, kind);
    if (!info?.structural) continue;
    const group = groupOf(apiVersion);
    const gk = `${group}/${kind}`;
    if (out.has(gk)) continue;
    const a = addOnServing(catalog, group, kind);
    out.set(
      gk,
      ARGO_CD_KINDS.has(gk)
        ? { by: 'tool', tool: 'Argo CD' }
        : FLUX_GROUPS.has(group)
          ? { by: 'tool', tool: 'Flux' }
          : a
            ? { by: 'add-on', addOn: a.name }
            : { by: 'nobody' },
    );
  }
  table = out;
  return out;
}

/** Who serves `apiVersion/kind`. */
export function kindServer(apiVersion: string, kind: string, registry = SchemaRegistry.default()): KindServer {
  const info = registry.lookup(apiVersion, kind);
  if (info && !info.structural) return { by: 'kubernetes' };
  return crdKindTable(registry).get(`${groupOf(apiVersion)}/${kind}`) ?? { by: 'nobody' };
}
