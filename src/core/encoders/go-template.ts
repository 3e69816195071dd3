/**
 * Fixed text inside a Go template (External Secrets' `target.template`, engine v2). Plain text is copied as it is
 * except `{{`, which starts an action; text holding a brace (which could also join the braces of an action next to it)
 * is emitted as a string constant action instead, `{{ "..." }}`, quoted like a Go string.
 */
export function goTemplateText(text: string): string {
  if (!text.includes('{') && !text.includes('}')) return text;
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)) {
    throw new Error(`a Go string cannot hold a lone UTF-16 surrogate: ${JSON.stringify(text)}`);
  }
  // JSON's string escapes (\" \\ \n \uXXXX) are Go's too.
  return `{{ ${JSON.stringify(text)} }}`;
}
