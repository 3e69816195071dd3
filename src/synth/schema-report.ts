/**
 * Writes `<env>/VALIDATION.md`: which CRD validation rules (CEL) synth enforced on the environment's kinds, which
 * it skipped because they only run on update (transition rules), and which it cannot evaluate. A rule that cannot
 * be evaluated is never silently passed: it is listed here and synth prints a warning naming the environment.
 */
import { RuleEntry, ruleInventory } from './schema-cel';
import { SchemaRegistry } from './schema-registry';
import { CheckResult, EnvironmentOutput, SynthContext, SynthPlugin } from './synthesizer';

/** The validation-rule facts of one emitted CRD kind. */
export interface KindRules {
  /** `apiVersion/kind`, e.g. `gateway.networking.k8s.io/v1/HTTPRoute`. */
  readonly kind: string;
  readonly documents: number;
  readonly rules: readonly RuleEntry[];
}

/**
 * The CRD kinds an environment emits with their rules, sorted by apiVersion/kind (deterministic). The rules come from
 * `ctx.ruleInventory` where synth has them (its worker thread lists them while it validates), else from the schemas.
 */
export function environmentRules(env: EnvironmentOutput, registry: SchemaRegistry = SchemaRegistry.default(), ctx?: SynthContext): KindRules[] {
  const counts = new Map<string, number>();
  for (const d of env.documents) {
    const key = `${d.object.apiVersion}/${d.object.kind}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const out: KindRules[] = [];
  for (const key of [...counts.keys()].sort()) {
    const slash = key.lastIndexOf('/');
    const info = registry.lookup(key.slice(0, slash), key.slice(slash + 1));
    if (!info?.structural) continue; // Kubernetes 1.27 core kinds carry no CEL rules
    const rules = (registry === SchemaRegistry.default() ? ctx?.ruleInventory?.(key) : undefined) ?? ruleInventory(info.schema);
    out.push({ kind: key, documents: counts.get(key)!, rules });
  }
  return out;
}

/** A value inside a Markdown table cell, as inline code. */
function code(s: string): string {
  const text = s.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

function cell(s: string | undefined): string {
  return (s ?? '').replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

function ruleTable(rows: { kind: string; entry: RuleEntry }[], withNote: boolean): string[] {
  const lines = [
    withNote ? '| kind | path | rule | message | why |' : '| kind | path | rule | message |',
    withNote ? '|---|---|---|---|---|' : '|---|---|---|---|',
  ];
  for (const { kind, entry } of rows) {
    const base = `| ${kind} | ${code(entry.path)} | ${code(entry.rule)} | ${cell(entry.message)} |`;
    lines.push(withNote ? `${base} ${cell(entry.note)} |` : base);
  }
  return lines;
}

/** The report's Markdown. */
export function renderValidationReport(env: EnvironmentOutput, kinds: readonly KindRules[]): string {
  const count = (k: KindRules, s: RuleEntry['status']) => k.rules.filter((r) => r.status === s).length;
  const lines = [
    `# Validation rules: ${env.name}`,
    '',
    'Written at every synth. Every document was checked against the schema of its kind (Kubernetes 1.27 or the',
    'vendored CRD version): types, required fields, enums, patterns, unique list entries (`x-kubernetes-list-type`',
    '`set` and `map`) and the CRD validation rules (`x-kubernetes-validations`, CEL) that the API server evaluates',
    "when the object is created. A broken rule fails synth with the rule's message and the field path.",
    '',
    '| CRD kind | documents | rules enforced | transition rules (update only) | rules not evaluable |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const k of kinds) {
    lines.push(`| ${k.kind} | ${k.documents} | ${count(k, 'enforced')} | ${count(k, 'transition')} | ${count(k, 'unsupported')} |`);
  }
  if (kinds.length === 0) lines.push('| (no CRD kinds) | 0 | 0 | 0 | 0 |');
  const pick = (s: RuleEntry['status']) => kinds.flatMap((k) => k.rules.filter((r) => r.status === s).map((entry) => ({ kind: k.kind, entry })));
  const transition = pick('transition');
  const unsupported = pick('unsupported');
  lines.push('', '## Transition rules (not applied at create)', '');
  if (transition.length === 0) {
    lines.push('None.');
  } else {
    lines.push(
      'These compare an update with the stored object (`oldSelf`), so they cannot fail when the object is',
      'created. Keep the fields they guard unchanged across releases (for example, never edit an immutable selector).',
      '',
    );
    lines.push(...ruleTable(transition, false));
  }
  lines.push('', '## Rules synth cannot evaluate', '');
  if (unsupported.length === 0) {
    lines.push('None: every other rule of the kinds above is evaluated wherever its field is present.');
  } else {
    lines.push(
      'The API server still enforces these at apply; synth did not check them. Check these fields by hand or',
      'extend the evaluator (src/synth/schema-cel.ts).',
      '',
    );
    lines.push(...ruleTable(unsupported, true));
  }
  return lines.join('\n') + '\n';
}

/** The synth plugin: `<env>/VALIDATION.md` for every environment, and a warning when a rule cannot be evaluated. */
export function validationReportPlugin(registry?: SchemaRegistry): SynthPlugin {
  const cache = new WeakMap<EnvironmentOutput, KindRules[]>();
  const rulesOf = (env: EnvironmentOutput, ctx: SynthContext): KindRules[] => {
    let k = cache.get(env);
    if (!k) {
      k = environmentRules(env, registry, ctx);
      cache.set(env, k);
    }
    return k;
  };
  return {
    name: 'validation-report',
    // The rules of each kind come from synth's worker, which lists them as it validates: read them last.
    checkLast: true,
    check(env, ctx): CheckResult {
      const n = rulesOf(env, ctx).reduce((sum, k) => sum + k.rules.filter((r) => r.status === 'unsupported').length, 0);
      const warnings =
        n > 0
          ? [`${env.name}: ${n} CRD validation rule(s) of emitted kinds cannot be evaluated at synth; they are listed in ${env.directory}/VALIDATION.md`]
          : [];
      return { errors: [], warnings };
    },
    files(env, ctx) {
      return { [`${env.directory}/VALIDATION.md`]: renderValidationReport(env, rulesOf(env, ctx)) };
    },
  };
}
