/**
 * The policy gate's and the tenancy checks' results reused from an earlier synth (src/synth/result-memo.ts): the key
 * covers everything the library's checks read, a recorded result is used only under the same key, and checks of your
 * own always run.
 */
import { describe, expect, it } from 'vitest';
import { EnvironmentOutput, ImagePolicy } from '../../src';
import { POLICY_CHECKS, policyPlugin } from '../../src/policy';
import { policyInputsKey } from '../../src/policy/policy-plugin';
import { tenancyChecksPlugin } from '../../src/tenancy';
import { memoContext, referenceEnvironment } from '../helpers';

describe('the policy gate and tenancy results', () => {
  it('GIVEN the inputs of the policy gate THEN the key changes with a document, the profile, what the cluster provides or the folder, and is undefined when a digest is unknown or the profile holds code', () => {
    const prod = referenceEnvironment('production');
    const ctx = memoContext();
    const key = policyInputsKey(prod, ctx)!;
    expect(key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(policyInputsKey({ ...prod }, ctx)).toBe(key);
    const p = prod.profile;
    const variants: [string, EnvironmentOutput][] = [
      ['a document', { ...prod, documents: prod.documents.slice(1) }],
      ['the image policy', { ...prod, profile: { ...p, imagePolicy: p.imagePolicy.requireDigest ? ImagePolicy.pinnedTag() : ImagePolicy.digestOnly() } }],
      ['the TLS issuer', { ...prod, profile: { ...p, tlsIssuer: 'another-issuer' } }],
      ['a provided object', { ...prod, profile: { ...p, clusterProvides: { ...p.clusterProvides, objects: ['Secret/apps/extra'] } } }],
      ['the folder', { ...prod, directory: 'elsewhere' }],
    ];
    for (const [what, changed] of variants) expect(policyInputsKey(changed, ctx), what).not.toBe(key);
    expect(policyInputsKey(prod, memoContext(new Map(), prod.documents[3]!.object))).toBeUndefined();
    expect(policyInputsKey({ ...prod, profile: { ...p, hook: () => 'x' } as typeof p }, ctx)).toBeUndefined();
    expect(policyInputsKey(prod, { outdir: '/nonexistent' })).toBeUndefined();
  });

  it('GIVEN a recorded outcome under the key THEN the gate uses it; a damaged one is computed again as without a memo; checks of your own never read it', () => {
    const prod = referenceEnvironment('production');
    const plain = policyPlugin();
    const expected = { result: plain.check!(prod, { outdir: '/nonexistent' }), files: plain.files!(prod, { outdir: '/nonexistent' }) };
    expect(expected.files['production/POLICY.md']).toContain('# Policy report');

    const ctx = memoContext();
    const first = policyPlugin();
    expect({ result: first.check!(prod, ctx), files: first.files!(prod, ctx) }).toEqual(expected);
    expect(ctx.log).toEqual(['get miss', 'set']);
    const key = policyInputsKey(prod, ctx)!;
    expect([...ctx.recorded.keys()]).toEqual([key]);

    const again = memoContext(new Map([[key, { errors: ['recorded'], warnings: [], report: 'recorded report' }]]));
    const second = policyPlugin();
    expect(second.check!(prod, again)).toEqual({ errors: ['recorded'], warnings: [] });
    expect(second.files!(prod, again)).toEqual({ 'production/POLICY.md': 'recorded report' });
    expect(again.log).toEqual(['get hit']);

    const damaged = memoContext(new Map([[key, { errors: 'not a list', warnings: [], report: '' }]]));
    const third = policyPlugin();
    expect({ result: third.check!(prod, damaged), files: third.files!(prod, damaged) }).toEqual(expected);

    const own = memoContext(new Map([[key, { errors: ['recorded'], warnings: [], report: 'recorded report' }]]));
    expect(policyPlugin({ checks: [...POLICY_CHECKS] }).check!(prod, own)).toEqual(expected.result);
    expect(own.log).toEqual([]);
  });

  it('GIVEN a recorded tenancy result under the same inputs THEN it is used; another document, connection or pod CIDR computes it again', () => {
    const prod = referenceEnvironment('production');
    const plugin = tenancyChecksPlugin();
    const expected = plugin.check!(prod, { outdir: '/nonexistent' });
    const ctx = memoContext();
    expect(plugin.check!(prod, ctx)).toEqual(expected);
    expect(ctx.log).toEqual(['get miss', 'set']);
    const [key] = [...ctx.recorded.keys()];
    const recorded = memoContext(new Map([[key!, ['production: recorded']]]));
    expect(plugin.check!(prod, recorded)).toEqual({ errors: ['production: recorded'], warnings: [] });
    const changed: EnvironmentOutput[] = [
      { ...prod, documents: prod.documents.slice(1) },
      { ...prod, connections: prod.connections!.slice(1) },
      { ...prod, profile: { ...prod.profile, cluster: { ...prod.profile.cluster, podCidrs: ['10.0.0.0/8'] } } },
    ];
    for (const c of changed) {
      const seen = memoContext(new Map([[key!, ['production: recorded']]]));
      expect(plugin.check!(c, seen).errors).not.toContain('production: recorded');
      expect(seen.log).toEqual(['get miss', 'set']);
    }
  });
});
