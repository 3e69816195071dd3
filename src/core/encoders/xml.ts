/**
 * XML (ClickHouse's configuration files): text and attribute values escaped, element names checked. XML 1.0 cannot
 * hold most control characters at all, so those are refused.
 */

// eslint-disable-next-line no-control-regex
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Why `s` cannot be XML character data, or undefined. */
export function xmlTextProblem(s: string): string | undefined {
  return XML_FORBIDDEN.test(s) ? 'must not contain control characters XML 1.0 cannot hold' : undefined;
}

/** `s` as element content or an attribute value (quoted with "). */
export function xmlText(s: string): string {
  const p = xmlTextProblem(s);
  if (p !== undefined) throw new Error(`XML text ${JSON.stringify(s)} ${p}`);
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** `s` as an element name (ClickHouse names clusters by element). */
export function xmlName(s: string): string {
  if (!XML_NAME.test(s) || /^xml/i.test(s)) throw new Error(`not an XML element name: ${JSON.stringify(s)}`);
  return s;
}

/** `<name>text</name>` with `text` escaped. */
export function xmlElement(name: string, text: string | number): string {
  return `<${xmlName(name)}>${xmlText(String(text))}</${name}>`;
}
