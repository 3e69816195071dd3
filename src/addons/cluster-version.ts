/**
 * The cluster's Kubernetes version (`profile.cluster.kubernetesVersion`) against what the environment installs:
 * Helm refuses a chart whose `kubeVersion` excludes the cluster, and a cluster no longer serves an API version
 * removed before it. Both only fail at apply time; synth checks them.
 */
import type { EnvironmentProfile } from '../core/environment-profile';
import { PlatformConfigError } from '../core/errors';
import {
  apiRemovalOf,
  DEFAULT_KUBERNETES_VERSION,
  MANIFEST_KUBERNETES_VERSION,
  parseKubernetesVersion,
  satisfiesConstraint,
  SemVer,
} from '../core/kubernetes-version';
import { CheckResult, EnvironmentOutput, SynthPlugin } from '../synth/synthesizer';
import { AddOn } from './add-on';
import { addOnsOfOutput, CLUSTER_ADD_ONS_ID, ownsAddOns } from './resolution';

/** The profile field that declares the cluster's version. */
export const KUBERNETES_VERSION_FIELD = 'profile.cluster.kubernetesVersion';

/** The cluster's Kubernetes version as declared, or {@link DEFAULT_KUBERNETES_VERSION}. */
export function kubernetesVersionOf(profile: EnvironmentProfile): string {
  return profile.cluster.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION;
}

const MANIFEST_MINOR = parseKubernetesVersion(MANIFEST_KUBERNETES_VERSION)!.minor;

/** The declared version for messages: `"1.30"`, or `"1.27" (not declared: the default)`. */
export function declaredVersionText(profile: EnvironmentProfile): string {
  const text = JSON.stringify(kubernetesVersionOf(profile));
  return profile.cluster.kubernetesVersion === undefined ? `${text} (not declared: the default)` : text;
}

/** The declared version, parsed; a PlatformConfigError naming the environment when it is malformed or too old. */
export function clusterVersionOf(environment: string, profile: EnvironmentProfile): SemVer {
  const text = kubernetesVersionOf(profile);
  const v = parseKubernetesVersion(text);
  if (!v || v.major !== 1 || v.minor < MANIFEST_MINOR) {
    throw new PlatformConfigError(
      environment,
      KUBERNETES_VERSION_FIELD,
      profile.cluster.kubernetesVersion,
      `must be the cluster's Kubernetes version, "1.<minor>" or "1.<minor>.<patch>", ${MANIFEST_KUBERNETES_VERSION} or later (the manifests use the Kubernetes ${MANIFEST_KUBERNETES_VERSION} API)`,
    );
  }
  return v;
}

/** `kubeVersion` of the chart data `a`'s values are checked against; undefined without chart data or constraint. */
export function chartKubeVersion(a: AddOn): string | undefined {
  return a.chart.data?.kubeVersion;
}

/** Add-ons whose chart excludes the cluster's version, and emitted API versions the cluster no longer serves. */
export function clusterVersionProblems(env: EnvironmentOutput): string[] {
  let version: SemVer;
  try {
    version = clusterVersionOf(env.name, env.profile);
  } catch (e) {
    if (e instanceof PlatformConfigError) return [e.message];
    throw e;
  }
  const shown = declaredVersionText(env.profile);
  const out: string[] = [];
  // The add-ons are the environment chart's: checked once, not again for each of its delivery charts.
  if (ownsAddOns(env)) {
    const base = env.chart?.node.path ?? env.name;
    for (const a of addOnsOfOutput(env).addOns) {
      const constraint = chartKubeVersion(a);
      if (constraint === undefined) continue;
      const data = a.chart.data!;
      const checked = data.version === a.chart.version ? '' : ` (the constraint of the vendored chart data, ${data.version})`;
      const ok = satisfiesConstraint(version, constraint);
      const where = `${base}/${CLUSTER_ADD_ONS_ID}/${a.name}: add-on ${a.name}`;
      if (ok === undefined) {
        out.push(
          `${where}: chart ${data.chart} ${data.version} states kubeVersion "${constraint}", which synth cannot evaluate; check ${KUBERNETES_VERSION_FIELD} (${shown}) against it by hand`,
        );
      } else if (!ok) {
        out.push(
          `${where}: chart ${data.chart} ${a.chart.version} requires Kubernetes ${constraint}${checked}, and ${KUBERNETES_VERSION_FIELD} is ${shown}; ` +
            `if the cluster runs a version the chart supports, declare it in ${KUBERNETES_VERSION_FIELD}; otherwise upgrade the cluster, or pin a chart version that supports ${version.major}.${version.minor} with the add-on's \`version\` option`,
        );
      }
    }
  }
  for (const d of env.documents) {
    const r = apiRemovalOf(String(d.object.apiVersion), String(d.object.kind));
    if (r && version.minor >= r.removedIn) {
      out.push(
        `${d.id}: apiVersion: ${r.apiVersion} ${d.object.kind} is no longer served as of Kubernetes 1.${r.removedIn}, and ${KUBERNETES_VERSION_FIELD} is ${shown}; use ${r.replacement}`,
      );
    }
  }
  return out;
}

/** The synth check of the cluster's version (errors in every environment: Helm and the API server refuse at apply). */
export function clusterVersionPlugin(): SynthPlugin {
  return {
    name: 'cluster-version',
    check(env): CheckResult {
      return { errors: clusterVersionProblems(env), warnings: [] };
    },
  };
}
