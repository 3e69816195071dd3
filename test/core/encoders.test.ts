/**
 * The encoders of src/core/encoders, each against its format's real reader where one runs here: sh for shell words,
 * PostgreSQL for postgresql.conf lines, saxes (a conforming XML parser) for XML, amtool for Alertmanager matchers,
 * js-yaml for YAML, a reader of Fluent Bit's line format for Fluent Bit. Property tests run a fixed seed.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { load } from 'js-yaml';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import {
  alertmanagerMatcher,
  clickhouseString,
  configYaml,
  fluentBitEnvRef,
  fluentBitValueProblem,
  goTemplateText,
  kubernetesExpand,
  kubernetesLiteral,
  objectStoreUrl,
  postgresConfLine,
  postgresParameterNameProblem,
  postgresParameterValueProblem,
  renderFluentBitConfig,
  shellQuote,
  urlPathSegment,
  xmlElement,
  xmlTextProblem,
} from '../../src/core/encoders';
import { endpointProblem, parseObjectStoreUrl, s3BucketProblem } from '../../src/core/grammars';
import { have } from '../real-software';
import { parseFluentBit } from './fluent-bit-parser';

const SEED = 16;
/** Strings a hostile user would try: quotes, expansions, line breaks, template braces, NUL, unicode. */
export const hostileString = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom('$(id)', '`id`', '${IFS}', "'", '"', '\\', '\n', '\r\n', '{{ .password }}', '\0', '${ES_PASSWORD}', '\u2028', '☃', '$$(X)', '$(X'),
    fc
      .array(fc.constantFrom('a', '$', '(', ')', "'", '"', '\\', '\n', '{', '}', ';', '|', '&', ' ', '#', '[', ']', '\u00e9'), { maxLength: 30 })
      .map((a) => a.join('')),
  );

describe('shell and Kubernetes expansion', () => {
  it('GIVEN any string WHEN written as a literal env value THEN the kubelet expands it back to exactly that string', () => {
    fc.assert(
      fc.property(hostileString(), (s) => {
        expect(kubernetesExpand(kubernetesLiteral(s), { X: 'expanded', POD_NAME: 'p' })).toBe(s);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("GIVEN a reference WHEN expanded THEN only defined names are replaced (the kubelet's rule)", () => {
    expect(kubernetesExpand('$(A)-$(B)-$$(A)', { A: 'x' })).toBe('x-$(B)-$(A)');
  });

  it('GIVEN any string without NUL WHEN quoted as a shell word THEN sh prints exactly it', () => {
    fc.assert(
      fc.property(
        hostileString().filter((s) => !s.includes('\0')),
        (s) => {
          const out = execFileSync('sh', ['-c', `printf '%s' ${shellQuote(s)}`]);
          expect(out.toString('utf8')).toBe(Buffer.from(s, 'utf8').toString('utf8'));
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
  });
});

describe('postgresql.conf (as CloudNativePG writes it)', () => {
  const bin = fs.existsSync('/usr/lib/postgresql')
    ? fs
        .readdirSync('/usr/lib/postgresql')
        .map((v) => `/usr/lib/postgresql/${v}/bin`)
        .find((d) => fs.existsSync(path.join(d, 'postgres')))
    : undefined;
  /** What PostgreSQL reads for `name` from a postgresql.conf of `lines` (postgres -C), or its error. */
  const readBack = (lines: string[], name: string): { value?: string; error?: string } => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgconf-'));
    fs.writeFileSync(path.join(dir, 'postgresql.conf'), `${lines.join('\n')}\n`);
    const root = process.getuid?.() === 0;
    if (root) execFileSync('chown', ['-R', 'postgres', dir]);
    const [file, argv] = root
      ? ['runuser', ['-u', 'postgres', '--', path.join(bin!, 'postgres'), '-D', dir, '-C', name]]
      : [path.join(bin!, 'postgres'), ['-D', dir, '-C', name]];
    const r = spawnSync(file, argv, { encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    return r.status === 0 ? { value: r.stdout.replace(/\n$/, '') } : { error: r.stderr };
  };

  it('GIVEN values with quotes, spaces, "#" and "=" WHEN written as CloudNativePG does THEN PostgreSQL reads exactly them', () => {
    expect(bin, 'PostgreSQL is installed by scripts/ensure-real-software.sh').toBeDefined();
    const printable = fc.string({ unit: fc.constantFrom(...' abcXYZ019\'"#=;,.$%&()*+-/:<>?@[]^_`{|}~'.split('')), maxLength: 30 });
    fc.assert(
      fc.property(printable, (v) => {
        expect(postgresParameterValueProblem(v)).toBeUndefined();
        // A custom (extension) parameter takes any string, so what PostgreSQL reads back is the value itself.
        expect(readBack([postgresConfLine('platform.check', v)], 'platform.check')).toEqual({ value: v });
      }),
      { seed: SEED, numRuns: 25 },
    );
  });

  it('GIVEN the newline injection of issue 16 WHEN written unchecked THEN PostgreSQL rejects the file; the encoder refuses the value first', () => {
    const injected = "on'\nssl = off\narchive_command = 'curl evil";
    expect(readBack([`platform.x = '${injected.replace(/'/g, "''")}'`], 'ssl').error).toContain('syntax error');
    expect(postgresParameterValueProblem(injected)).toBe(
      'must not contain line breaks, tabs or other control characters (postgresql.conf ends a value at the line break)',
    );
    expect(postgresParameterValueProblem('C:\\temp')).toBe(
      'must not contain a backslash (CloudNativePG writes it unescaped and PostgreSQL would read it as an escape)',
    );
    expect(() => postgresConfLine('work_mem', 'a\nb')).toThrow('postgresql.conf cannot hold');
  });

  it('GIVEN parameter names WHEN checked THEN identifiers and <extension>.<name> pass, directives, cnpg. and anything else are refused', () => {
    for (const ok of ['work_mem', 'pg_stat_statements.track', '_x']) expect(postgresParameterNameProblem(ok)).toBeUndefined();
    for (const bad of ['ssl = off\nx', 'Work_Mem', 'a..b', 'a.', 'a.b.c', '1x', ''])
      expect(postgresParameterNameProblem(bad)).toContain('must be a postgresql.conf parameter name');
    expect(postgresParameterNameProblem('include')).toBe('is a postgresql.conf directive that reads another file, not a parameter');
    expect(postgresParameterNameProblem('cnpg.config_sha256')).toBe('is in the "cnpg." namespace CloudNativePG reserves for itself');
  });
});

describe('Fluent Bit', () => {
  it('GIVEN any value the encoder accepts WHEN rendered THEN the reader finds exactly the sections and entries written, no directive, no expansion', () => {
    fc.assert(
      fc.property(hostileString(), (v) => {
        if (fluentBitValueProblem(v) !== undefined) {
          expect(() => renderFluentBitConfig([{ name: 'OUTPUT', entries: [['Logstash_Prefix', v]] }])).toThrow('Fluent Bit value');
          return;
        }
        const parsed = parseFluentBit(
          renderFluentBitConfig([
            {
              name: 'OUTPUT',
              entries: [
                ['Name', 'es'],
                ['Logstash_Prefix', v],
                ['HTTP_Passwd', fluentBitEnvRef('ES_PASSWORD')],
              ],
            },
          ]),
        );
        expect(parsed.sections).toEqual([
          {
            name: 'OUTPUT',
            entries: [
              ['Name', 'es'],
              ['Logstash_Prefix', v],
              ['HTTP_Passwd', '${ES_PASSWORD}'],
            ],
          },
        ]);
        expect(parsed.directives).toEqual([]);
        expect(parsed.expansions).toEqual(['ES_PASSWORD']);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('GIVEN a line break, "${" or surrounding spaces WHEN checked THEN each is refused with the reason', () => {
    expect(fluentBitValueProblem('logs\n[OUTPUT]\n    Name http')).toBe(
      'must not contain line breaks or other control characters (each line of the Fluent Bit configuration is one entry)',
    );
    expect(fluentBitValueProblem('${ES_PASSWORD}')).toBe(
      'must not contain "${" (Fluent Bit would expand it from its environment, where the backend password is)',
    );
    expect(fluentBitValueProblem(' logs')).toBe('must not be empty or start or end with spaces (Fluent Bit trims values)');
  });
});

describe('XML', () => {
  /** The text content of `<e>` as a conforming XML parser reads it, or the parser's error. */
  const readText = (xml: string): string => {
    const p = new SaxesParser();
    let text = '';
    let error: Error | undefined;
    p.on('text', (t) => {
      text += t;
    });
    p.on('error', (e) => {
      error ??= e;
    });
    p.write(xml).close();
    if (error) throw error;
    return text;
  };
  it('GIVEN any string XML can hold WHEN written as element text THEN a conforming parser reads exactly it; others are refused', () => {
    fc.assert(
      fc.property(hostileString(), (s) => {
        if (xmlTextProblem(s) !== undefined) {
          expect(() => xmlElement('host', s)).toThrow('XML 1.0 cannot hold');
          return;
        }
        // XML normalizes line ends: \r\n and \r are read as \n.
        expect(readText(xmlElement('host', s))).toBe(s.replace(/\r\n?/g, '\n'));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('URLs, SQL and templates', () => {
  it('GIVEN any bucket and prefix WHEN built into a URL THEN it holds only the URL alphabet (inert in shell words, SQL strings, JSON) and decodes back', () => {
    fc.assert(
      fc.property(hostileString(), hostileString(), (bucket, prefix) => {
        const url = objectStoreUrl('https', 's3.example.com', bucket || 'b', prefix);
        expect(url).toMatch(/^[A-Za-z0-9._~%/:-]+$/);
        const segments = url.slice('https://s3.example.com/'.length).split('/');
        expect(segments.map(decodeURIComponent)).toEqual([bucket || 'b', ...prefix.split('/').filter((s) => s !== '')]);
      }),
      { seed: SEED, numRuns: 300 },
    );
    expect(urlPathSegment("a'b c")).toBe('a%27b%20c');
  });

  it('GIVEN a string WHEN encoded as a ClickHouse literal THEN quotes and backslashes are escaped', () => {
    expect(clickhouseString("it's \\ here")).toBe("'it\\'s \\\\ here'");
  });

  it('GIVEN text with braces WHEN put into a Go template THEN it becomes a quoted constant, never an action', () => {
    expect(goTemplateText('db.example.com')).toBe('db.example.com');
    expect(goTemplateText('{{ .password }}')).toBe('{{ "{{ .password }}" }}');
    expect(goTemplateText('a{')).toBe('{{ "a{" }}');
    expect(() => goTemplateText('{\ud800')).toThrow('lone UTF-16 surrogate');
  });

  it('GIVEN any document WHEN dumped by the YAML encoder THEN js-yaml reads the same document back', () => {
    fc.assert(
      fc.property(fc.dictionary(hostileString(), hostileString(), { maxKeys: 5 }), (doc) => {
        expect(load(configYaml({ doc }))).toEqual({ doc });
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe('Alertmanager matchers (amtool)', () => {
  it('GIVEN values with quotes, backslashes, line breaks and braces WHEN written as matchers THEN amtool accepts the configuration', () => {
    expect(have('amtool'), 'amtool is installed by scripts/ensure-real-software.sh').toBe(true);
    const values = ['a"b', 'c\\d', 'e\nf', '{{ .x }}', "g'h", 'é☃', '=~!'];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'am-'));
    const file = path.join(dir, 'alertmanager.yml');
    fs.writeFileSync(
      file,
      configYaml({
        route: { receiver: 'r', routes: values.map((v) => ({ receiver: 'r', matchers: [alertmanagerMatcher('team', v)] })) },
        receivers: [{ name: 'r' }],
      }),
    );
    const r = spawnSync('amtool', ['check-config', file], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('input grammars', () => {
  it('GIVEN the destinations and endpoints of issue 16 WHEN checked THEN each is refused with what is allowed', () => {
    expect(parseObjectStoreUrl('s3://platform-backups-staging/$(id)";rm${IFS}-rf${IFS}/;echo${IFS}"', ['s3'])).toBe(
      'must be an object-storage URL "s3://<bucket>[/<prefix>]": a prefix is path segments of letters, digits, ".", "_" and "-" separated by "/" (no "." or ".." segment, at most 512 characters)',
    );
    expect(endpointProblem('s3.example.com" ; rm -rf / ; echo "')).toBe(
      'must be a host name or "host:port" such as "s3.eu-west-1.amazonaws.com" or "minio.storage.svc:9000" (no scheme, no path)',
    );
    expect(parseObjectStoreUrl('s3://bucket/../other', ['s3'])).toContain('no "." or ".." segment');
    expect(endpointProblem('minio.storage.svc:9000')).toBeUndefined();
    expect(endpointProblem('minio:70000')).toBeDefined();
  });

  it("GIVEN bucket names WHEN checked against AWS's rules THEN the valid pass and the reserved or malformed are refused", () => {
    for (const ok of ['platform-backups-production', 'a.b-c', 'abc']) expect(s3BucketProblem(ok)).toBeUndefined();
    for (const bad of ['ab', 'A-bucket', 'a..b', '192.168.1.1', 'xn--abc', 'name-s3alias', 'b_c', '-ab', `a${'b'.repeat(63)}`]) {
      expect(s3BucketProblem(bad), bad).toContain('an S3 bucket name is 3-63 characters');
    }
  });
});
