import type { AddOn } from '../addons/add-on';
import { EnvironmentProfile } from '../core/environment-profile';
import { SynthDocument } from '../synth/synthesizer';
import { PolicyIndex } from './policy-index';

/** How bad a violation is; printed in the report (every violation fails synth where policies are enforced). */
export type PolicySeverity = 'critical' | 'high' | 'medium' | 'low';

/** Names of the same rule in the standards and tools users know, for the coverage table. */
export interface PolicyCoverage {
  /** Pod Security Standards control (with its level). */
  readonly pss?: string;
  /** kube-score check names. */
  readonly kubeScore?: readonly string[];
  /** Polaris check names. */
  readonly polaris?: readonly string[];
}

/** One problem a check found on one resource. */
export interface PolicyFinding {
  readonly doc: SynthDocument;
  /** Field path inside the resource, e.g. `spec.template.spec.containers[0].image`. */
  readonly field: string;
  readonly message: string;
}

/** What a check sees: the environment, its profile and the indexed documents. */
export interface PolicyContext {
  readonly environment: string;
  readonly profile: EnvironmentProfile;
  readonly index: PolicyIndex;
  /** The environment's add-ons (listed in the profile, or derived from what it uses). */
  readonly addOns: readonly AddOn[];
}

/** A policy check: metadata for the report plus the rule itself. */
export interface PolicyCheck {
  /** Stable id, used in messages and waivers (e.g. `pss-run-as-non-root`). */
  readonly id: string;
  readonly severity: PolicySeverity;
  /** Why the rule exists, one line. */
  readonly rationale: string;
  /** Where the rule comes from. */
  readonly docs: string;
  readonly coverage: PolicyCoverage;
  /**
   * A namespace explicitly exempted from PSS restricted (see `pss-exemption`) turns violations of this check
   * into documented exemptions. Only host-access controls are exemptible.
   */
  readonly exemptible?: boolean;
  /**
   * Violations fail synth in every environment, also where the profile only reports policies (a dangling
   * reference never works, whatever the environment). @default false
   */
  readonly alwaysEnforced?: boolean;
  /** Why the check does not apply to this environment (e.g. the profile allows any tag); undefined when it runs. */
  skipReason?(ctx: PolicyContext): string | undefined;
  /** Every violation in the environment. */
  run(ctx: PolicyContext): PolicyFinding[];
}
