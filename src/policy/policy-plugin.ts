import { CheckResult, EnvironmentOutput, SynthPlugin } from '../synth/synthesizer';
import { POLICY_CHECKS, PolicyEvaluation, evaluatePolicies } from './policy-engine';
import { renderPolicyReport } from './policy-report';
import { PolicyCheck } from './types';

/** File name of the report written next to an environment's manifests. */
export const POLICY_REPORT_FILE = 'POLICY.md';

export interface PolicyPluginOptions {
  /** The checks to run. @default POLICY_CHECKS (all of them) */
  readonly checks?: readonly PolicyCheck[];
}

/**
 * The policy gate as a synth plugin: `check` fails synth on any violation where the profile enforces policies
 * (warnings elsewhere); `files` writes `<env>/POLICY.md`. Each environment is evaluated once.
 */
export function policyPlugin(options: PolicyPluginOptions = {}): SynthPlugin {
  const checks = options.checks ?? POLICY_CHECKS;
  const cache = new WeakMap<EnvironmentOutput, PolicyEvaluation>();
  const evaluate = (env: EnvironmentOutput): PolicyEvaluation => {
    let e = cache.get(env);
    if (!e) {
      e = evaluatePolicies(env, checks);
      cache.set(env, e);
    }
    return e;
  };
  return {
    name: 'policy',
    // The literal secret check reads what synth's worker found in each document: run after the other plugins, which
    // then do their work while the worker finishes (the results are still reported in plugin order).
    checkLast: true,
    check(env): CheckResult {
      const e = evaluate(env);
      const always = new Set(checks.filter((c) => c.alwaysEnforced).map((c) => c.id));
      const errors = e.violations.filter((v) => e.enforced || always.has(v.checkId)).map((v) => `policy: ${v.text}`);
      const warnings = e.violations.filter((v) => !e.enforced && !always.has(v.checkId)).map((v) => `policy: ${v.text}`);
      return { errors, warnings };
    },
    files(env) {
      return { [`${env.directory}/${POLICY_REPORT_FILE}`]: renderPolicyReport(evaluate(env)) };
    },
  };
}
