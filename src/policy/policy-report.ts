import { PSA_ENFORCE_LABEL, PSS_EXEMPTION_REASON_ANNOTATION } from './network-checks';
import { CheckOutcome, PolicyEvaluation, PolicyViolation, WAIVE_ANNOTATION, WAIVE_REASON_ANNOTATION } from './policy-engine';

/** A markdown table cell: pipes escaped, line breaks flattened. */
function cell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function code(s: string): string {
  return `\`${s.replace(/`/g, "'")}\``;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

function result(o: CheckOutcome): string {
  if (o.skipped !== undefined) return `skipped: ${o.skipped}`;
  const extra = [o.waived ? `${o.waived} waived` : '', o.exempted ? `${o.exempted} exempted` : ''].filter((x) => x).join(', ');
  const head = o.violations === 0 ? 'pass' : `**${o.violations} violation(s)**`;
  return extra ? `${head} (${extra})` : head;
}

function violationRows(vs: readonly PolicyViolation[]): string[][] {
  return vs.map((v) => [v.severity, code(v.checkId), code(v.resource), code(v.field), v.message]);
}

/**
 * Renders `dist/<env>/POLICY.md`: summary, violations, waivers, documented PSS exemptions, the result of every
 * check and the coverage table. Deterministic: the evaluation is already sorted.
 */
export function renderPolicyReport(e: PolicyEvaluation): string {
  const ran = e.checks.filter((c) => c.skipped === undefined).length;
  const exempted = e.exemptions.reduce((n, x) => n + x.violations.length, 0);
  const lines: string[] = [
    `# Policy report: ${e.environment}`,
    '',
    'Written by the policy gate at every synth, after schema validation. ' +
      (e.enforced
        ? 'Policies are **enforced** in this environment: any violation fails synth and nothing is written.'
        : 'Policies are **not enforced** in this environment: violations are printed as warnings and listed below.'),
    '',
    ...table(
      ['Summary', ''],
      [
        ['Checks run', `${ran} of ${e.checks.length}${ran < e.checks.length ? ` (${e.checks.length - ran} skipped)` : ''}`],
        ['Resources checked', `${e.resourcesChecked} (${e.podTemplatesChecked} pod templates)`],
        ['Violations', String(e.violations.length)],
        ['Waived violations', `${e.waived.length} (${e.waivers.length} waiver annotation(s))`],
        ['Exempted violations', `${exempted} (${e.exemptions.length} namespace(s) exempted from PSS restricted)`],
      ],
    ),
    '',
    '## Violations',
    '',
  ];
  if (e.violations.length === 0) lines.push('None.');
  else lines.push(...table(['Severity', 'Check', 'Resource', 'Field', 'Problem'], violationRows(e.violations)));

  lines.push('', '## Waivers', '');
  if (e.waivers.length === 0) {
    lines.push('None.');
  } else {
    lines.push(
      ...table(
        ['Resource', 'Checks', 'Reason', 'Violations waived'],
        e.waivers.map((w) => [
          code(w.resource),
          w.checks.map(code).join(', ') || '(none)',
          w.reason || '(missing)',
          w.used === 0 ? '0 (stale: remove it)' : String(w.used),
        ]),
      ),
    );
    if (e.waived.length > 0) lines.push('', ...table(['Severity', 'Check', 'Resource', 'Field', 'Waived problem'], violationRows(e.waived)));
  }

  lines.push('', '## Documented exemptions from PSS restricted', '');
  if (e.exemptions.length === 0) {
    lines.push('None.');
  } else {
    for (const x of e.exemptions) {
      lines.push(`### Namespace ${code(x.namespace)}`, '', `Reason: ${x.reason}`, '');
      if (x.violations.length === 0) lines.push('No host-access violation is covered by this exemption.');
      else lines.push(...table(['Severity', 'Check', 'Resource', 'Field', 'Exempted problem'], violationRows(x.violations)));
      lines.push('');
    }
    lines.pop();
  }

  if (e.clusterAdmin === undefined) {
    // A delivery chart's report: the environment's own report lists its add-ons' bindings.
  } else if (e.clusterAdmin.length === 0) {
    lines.push('', '## Declared cluster-admin bindings of add-ons', '');
    lines.push("None: no add-on's chart binds the built-in ClusterRole `cluster-admin`.");
  } else {
    lines.push('', '## Declared cluster-admin bindings of add-ons', '');
    lines.push(
      "Bindings in the add-ons' charts (not in dist/), kept on purpose; `rbac-no-cluster-admin` refuses any other binding of `cluster-admin`, and synth refuses an add-on whose values bind it without a declared reason.",
      '',
    );
    lines.push(
      ...table(
        ['Add-on', 'Subject', 'Values', 'Reason'],
        e.clusterAdmin.map((b) => [b.addOn, b.declared!.subject, b.paths.map((p) => code(`values.${p.path}`)).join(', '), b.declared!.reason]),
      ),
    );
  }

  lines.push('', '## Checks', '');
  lines.push(
    ...table(
      ['Check', 'Severity', 'Result', 'Why', 'Source'],
      e.checks.map((o) => [code(o.check.id), o.check.severity, result(o), o.check.rationale, o.check.docs]),
    ),
  );

  lines.push('', '## Coverage', '', 'Our checks mapped to the Pod Security Standards controls and to the kube-score and Polaris checks they cover.', '');
  lines.push(
    ...table(
      ['Check', 'PSS control', 'kube-score', 'Polaris'],
      e.checks.map((o) => [
        code(o.check.id),
        o.check.coverage.pss ?? '-',
        (o.check.coverage.kubeScore ?? []).join(', ') || '-',
        (o.check.coverage.polaris ?? []).join(', ') || '-',
      ]),
    ),
  );

  lines.push(
    '',
    '## Waiving a check',
    '',
    `Annotate the resource with ${code(`${WAIVE_ANNOTATION}: "<check-id>[,<check-id>]"`)} and ${code(`${WAIVE_REASON_ANNOTATION}: "<why>"`)}. ` +
      'A waiver without a reason, or naming an unknown check, is itself a violation. ' +
      `A namespace labelled ${code(`${PSA_ENFORCE_LABEL}: privileged`)} with annotation ${code(PSS_EXEMPTION_REASON_ANNOTATION)} exempts its pods from the host-access checks; those are listed above.`,
    '',
  );
  return lines.join('\n');
}
