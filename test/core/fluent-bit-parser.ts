/**
 * A small reader of Fluent Bit's classic configuration format, as Fluent Bit reads it (src/config_format/
 * flb_cf_fluentbit.c): `[SECTION]` lines, `Key value` lines (the value is the rest of the line, trimmed), `#` comments,
 * `@INCLUDE` / `@SET` directives, and `${VAR}` expanded in values. Used to prove what the generated files mean.
 */
export interface ParsedSection {
  readonly name: string;
  readonly entries: Array<[string, string]>;
}

export interface ParsedFluentBit {
  readonly sections: ParsedSection[];
  /** `@INCLUDE` / `@SET` lines (a generated file has none). */
  readonly directives: string[];
  /** Environment variables a value expands (`${NAME}`), in order. */
  readonly expansions: string[];
}

export function parseFluentBit(text: string): ParsedFluentBit {
  const sections: ParsedSection[] = [];
  const directives: string[] = [];
  const expansions: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('@')) {
      directives.push(line);
      continue;
    }
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      sections.push({ name: header[1].trim().toUpperCase(), entries: [] });
      continue;
    }
    if (sections.length === 0) throw new Error(`entry outside a section: ${raw}`);
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`entry without a value: ${raw}`);
    for (const e of m[2].matchAll(/\$\{([^}]*)\}/g)) expansions.push(e[1]);
    sections[sections.length - 1].entries.push([m[1], m[2].trim()]);
  }
  return { sections, directives, expansions };
}
