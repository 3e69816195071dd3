import type { CheckResult, EnvironmentOutput, SynthContext, SynthPlugin } from '../../synth/synthesizer';
import { flowOutcome } from './outcome';
import { FLOWS_REPORT_FILE } from './report';

/**
 * The flow proof as a synth plugin: `check` reports every blocked needed flow (errors where the profile enforces
 * policies, warnings elsewhere); `files` writes `<env>/FLOWS.md` for environment folders (not the GitOps ones). With
 * the verdict cache, the outcome of an environment whose documents, connections and cluster facts are unchanged is
 * reused (src/policy/flows/outcome.ts): it runs with the last checks, once the worker has the documents' digests.
 */
export function flowsPlugin(): SynthPlugin {
  return {
    name: 'flows',
    checkLast: true,
    check(env: EnvironmentOutput, ctx: SynthContext): CheckResult {
      const outcome = flowOutcome(env, ctx);
      return outcome.enforced ? { errors: outcome.violations, warnings: [] } : { errors: [], warnings: outcome.violations };
    },
    files(env: EnvironmentOutput, ctx: SynthContext): Record<string, string> {
      if (env.directory !== env.name) return {};
      return { [`${env.directory}/${FLOWS_REPORT_FILE}`]: flowOutcome(env, ctx).report ?? '' };
    },
  };
}
