/**
 * Alertmanager matchers (`name="value"` strings of routes and inhibit rules). The value is a double-quoted string in
 * the matcher grammar: backslash, double quote and line break are escaped; the name is a checked label name.
 */
import { prometheusLabelNameProblem } from '../grammars';

/** `name="value"` as Alertmanager parses it back to exactly `name` and `value`. */
export function alertmanagerMatcher(name: string, value: string): string {
  if (prometheusLabelNameProblem(name) !== undefined) throw new Error(`not a label name: ${JSON.stringify(name)}`);
  return `${name}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}
