import type { ClusterAdminBinding } from '../addons/cluster-admin';
import { clusterAdminBindingsOfOutput } from '../addons/cluster-add-ons';
import { addOnsOfOutput, ownsAddOns } from '../addons/resolution';
import { EnvironmentOutput, SynthDocument } from '../synth/synthesizer';
import { ACCESS_CHECKS } from './access-checks';
import { AVAILABILITY_CHECKS } from './availability-checks';
import { CONTAINER_CHECKS } from './container-checks';
import { ESCALATION_CHECKS } from './escalation-checks';
import { SECRET_CHECKS } from './secret-checks';
import { NETWORK_CHECKS, PSA_ENFORCE_LABEL, PSS_EXEMPTION_REASON_ANNOTATION } from './network-checks';
import { POD_SECURITY_CHECKS } from './pod-security-checks';
import { REFERENCE_CHECKS } from './reference-checks';
import { ROUTE_CHECKS } from './route-checks';
import { PolicyIndex, annotationsOf, labelsOf, nameOf, namespaceOf } from './policy-index';
import { PolicyCheck, PolicyContext, PolicyFinding, PolicySeverity } from './types';

/** Annotation naming the checks waived on a resource: `"<check-id>[,<check-id>]"`. */
export const WAIVE_ANNOTATION = 'policy.platform.io/waive';
/** Annotation saying why; a waiver without a reason is itself a violation and waives nothing. */
export const WAIVE_REASON_ANNOTATION = 'policy.platform.io/waive-reason';
/** Id of the check that validates waivers (it cannot be waived). */
export const WAIVER_CHECK_ID = 'policy-waiver-valid';

/** Every check the policy gate runs, in report order. */
export const POLICY_CHECKS: readonly PolicyCheck[] = [
  ...POD_SECURITY_CHECKS,
  ...CONTAINER_CHECKS,
  ...AVAILABILITY_CHECKS,
  ...NETWORK_CHECKS,
  ...ROUTE_CHECKS,
  ...ACCESS_CHECKS,
  ...SECRET_CHECKS,
  ...ESCALATION_CHECKS,
  ...REFERENCE_CHECKS,
];

/** One violation, as printed by synth and listed in the report. */
export interface PolicyViolation {
  readonly checkId: string;
  readonly severity: PolicySeverity;
  /** `<env>/<namespace>/<kind>/<name>`. */
  readonly resource: string;
  readonly field: string;
  readonly message: string;
  /** `<resource>: <field>: <message> [<check-id>]`. */
  readonly text: string;
}

/** A violation a waiver annotation accepted. */
export interface WaivedViolation extends PolicyViolation {
  readonly reason: string;
}

/** A waiver annotation as found on a resource. */
export interface PolicyWaiver {
  readonly resource: string;
  readonly checks: readonly string[];
  readonly reason: string;
  /** How many violations it waived (0 means it is stale and can go). */
  readonly used: number;
}

/** A namespace exempted from PSS restricted, with the host-access violations the exemption covers. */
export interface PolicyExemption {
  readonly namespace: string;
  readonly reason: string;
  readonly violations: readonly PolicyViolation[];
}

/** How one check fared in an environment. */
export interface CheckOutcome {
  readonly check: PolicyCheck;
  /** Why it did not run; undefined when it ran. */
  readonly skipped?: string;
  readonly violations: number;
  readonly waived: number;
  readonly exempted: number;
}

/** Everything the policy gate found in one environment. */
export interface PolicyEvaluation {
  readonly environment: string;
  readonly directory: string;
  /** Violations fail synth (profile.enforcePolicies). */
  readonly enforced: boolean;
  readonly resourcesChecked: number;
  readonly podTemplatesChecked: number;
  readonly checks: readonly CheckOutcome[];
  readonly violations: readonly PolicyViolation[];
  readonly waived: readonly WaivedViolation[];
  readonly waivers: readonly PolicyWaiver[];
  readonly exemptions: readonly PolicyExemption[];
  /**
   * Add-ons whose chart binds cluster-admin, with the declared subject and reason (`rbac-no-cluster-admin`);
   * undefined in a delivery chart's evaluation (its environment's report lists them).
   */
  readonly clusterAdmin?: readonly ClusterAdminBinding[];
}

interface ParsedWaiver {
  readonly doc: SynthDocument;
  readonly checks: readonly string[];
  readonly reason: string;
  used: number;
}

/** The check that validates the waiver annotations themselves. */
function waiverCheck(known: ReadonlySet<string>, waivers: readonly ParsedWaiver[]): PolicyCheck {
  return {
    id: WAIVER_CHECK_ID,
    severity: 'high',
    rationale: 'Every waiver names known checks and says why, so reviewers can judge it.',
    docs: 'docs/policy.md#waiving-a-check',
    coverage: {},
    run: () => {
      const out: PolicyFinding[] = [];
      for (const w of waivers) {
        if (w.reason === '')
          out.push({
            doc: w.doc,
            field: `metadata.annotations.${WAIVE_REASON_ANNOTATION}`,
            message: `the waiver of ${w.checks.join(', ') || 'nothing'} has no reason; say why the check does not apply (the waiver is ignored until then)`,
          });
        const unknown = w.checks.filter((c) => !known.has(c) || c === WAIVER_CHECK_ID);
        if (unknown.length > 0 || w.checks.length === 0)
          out.push({
            doc: w.doc,
            field: `metadata.annotations.${WAIVE_ANNOTATION}`,
            message: `names ${unknown.length > 0 ? `unknown or unwaivable check(s) ${unknown.join(', ')}` : 'no check'}; use ids from the policy report`,
          });
      }
      return out;
    },
  };
}

function parseWaivers(documents: readonly SynthDocument[]): ParsedWaiver[] {
  const out: ParsedWaiver[] = [];
  for (const doc of documents) {
    const a = annotationsOf(doc);
    if (a[WAIVE_ANNOTATION] === undefined && a[WAIVE_REASON_ANNOTATION] === undefined) continue;
    const checks = (a[WAIVE_ANNOTATION] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    out.push({ doc, checks, reason: (a[WAIVE_REASON_ANNOTATION] ?? '').trim(), used: 0 });
  }
  return out;
}

/** Namespaces of the environment explicitly exempted from PSS restricted, with their reasons. */
function pssExemptions(index: PolicyIndex): Map<string, string> {
  const out = new Map<string, string>();
  for (const ns of index.ofKind('Namespace')) {
    const reason = annotationsOf(ns)[PSS_EXEMPTION_REASON_ANNOTATION];
    if (labelsOf(ns)[PSA_ENFORCE_LABEL] === 'privileged' && reason !== undefined && reason.trim() !== '') out.set(nameOf(ns), reason.trim());
  }
  return out;
}

function compare(a: PolicyViolation, b: PolicyViolation): number {
  return a.resource < b.resource
    ? -1
    : a.resource > b.resource
      ? 1
      : a.checkId < b.checkId
        ? -1
        : a.checkId > b.checkId
          ? 1
          : a.field < b.field
            ? -1
            : a.field > b.field
              ? 1
              : 0;
}

/**
 * Runs every check over one environment's documents. Violations on a resource that waives the check (with a
 * reason) become waived; host-access violations of pods in a namespace exempted from PSS become exemptions.
 * Cost is linear in the number of documents (see {@link PolicyIndex}).
 */
export function evaluatePolicies(env: EnvironmentOutput, checks: readonly PolicyCheck[] = POLICY_CHECKS): PolicyEvaluation {
  const index = PolicyIndex.of(env);
  const ctx: PolicyContext = {
    environment: env.name,
    profile: env.profile,
    index,
    get addOns() {
      return addOnsOfOutput(env).addOns;
    },
  };
  const waivers = parseWaivers(env.documents);
  const waiverByDoc = new Map(waivers.map((w) => [w.doc, w]));
  const exemptNamespaces = pssExemptions(index);
  const all = [...checks, waiverCheck(new Set(checks.map((c) => c.id)), waivers)];

  const violations: PolicyViolation[] = [];
  const waived: WaivedViolation[] = [];
  const exempted = new Map<string, PolicyViolation[]>();
  const outcomes: CheckOutcome[] = [];
  for (const check of all) {
    const skipped = check.skipReason?.(ctx);
    if (skipped !== undefined) {
      outcomes.push({ check, skipped, violations: 0, waived: 0, exempted: 0 });
      continue;
    }
    let nViolations = 0;
    let nWaived = 0;
    let nExempted = 0;
    for (const f of check.run(ctx)) {
      const v: PolicyViolation = {
        checkId: check.id,
        severity: check.severity,
        resource: f.doc.id,
        field: f.field,
        message: f.message,
        text: `${f.doc.id}: ${f.field}: ${f.message} [${check.id}]`,
      };
      const ns = namespaceOf(f.doc);
      const waiver = check.id === WAIVER_CHECK_ID ? undefined : waiverByDoc.get(f.doc);
      if (check.exemptible && exemptNamespaces.has(ns)) {
        const list = exempted.get(ns) ?? [];
        list.push(v);
        exempted.set(ns, list);
        nExempted++;
      } else if (waiver && waiver.reason !== '' && waiver.checks.includes(check.id)) {
        waiver.used++;
        waived.push({ ...v, reason: waiver.reason });
        nWaived++;
      } else {
        violations.push(v);
        nViolations++;
      }
    }
    outcomes.push({ check, violations: nViolations, waived: nWaived, exempted: nExempted });
  }

  return {
    environment: env.name,
    directory: env.directory,
    enforced: env.profile.enforcePolicies,
    resourcesChecked: env.documents.length,
    podTemplatesChecked: index.pods.length,
    checks: outcomes,
    violations: violations.sort(compare),
    waived: waived.sort(compare),
    waivers: waivers
      .map((w) => ({ resource: w.doc.id, checks: w.checks, reason: w.reason, used: w.used }))
      .sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0)),
    exemptions: [...exemptNamespaces.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([namespace, reason]) => ({ namespace, reason, violations: (exempted.get(namespace) ?? []).sort(compare) })),
    // Undeclared ones fail synth where the add-on's values are checked.
    ...(ownsAddOns(env) ? { clusterAdmin: clusterAdminBindingsOfOutput(env).filter((b) => b.declared !== undefined) } : {}),
  };
}
