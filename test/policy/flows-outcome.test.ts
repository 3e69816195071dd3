/**
 * The flow proof's outcome and its reuse (src/policy/flows/outcome.ts): the key covers everything the proof reads, and
 * a recorded outcome is used only under the same key.
 */
import { describe, expect, it } from 'vitest';
import { EnvironmentOutput, SynthContext, SynthDocument } from '../../src';
import { proveFlows, renderFlowsReport } from '../../src/policy/flows';
import { environmentGraph } from '../../src/policy/flows/graph';
import { flowInputsKey, flowOutcome } from '../../src/policy/flows/outcome';
import { memoContext as context, referenceEnvironment } from '../helpers';

/** `e` without the Kafka pools' NetworkPolicies (flows to the brokers are then blocked). */
function withChangedPolicy(e: EnvironmentOutput): EnvironmentOutput {
  const isKafkaPolicy = (d: SynthDocument) =>
    d.object.kind === 'NetworkPolicy' && d.object.metadata.namespace === 'db-kafka' && String(d.object.metadata.name).startsWith('kafka');
  expect(e.documents.some(isKafkaPolicy)).toBe(true);
  return { ...e, documents: e.documents.filter((d) => !isKafkaPolicy(d)) };
}

describe('the flow proof outcome', () => {
  it('GIVEN the inputs of the proof THEN the key changes with a document, a connection, the cluster facts, the policy mode or the command, and is undefined when a digest is unknown', () => {
    const prod = referenceEnvironment('production');
    const ctx = context();
    const key = flowInputsKey(prod, ctx)!;
    expect(key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(flowInputsKey({ ...prod }, ctx)).toBe(key);
    const variants: [string, EnvironmentOutput, SynthContext][] = [
      ['a NetworkPolicy', withChangedPolicy(prod), ctx],
      ['a connection', { ...prod, connections: prod.connections!.slice(1) }, ctx],
      ['the pod CIDRs', { ...prod, profile: { ...prod.profile, cluster: { ...prod.profile.cluster, podCidrs: ['10.0.0.0/8'] } } }, ctx],
      [
        'the API server',
        { ...prod, profile: { ...prod.profile, cluster: { ...prod.profile.cluster, apiServer: { cidrs: ['10.1.0.1/32'], ports: [443] } } } },
        ctx,
      ],
      ['the policy mode', { ...prod, profile: { ...prod.profile, enforcePolicies: false } }, ctx],
      ['the command', prod, { ...ctx, command: 'npx cdk8s-platform' }],
      ['the folder', { ...prod, directory: 'elsewhere' }, ctx],
    ];
    for (const [what, e, c] of variants) expect(flowInputsKey(e, c), what).not.toBe(key);
    expect(flowInputsKey(prod, context(new Map(), prod.documents[7]!.object))).toBeUndefined();
    expect(flowInputsKey(prod, { outdir: '/nonexistent' })).toBeUndefined();
  });

  it('GIVEN no recorded outcome THEN the proof is computed and recorded; GIVEN the same inputs again THEN the recorded outcome is used, and changed inputs are proved again', () => {
    const prod = referenceEnvironment('production');
    const first = context();
    const outcome = flowOutcome(prod, first);
    const proof = proveFlows(prod);
    expect(outcome).toEqual({
      enforced: true,
      violations: proof.violations,
      report: renderFlowsReport(proof, 'npm run synth'),
      graph: environmentGraph(prod, proof),
    });
    expect(first.log).toEqual(['get miss', 'set']);
    // Another synth of the same output (a new EnvironmentOutput object): the recorded outcome, not a new proof.
    const recorded = new Map([[[...first.recorded.keys()][0]!, { ...outcome, violations: ['recorded'] }]]);
    const second = context(recorded);
    expect(flowOutcome({ ...prod }, second).violations).toEqual(['recorded']);
    expect(second.log).toEqual(['get hit']);
    // A damaged record is not used.
    const damaged = context(new Map([[[...first.recorded.keys()][0]!, { enforced: 'yes' }]]));
    expect(flowOutcome({ ...prod }, damaged).violations).toEqual(proof.violations);
    expect(damaged.log).toEqual(['get hit', 'set']);
    // A changed NetworkPolicy: proved again, with its own verdict.
    const changed = withChangedPolicy(prod);
    const third = context(recorded);
    expect(flowOutcome(changed, third).violations).toEqual(proveFlows(changed).violations);
    expect(proveFlows(changed).violations.length).toBeGreaterThan(0);
    expect(third.log).toEqual(['get miss', 'set']);
  });
});
