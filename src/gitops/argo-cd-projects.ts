/**
 * AppProjects that constructs of an environment ask for (a tenant's project, confined to its namespace). They
 * are emitted by the Argo CD delivery into the bootstrap folder (`<dist>/argocd/<env>/apps/`), which only the
 * root project `<env>-root` applies: the environment project itself never may create projects, so a commit
 * under an environment folder cannot create an unrestricted AppProject.
 */
import { IConstruct } from 'constructs';
import { AppProjectSpec } from '../../imports/argoproj.io';
import { EnvironmentChart } from '../core/environment-chart';
import { LazyInputOrigin } from '../synth/provenance';

/** An AppProject requested by a construct of the environment. */
export interface RequestedArgoCdProject {
  readonly name: string;
  /** Namespace Argo CD runs in; it must be the delivery's. */
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly spec: AppProjectSpec;
  /**
   * Input origins of fields of the project (`spec.description` → `tenants.yaml:7:18: tenants[0].displayName`), so
   * that a problem found on the generated AppProject is reported at the input (see `traceInput`).
   * @default - none
   */
  readonly origins?: Readonly<Record<string, LazyInputOrigin>>;
  /** Construct path of the requester, for messages. */
  readonly requestedBy: string;
}

/** Kinds that only Argo CD serves: whoever may create them may create projects and deploy anywhere. */
export const ARGOCD_KINDS: readonly string[] = ['AppProject', 'Application', 'ApplicationSet'];
/** API group of {@link ARGOCD_KINDS} (Argo Rollouts shares it, with other kinds). */
export const ARGOCD_API_GROUP = 'argoproj.io';

const requested = new WeakMap<EnvironmentChart, RequestedArgoCdProject[]>();

/** Asks the environment's Argo CD delivery to emit `project` (call before `addGitOpsDelivery`). */
export function requestArgoCdProject(scope: IConstruct, project: Omit<RequestedArgoCdProject, 'requestedBy'>): void {
  const chart = EnvironmentChart.of(scope);
  const list = requested.get(chart) ?? [];
  list.push({ ...project, requestedBy: scope.node.path });
  requested.set(chart, list);
}

/** The projects requested in `chart`, in request order. */
export function requestedArgoCdProjects(chart: EnvironmentChart): readonly RequestedArgoCdProject[] {
  return requested.get(chart) ?? [];
}

/** True for an Argo CD kind (`argoproj.io` AppProject, Application, ApplicationSet). */
export function isArgoCdKind(apiVersion: string, kind: string): boolean {
  return apiVersion.startsWith(`${ARGOCD_API_GROUP}/`) && ARGOCD_KINDS.includes(kind);
}

/** True for a Flux kind (any `*.toolkit.fluxcd.io` group). */
export function isFluxKind(apiVersion: string): boolean {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return group.endsWith('.toolkit.fluxcd.io');
}
