/**
 * The add-ons part of `dist/<env>/README.md`: what one apply of the root installs and in which order, and what
 * must already exist outside dist/ (the GitOps tool, the CNI, storage classes, cloud identities, ...).
 */
import type { EnvironmentProfile } from '../core/environment-profile';
import { MANIFEST_KUBERNETES_VERSION } from '../core/kubernetes-version';
import { argoCdHelmSource } from './chart';
import { CLUSTER_ADMIN_ROLE, ClusterAdminBinding } from './cluster-admin';
import { addOnNamespaces } from './cluster-add-ons';
import { chartKubeVersion, KUBERNETES_VERSION_FIELD, kubernetesVersionOf } from './cluster-version';
import { ResolvedAddOns } from './resolution';

/** Waves of the default namespace tiers relative to the add-ons (see NamespaceTier and planDeliveryGroups). */
const TIERS: readonly [string, number][] = [
  ['system and tenant namespaces', 1],
  ['observability', 2],
  ['datastores', 3],
  ['services', 4],
];

/** Markdown lines of the "Cluster add-ons" and "Prerequisites" sections for the environment's add-ons `resolved`. */
export function addOnReadmeLines(
  envName: string,
  profile: EnvironmentProfile,
  resolved: ResolvedAddOns,
  clusterAdmin: readonly ClusterAdminBinding[] = [],
): string[] {
  const { addOns, layer, layers } = resolved;
  const lines: string[] = ['## Cluster add-ons and install order', ''];
  if (resolved.derived) {
    const extra = [...resolved.reasons].map(([name, why]) => `${name} (${why.join(', ')})`);
    lines.push(
      `\`profile.addOns\` is unset, so the add-ons are derived: the defaults (\`defaultAddOns\`)${extra.length > 0 ? `, plus what this environment uses: ${extra.join('; ')}` : ''}.`,
      'List them in `profile.addOns` to configure them (issuers, secret stores, Velero credentials); a list is used as given.',
      '',
    );
  }
  if (addOns.length === 0) {
    lines.push('No add-ons: every kind of this environment is served by Kubernetes or declared in `clusterProvides.kinds`.', '');
  } else {
    const shift = layers + 1;
    lines.push(
      'One apply of the root (`dist/argocd/' + envName + '/root` or `dist/flux/' + envName + '/root`) installs, in this order (Argo CD sync waves;',
      'Flux: the Kustomization `' + envName + '-add-ons` after `' + envName + '-cluster`, HelmReleases ordered by `dependsOn`, every later',
      'Kustomization after it):',
      '',
      '| Wave | What |',
      '| ---: | --- |',
      '| 0 | `_cluster`: the namespaces (Pod Security labels), cluster roles |',
    );
    for (let l = 1; l <= layers; l++) {
      const these = addOns.filter((a) => layer.get(a.name) === l).map((a) => `${a.name} ${a.chart.version}`);
      lines.push(`| ${l} | add-ons: ${these.join(', ')} |`);
    }
    lines.push(`| ${shift} | \`_cluster-config\` (ClusterIssuers, ClusterSecretStores, ...) and the add-ons' namespaces (guard rails, Velero's locations) |`);
    for (const [what, wave] of TIERS) lines.push(`| ${wave + shift} | ${what} |`);
    lines.push(
      '',
      '| Add-on | Chart | Version | Kubernetes (chart `kubeVersion`) | Namespace | CRDs | Purpose |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const a of addOns) {
      const src = argoCdHelmSource(a.chart);
      const data = a.chart.data;
      const checked = data ? (data.version === a.chart.version ? '' : ` (values checked against ${data.version})`) : ' (no chart data: values typed only)';
      const kube = chartKubeVersion(a);
      const kubeText = kube !== undefined ? `\`${kube}\`` : data ? 'any (the chart states none)' : 'unknown (no chart data)';
      lines.push(
        `| ${a.name} | \`${src.repoUrl}\` ${src.chart} | ${a.chart.version}${checked} | ${kubeText} | ${a.namespace} | ${a.installsCrds ? 'yes, never pruned' : 'no'} | ${a.definition.purpose} |`,
      );
    }
    const exempt = addOnNamespaces(addOns, profile).filter((n) => n.exemptions.length > 0);
    if (exempt.length > 0) {
      lines.push('', 'Namespaces exempt from Pod Security `restricted` (enforced: `privileged`, reason on the namespace):', '');
      for (const n of exempt) lines.push(`- \`${n.name}\`: ${n.exemptions.join('; ')}`);
    }
    const admins = clusterAdmin.filter((b) => b.declared !== undefined);
    if (admins.length > 0) {
      lines.push(
        '',
        `Add-ons whose chart binds the built-in ClusterRole \`${CLUSTER_ADMIN_ROLE}\` (declared, with the reason; any other add-on or object doing so fails synth):`,
        '',
      );
      for (const b of admins)
        lines.push(`- ${b.addOn} (${b.declared!.subject}; ${b.paths.map((p) => `\`values.${p.path}\``).join(', ')}): ${b.declared!.reason}`);
    }
    lines.push('');
  }
  lines.push('## Prerequisites (outside dist/)', '');
  const p = profile.clusterProvides ?? {};
  const version = kubernetesVersionOf(profile);
  const checkedCharts = addOns.some((a) => chartKubeVersion(a) !== undefined);
  const items: string[] = [
    `Kubernetes ${version} (\`${KUBERNETES_VERSION_FIELD}\`${profile.cluster.kubernetesVersion === undefined ? ' not declared: the default, the API the manifests use' : ''})` +
      (checkedCharts ? ", checked at synth against each add-on chart's `kubeVersion` (table above)" : '') +
      `; the manifests use the Kubernetes ${MANIFEST_KUBERNETES_VERSION} API, and none of the API versions removed up to ${version}`,
    'Argo CD (with the health assessment of `argoproj.io/Application` enabled in `argocd-cm`, so sync waves wait for each add-on) or Flux (source, kustomize and helm controllers)',
    'a CNI that enforces NetworkPolicies (every namespace denies by default)',
  ];
  const list = (what: string, names: readonly string[] | undefined) => {
    if (names && names.length > 0) items.push(`${what}: ${names.map((n) => `\`${n}\``).join(', ')}`);
  };
  list('StorageClasses', [...new Set([profile.storage.storageClass, ...(p.storageClasses ?? [])])]);
  list('PriorityClasses', p.priorityClasses);
  list('IngressClasses', p.ingressClasses);
  list('GatewayClasses', p.gatewayClasses);
  list('ClusterIssuers', p.clusterIssuers);
  const defined = addOns.flatMap((a) => a.definition.provides?.({ profile, namespace: a.namespace }).clusterSecretStores ?? []);
  const implicitStore = defined.length === 0 && profile.secretStore.kind === 'ClusterSecretStore' ? [profile.secretStore.name] : [];
  list('ClusterSecretStores', [...new Set([...implicitStore, ...(p.clusterSecretStores ?? [])])]);
  list('kinds served by the cluster', p.kinds);
  list('objects', p.objects);
  const oci = addOns.filter((a) => a.chart.oci);
  if (oci.length > 0) {
    items.push(
      `Argo CD only: the OCI Helm repositories ${oci.map((a) => `\`${argoCdHelmSource(a.chart).repoUrl}\``).join(', ')} registered with \`enableOCI: "true"\``,
    );
  }
  for (const a of addOns) for (const line of a.definition.prerequisites?.({ profile, namespace: a.namespace }) ?? []) items.push(`${a.name}: ${line}`);
  for (const note of p.notes ?? []) items.push(note);
  lines.push(...items.map((i) => `- ${i}`), '');
  return lines;
}
