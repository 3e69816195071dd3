import { Construct } from 'constructs';
import { KubeNamespace } from '../../imports/k8s';
import { EnvironmentChart } from '../core/environment-chart';
import { NamespaceTier } from '../gitops/delivery-group';
import { NamespaceTiers } from '../gitops/namespace-tiers';
import { fail, uniqueId } from '../core/errors';
import { LABEL_COST_CENTER, LABEL_PART_OF, LABEL_TEAM } from '../core/labels';
import { isDns1123Label, labelValueProblem } from '../synth/schema-validator';
import { addNamespaceGuardrails, LABEL_ENVIRONMENT, LABEL_PLAN, podSecurityLabels, PSS_EXEMPTION_ANNOTATION } from './guardrails';
import { Plan, QuotaOverrides } from './plan';
import { TENANT_NAMESPACE_PREFIX } from './validation';

/** Label naming what a platform namespace is for (frontend, backend, monitoring, system, db-postgres, ...). */
export const LABEL_CONCERN = 'platform.io/concern';
/** `platform.io/cost-center` of platform namespaces unless set. */
export const DEFAULT_PLATFORM_COST_CENTER = 'platform';

/** Why a namespace may run pods that PSS restricted rejects (hostPath for a log collector, for example). */
export interface PssExemption {
  /** Written to the `platform.io/pss-exemption-reason` annotation; required so every exemption is explained. */
  readonly reason: string;
}

export interface PlatformNamespaceProps {
  /** Namespace name: a DNS-1123 label, not starting with `tenant-`. */
  readonly name: string;
  /** What runs there, the `platform.io/concern` label. @default - no label */
  readonly concern?: string;
  /** Owning team, the `platform.io/team` label. @default - no label */
  readonly team?: string;
  /** @default DEFAULT_PLATFORM_COST_CENTER */
  readonly costCenter?: string;
  /** Quota and LimitRange. @default Plan.platform() */
  readonly plan?: Plan;
  /** Quota entries merged over the plan's. @default - the plan's quota */
  readonly quotaOverrides?: QuotaOverrides;
  /**
   * Enforce PSS `privileged` instead of `restricted` (audit and warn stay `restricted`). Only for namespaces that
   * must run privileged pods, such as the logging agent's.
   * @default - restricted is enforced
   */
  readonly exemptFromRestricted?: PssExemption;
  /**
   * Argo CD never prunes or deletes the namespace (`Prune=false,Delete=false`), e.g. the namespace of a controller
   * whose CRDs outlive it.
   * @default profile.protectStatefulResources
   */
  readonly protect?: boolean;
  /**
   * Delivery tier (sync wave, and whether Argo CD / Flux may prune it). A tier that is not stateful is refused at
   * delivery when the namespace holds data.
   * @default - derived from what the namespace holds: data when it holds a datastore, a claim or a StatefulSet with
   * volume claim templates, else app (see `addGitOpsDelivery`)
   */
  readonly tier?: NamespaceTier;
}

/**
 * One of the platform's own namespaces (frontend, backend, monitoring, system; app-core, db-*, storage-*) with the
 * same guard rails as a tenant's: PSA labels, ResourceQuota + LimitRange from the "platform" plan, default deny
 * in and out, DNS egress. Workloads add their own allowances through the connection graph.
 */
export class PlatformNamespace extends Construct {
  public readonly namespaceName: string;
  public readonly plan: Plan;
  /** True when PSS restricted is not enforced. */
  public readonly exempt: boolean;
  /** The tier given in the props (else derived at delivery). */
  public readonly tier?: NamespaceTier;

  public constructor(scope: Construct, id: string, props: PlatformNamespaceProps) {
    super(scope, uniqueId(scope, id));
    const profile = EnvironmentChart.of(this).profile;
    if (!isDns1123Label(props.name)) fail(this, 'name', props.name, 'must be a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters)');
    if (props.name.startsWith(TENANT_NAMESPACE_PREFIX))
      fail(this, 'name', props.name, `must not start with "${TENANT_NAMESPACE_PREFIX}": that prefix is reserved for tenant namespaces`);
    const exemption = props.exemptFromRestricted;
    if (exemption !== undefined && exemption.reason.trim() === '') {
      fail(
        this,
        'exemptFromRestricted.reason',
        exemption.reason,
        'must explain why the namespace needs privileged pods (it is written to the platform.io/pss-exemption-reason annotation)',
      );
    }
    const costCenter = props.costCenter ?? DEFAULT_PLATFORM_COST_CENTER;
    for (const [field, v] of [
      ['concern', props.concern],
      ['team', props.team],
      ['costCenter', costCenter],
    ] as const) {
      if (v !== undefined && (v === '' || labelValueProblem(v) !== undefined))
        fail(this, field, v, 'must be a label value: at most 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric');
    }
    const base = props.plan ?? Plan.platform();
    this.plan = base.withQuota(props.quotaOverrides);
    if (props.quotaOverrides) {
      const p = base.quotaProblems(this.plan.quota)[0];
      if (p) fail(this, `quotaOverrides.${p.field}`, p.value, p.allowed);
    }
    this.namespaceName = props.name;
    this.exempt = exemption !== undefined;
    this.tier = props.tier;
    if (props.tier) NamespaceTiers.of(this).declare(this, props.name, props.tier);

    const labels = { [LABEL_PART_OF]: 'platform' };
    new KubeNamespace(this, 'Resource', {
      metadata: {
        name: props.name,
        labels: {
          ...podSecurityLabels(this.exempt ? 'privileged' : 'restricted'),
          ...labels,
          [LABEL_PLAN]: this.plan.name,
          [LABEL_ENVIRONMENT]: profile.name,
          [LABEL_COST_CENTER]: costCenter,
          ...(props.concern !== undefined ? { [LABEL_CONCERN]: props.concern } : {}),
          ...(props.team !== undefined ? { [LABEL_TEAM]: props.team } : {}),
        },
        annotations: {
          ...(exemption ? { [PSS_EXEMPTION_ANNOTATION]: exemption.reason.trim() } : {}),
          ...((props.protect ?? profile.protectStatefulResources) ? { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' } : {}),
        },
      },
    });
    addNamespaceGuardrails(this, props.name, this.plan, labels);
  }
}
