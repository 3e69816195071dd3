import { synthCommandName } from '../../synth/synthesizer';
import type { CheckResult, EnvironmentOutput, SynthContext, SynthPlugin } from '../../synth/synthesizer';
import { proveFlows } from './proof';
import { FLOWS_REPORT_FILE, renderFlowsReport } from './report';

/**
 * The flow proof as a synth plugin: `check` reports every blocked needed flow (errors where the profile enforces
 * policies, warnings elsewhere); `files` writes `<env>/FLOWS.md` for environment folders (not the GitOps ones).
 */
export function flowsPlugin(): SynthPlugin {
  return {
    name: 'flows',
    check(env: EnvironmentOutput): CheckResult {
      const proof = proveFlows(env);
      return proof.enforced ? { errors: proof.violations, warnings: [] } : { errors: [], warnings: proof.violations };
    },
    files(env: EnvironmentOutput, ctx: SynthContext): Record<string, string> {
      if (env.directory !== env.name) return {};
      return { [`${env.directory}/${FLOWS_REPORT_FILE}`]: renderFlowsReport(proveFlows(env), synthCommandName(ctx)) };
    },
  };
}
