import { clusterVersionPlugin } from '../addons/cluster-version';
import { addOnRequirementsPlugin } from '../addons/requirements';
import { expressionCheckPlugin } from '../policy/expression-checks';
import { flowsPlugin } from '../policy/flows/plugin';
import { policyPlugin } from '../policy/policy-plugin';
import { environmentReadmePlugin } from './plugins/environment-readme';
import { pruneGuard } from './plugins/prune-guard';
import { validationReportPlugin } from './schema-report';
import { SynthPlugin } from './synthesizer';
import { recoveryObjectivesPlugin } from '../datastore/recovery';
import { statefulGuardPlugin } from '../datastore/stateful-guard';
import { tenancyChecksPlugin } from '../tenancy/isolation';

export interface DefaultPluginOptions {
  /**
   * The user passed `--allow-prune`: the prune guard reports protected removals as warnings instead of errors.
   * @default false
   */
  readonly allowPrune?: boolean;
}

/**
 * The plugins every synth runs, in order: checks first (they can stop synth), then reports.
 * Issues add theirs here (policy gate, prune guard, environment README).
 */
export function defaultPlugins(options: DefaultPluginOptions = {}): SynthPlugin[] {
  const allowPrune = options.allowPrune ?? false;
  return [
    addOnRequirementsPlugin(),
    clusterVersionPlugin(),
    expressionCheckPlugin(),
    policyPlugin(),
    flowsPlugin(),
    tenancyChecksPlugin(),
    pruneGuard({ allowPrune }),
    statefulGuardPlugin({ allowPrune }),
    recoveryObjectivesPlugin(),
    environmentReadmePlugin(),
    validationReportPlugin(),
  ];
}
