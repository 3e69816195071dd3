/** Renders {@link EnvironmentDiff}s as Markdown for a pull-request comment. */
import { AddOnVersionChange } from './add-on-versions';
import { EnvironmentDiff, ResourceChange } from './manifest-diff';
import { PROTECTED_KINDS } from '../synth/plugins/prune-guard';

export interface DiffReportOptions {
  /** Title line (e.g. `Rendered manifests: origin/main → this branch`). */
  readonly title?: string;
  /**
   * Field changes listed per resource before the rest is summarized (keeps comments under host limits).
   * @default MAX_FIELDS_PER_RESOURCE (25)
   */
  readonly maxFieldsPerResource?: number;
  /** Chart versions of add-ons that changed: one line each, above the resources. @default none */
  readonly addOnVersions?: readonly AddOnVersionChange[];
}

/** The add-on upgrades as Markdown lines (empty without changes). */
export function renderAddOnVersions(changes: readonly AddOnVersionChange[]): string[] {
  if (changes.length === 0) return [];
  const v = (x: string | undefined) => (x === undefined ? '_(none)_' : `\`${x}\``);
  return [
    '#### Add-on versions',
    '',
    ...changes.map(
      (c) =>
        `- ${c.environment}: **${c.addOn}** ${v(c.before)} → ${v(c.after)}${c.before === undefined ? ' (new)' : c.after === undefined ? ' (removed; its CRDs stay)' : ''}`,
    ),
    '',
  ];
}

export const MAX_FIELDS_PER_RESOURCE = 25;
const MAX_VALUE = 80;

/** A value as inline code, compact and cut; `(absent)` for undefined. */
export function showDiffValue(v: unknown): string {
  if (v === undefined) return '_(absent)_';
  let s = typeof v === 'string' ? v : JSON.stringify(v);
  if (s.length > MAX_VALUE) s = `${s.slice(0, MAX_VALUE - 3)}...`;
  return `\`${s.replace(/`/g, "'").replace(/\n/g, '\\n')}\``;
}

function ref(r: ResourceChange): string {
  const warn = PROTECTED_KINDS.includes(r.kind) ? ' ⚠️ holds data' : '';
  return `\`${r.kind}\` \`${r.namespace}/${r.name}\`${warn}`;
}

/** The whole report; says so plainly when nothing changed. */
export function renderDiffReport(diffs: readonly EnvironmentDiff[], options: DiffReportOptions = {}): string {
  const max = options.maxFieldsPerResource ?? MAX_FIELDS_PER_RESOURCE;
  const lines: string[] = [`### ${options.title ?? 'Rendered manifests diff'}`, ''];
  if (diffs.length === 0) {
    lines.push('No changes to the rendered manifests.', '');
    return lines.join('\n');
  }
  lines.push('| Environment | Added | Removed | Changed |', '| --- | ---: | ---: | ---: |');
  for (const d of diffs) lines.push(`| ${d.environment} | ${d.added.length} | ${d.removed.length} | ${d.changed.length} |`);
  lines.push('', ...renderAddOnVersions(options.addOnVersions ?? []));
  for (const d of diffs) {
    lines.push(`#### ${d.environment}`, '');
    if (d.added.length > 0) lines.push('**Added**', '', ...d.added.map((r) => `- ${ref(r)}`), '');
    if (d.removed.length > 0) lines.push('**Removed**', '', ...d.removed.map((r) => `- ${ref(r)}`), '');
    if (d.changed.length > 0) {
      lines.push('**Changed**', '');
      for (const r of d.changed) {
        lines.push(`- ${ref(r)}`);
        for (const f of r.fields.slice(0, max)) lines.push(`  - \`${f.path}\`: ${showDiffValue(f.before)} → ${showDiffValue(f.after)}`);
        if (r.fields.length > max) lines.push(`  - … and ${r.fields.length - max} more field(s)`);
      }
      lines.push('');
    }
  }
  return lines.join('\n');
}
