/**
 * Requires: every object of a kind an add-on serves needs that add-on in the environment's `profile.addOns`
 * (derived from the kind table, so no construct can forget to declare it), and constructs may require an add-on
 * feature explicitly (`requireAddOn`). A missing add-on fails synth naming the construct and the add-on.
 */
import { IConstruct } from 'constructs';
import { EnvironmentChart } from '../core/environment-chart';
import { CheckResult, EnvironmentOutput, SynthPlugin } from '../synth/synthesizer';
import { AddOn } from './add-on';
import { groupOf, kindServer } from './kinds';
import { addOnsOfOutput, environmentAddOns, recordAddOnUse } from './resolution';

/** The construct that emitted a document: its source path without the object's own id. */
function emitterOf(source: string): string {
  const i = source.lastIndexOf('/');
  return i > 0 ? source.slice(0, i) : source;
}

/**
 * The kinds of one environment's documents checked against its add-ons (listed in `profile.addOns`, or derived) and
 * `profile.clusterProvides.kinds`.
 */
export function addOnRequirementProblems(env: EnvironmentOutput): string[] {
  const { addOns } = addOnsOfOutput(env);
  const enabled = new Set(addOns.map((a) => a.name));
  const provided = new Set(env.profile.clusterProvides?.kinds ?? []);
  const out = new Set<string>();
  for (const d of env.documents) {
    const apiVersion = String(d.object.apiVersion ?? '');
    const kind = String(d.object.kind ?? '');
    const server = kindServer(apiVersion, kind);
    const gk = `${groupOf(apiVersion)}/${kind}`;
    if (provided.has(gk)) continue;
    if (server.by === 'add-on' && !enabled.has(server.addOn)) {
      out.add(`${emitterOf(d.source)}: ${kind} needs the ${server.addOn} add-on; enable it in the profile's addOns`);
    } else if (server.by === 'nobody') {
      out.add(
        `${emitterOf(d.source)}: ${kind} (${apiVersion}) is served by no add-on of this library; add its add-on, or declare "${gk}" in profile.clusterProvides.kinds if the cluster serves it`,
      );
    }
  }
  return [...out].sort();
}

/** The synth check of add-on requirements (errors in every environment: an unserved kind never applies). */
export function addOnRequirementsPlugin(): SynthPlugin {
  return {
    name: 'add-on-requirements',
    check(env): CheckResult {
      return { errors: addOnRequirementProblems(env), warnings: [] };
    },
  };
}

/**
 * Declares that `scope` needs the add-on `name` (and, with `check`, a feature of it: return why it is missing, or
 * undefined). An environment without `profile.addOns` derives the add-on (with its default options, so a feature
 * its options enable must be listed); synth checks the environment's add-ons either way.
 */
export function requireAddOn(scope: IConstruct, name: string, what: string, check?: (addOn: AddOn) => string | undefined): void {
  recordAddOnUse(scope, name);
  scope.node.addValidation({
    validate: () => {
      const { addOns } = environmentAddOns(EnvironmentChart.of(scope));
      const a = addOns.find((x) => x.name === name);
      if (!a) return [`${what} needs the ${name} add-on; enable it in the profile's addOns`];
      const missing = check?.(a);
      return missing === undefined ? [] : [`${what} needs the ${name} add-on ${missing}`];
    },
  });
}
