/** JSON documents (request bodies, roles.yml, dashboards): built as data and serialized here, never concatenated. */

/** `value` as JSON text; `indent` spaces per level (none: one line). */
export function jsonText(value: unknown, indent?: number): string {
  const s = JSON.stringify(value, null, indent);
  if (s === undefined) throw new Error('not representable as JSON');
  return s;
}
