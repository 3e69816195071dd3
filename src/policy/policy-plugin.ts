import { clusterAdminBindingsOfOutput } from '../addons/cluster-add-ons';
import { addOnsOfOutput, ownsAddOns } from '../addons/resolution';
import { compareText } from '../core/order';
import { documentsDigest, isStringList, keyData, memoKey, recall } from '../synth/result-memo';
import { CheckResult, EnvironmentOutput, SynthContext, SynthPlugin } from '../synth/synthesizer';
import { POLICY_CHECKS, evaluatePolicies } from './policy-engine';
import { providedObjects } from './reference-checks';
import { renderPolicyReport } from './policy-report';
import { PolicyCheck } from './types';

/** File name of the report written next to an environment's manifests. */
export const POLICY_REPORT_FILE = 'POLICY.md';

export interface PolicyPluginOptions {
  /** The checks to run. @default POLICY_CHECKS (all of them) */
  readonly checks?: readonly PolicyCheck[];
}

/** What synth reads of an environment's policy evaluation: the messages (by severity) and POLICY.md. */
interface PolicyOutcome {
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  readonly report: string;
}

function isOutcome(v: unknown): v is PolicyOutcome {
  const o = v as Partial<Record<keyof PolicyOutcome, unknown>> | null;
  return o !== null && typeof o === 'object' && isStringList(o.errors) && isStringList(o.warnings) && typeof o.report === 'string';
}

/**
 * The key of everything the library's checks read (src/synth/result-memo.ts): the documents by their YAML digests, the
 * profile, what the profile and the add-ons say the cluster provides, the cluster-admin bindings the add-ons declare,
 * whether the folder reports on add-ons, and the environment and folder names. The checks see the add-ons only through
 * what they provide and declare, so the profile's `addOns` (which hold code) are in the key that way. Undefined where
 * a digest is not known or a value is not data ({@link keyData}): the checks then run.
 * @internal
 */
export function policyInputsKey(env: EnvironmentOutput, ctx: SynthContext | undefined): string | undefined {
  const documents = documentsDigest(env.documents, ctx);
  if (documents === undefined) return undefined;
  const profile = keyData({ ...env.profile, addOns: undefined });
  const clusterAdmin = keyData(clusterAdminBindingsOfOutput(env).filter((b) => b.declared !== undefined));
  if (profile === undefined || clusterAdmin === undefined) return undefined;
  const provided = [...providedObjects(env.profile, addOnsOfOutput(env).addOns)].sort(compareText);
  return memoKey('policy gate', env.name, env.directory, profile, provided, ownsAddOns(env), clusterAdmin, documents);
}

/**
 * The policy gate as a synth plugin: `check` fails synth on any violation where the profile enforces policies
 * (warnings elsewhere); `files` writes `<env>/POLICY.md`. Each environment is evaluated once, or not at all when an
 * earlier successful synth evaluated the same inputs with the library's own checks ({@link policyInputsKey}; checks of
 * your own always run).
 */
export function policyPlugin(options: PolicyPluginOptions = {}): SynthPlugin {
  const checks = options.checks ?? POLICY_CHECKS;
  const always = new Set(checks.filter((c) => c.alwaysEnforced).map((c) => c.id));
  const cache = new WeakMap<EnvironmentOutput, PolicyOutcome>();
  const evaluate = (env: EnvironmentOutput): PolicyOutcome => {
    const e = evaluatePolicies(env, checks);
    return {
      errors: e.violations.filter((v) => e.enforced || always.has(v.checkId)).map((v) => `policy: ${v.text}`),
      warnings: e.violations.filter((v) => !e.enforced && !always.has(v.checkId)).map((v) => `policy: ${v.text}`),
      report: renderPolicyReport(e),
    };
  };
  const outcome = (env: EnvironmentOutput, ctx: SynthContext | undefined): PolicyOutcome => {
    let o = cache.get(env);
    if (!o) {
      const key = checks === POLICY_CHECKS ? policyInputsKey(env, ctx) : undefined;
      o = recall(ctx?.memo, key, isOutcome, () => evaluate(env));
      cache.set(env, o);
    }
    return o;
  };
  return {
    name: 'policy',
    // The literal secret check reads what synth's worker found in each document: run after the other plugins, which
    // then do their work while the worker finishes (the results are still reported in plugin order).
    checkLast: true,
    check(env, ctx): CheckResult {
      const o = outcome(env, ctx);
      return { errors: o.errors, warnings: o.warnings };
    },
    files(env, ctx) {
      return { [`${env.directory}/${POLICY_REPORT_FILE}`]: outcome(env, ctx).report };
    },
  };
}
