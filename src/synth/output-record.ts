/**
 * The output record: what the last successful synth wrote into an output folder, so that the next synth need not
 * render a document again whose object is unchanged and whose file is still there, unchanged (`npm run synth` does
 * not redo what has not changed).
 *
 * For each file the record holds two SHA-256 digests: of the document object (V8's serialization of it, as the main
 * thread handed it to the pipeline, keys in order) and of the YAML text written. A document whose object has the
 * recorded digest would be rendered to the recorded YAML again, provided the writer is the same: the record is filed
 * under the identity of the checking thread's code (src/synth/verdict-cache.ts), which includes the YAML writer. The file in
 * the previous output is then read and its digest compared with the recorded one (an edited or replaced file is
 * rendered again), and hard-linked into the new output instead of being rendered and written; where links fail (a
 * folder on another file system, a file system without them) it is copied.
 *
 * The record also keeps the CEL rules the worker listed for each CRD kind (for VALIDATION.md), a function of the
 * schemas, which the checker identity covers.
 *
 * The record lives beside the verdicts (`node_modules/.cache/cdk8s-platform/`), one per checker and output folder (the
 * newest eight folders), and names the folder it describes.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { serialize } from 'v8';
import { compareText } from '../core/order';
import { removeAllButNewest } from './result-memo';
import type { RuleEntry, RuleStatus } from './schema-cel';

/** Bumped when what a record means changes. */
const FORMAT = 'cdk8s-platform output v1';
const PREFIX = 'output-';

/** What was written for one file: the digests of its object and of its YAML text. */
export interface WrittenDocument {
  readonly file: string;
  /** {@link objectDigest} of the document object. */
  readonly object: string;
  /** SHA-256 of the YAML text written (src/synth/verdict-cache.ts, `documentDigest`). */
  readonly yaml: string;
}

/**
 * SHA-256 (base64) of a document object in V8's serialization format (keys in their order; unlike JSON it tells NaN,
 * -0, undefined and null apart, as the YAML does): the key a written file is reused under; undefined for an object it
 * cannot serialize.
 */
export function objectDigest(object: object): string | undefined {
  try {
    return createHash('sha256').update(serialize(object)).digest('base64');
  } catch {
    return undefined;
  }
}

/** The output of the last successful synth into one folder, as recorded (see the module comment). */
export interface PreviousOutput {
  /** The output folder (absolute). */
  readonly root: string;
  /** What was recorded for `file` (relative to the root, `/`-separated). */
  recorded(file: string): WrittenDocument | undefined;
  /**
   * Puts the previous output's `file`, whose content is `text`, at `to` in the new output: a hard link, or a copy
   * where links fail (then every later file is copied).
   */
  keep(file: string, to: string, text: string): void;
  /** The CEL rules of a CRD kind (`<apiVersion>/<kind>`) as the last synth listed them for VALIDATION.md. */
  inventory(kind: string): readonly RuleEntry[] | undefined;
}

/** How many output folders a checker keeps records of (dist/, and folders tests or previews synthesize into). */
const KEPT_FOLDERS = 8;

/** The record of `identity` for `outdir`: one file per checker and output folder. */
function fileOf(dir: string, identity: string, outdir: string): string {
  const folder = createHash('sha256').update(path.resolve(outdir)).digest('hex').slice(0, 16);
  return path.join(dir, `${PREFIX}${identity}-${folder}.json`);
}

/** The record of `identity` for the output folder `outdir`; undefined when there is none, it is damaged or describes another folder. */
export function readOutputRecord(dir: string, identity: string, outdir: string): PreviousOutput | undefined {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(fileOf(dir, identity, outdir), 'utf8'));
  } catch {
    return undefined;
  }
  const d = data as { format?: unknown; outdir?: unknown; files?: unknown } | null;
  const root = path.resolve(outdir);
  if (d === null || typeof d !== 'object' || d.format !== FORMAT || d.outdir !== root) return undefined;
  if (d.files === null || typeof d.files !== 'object' || Array.isArray(d.files)) return undefined;
  const files = d.files as Record<string, unknown>;
  const inventories = (d as { inventories?: unknown }).inventories;
  let linkFailed = false;
  return {
    root,
    inventory(kind) {
      const entries =
        inventories !== null && typeof inventories === 'object' && Object.prototype.hasOwnProperty.call(inventories, kind)
          ? (inventories as Record<string, unknown>)[kind]
          : undefined;
      return Array.isArray(entries) && entries.every(isRuleEntry) ? entries : undefined;
    },
    keep(file, to, text) {
      if (!linkFailed) {
        try {
          fs.linkSync(`${root}/${file}`, to);
          return;
        } catch {
          linkFailed = true;
        }
      }
      fs.writeFileSync(to, text);
    },
    recorded(file) {
      const entry = Object.prototype.hasOwnProperty.call(files, file) ? files[file] : undefined;
      if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string' || typeof entry[1] !== 'string') return undefined;
      return { file, object: entry[0], yaml: entry[1] };
    },
  };
}

/**
 * Records what a successful synth wrote into `outdir` (replacing the record of `identity` for that folder, written
 * aside and renamed) and removes the records of other checkers, as the verdicts do; of its own, the newest few of other
 * folders stay. A record that cannot be written only costs the next synth its head start.
 */
export function writeOutputRecord(
  dir: string,
  identity: string,
  outdir: string,
  written: Iterable<WrittenDocument>,
  inventories: Readonly<Record<string, readonly RuleEntry[]>> = {},
): void {
  try {
    const files: Record<string, [string, string]> = {};
    for (const w of [...written].sort((a, b) => compareText(a.file, b.file))) files[w.file] = [w.object, w.yaml];
    fs.mkdirSync(dir, { recursive: true });
    const file = fileOf(dir, identity, outdir);
    const tmp = `${file}.${process.pid}.tmp`;
    const kinds = Object.fromEntries(Object.entries(inventories).sort(([a], [b]) => compareText(a, b)));
    fs.writeFileSync(tmp, JSON.stringify({ format: FORMAT, outdir: path.resolve(outdir), files, inventories: kinds }));
    fs.renameSync(tmp, file);
    // Other checkers' records go; of this checker's, the newest few (other output folders) stay.
    const mine = `${PREFIX}${identity}-`;
    const records = fs.readdirSync(dir).filter((f) => f.startsWith(PREFIX) && path.join(dir, f) !== file);
    for (const f of records.filter((r) => !r.startsWith(mine))) fs.rmSync(path.join(dir, f), { force: true });
    removeAllButNewest(
      dir,
      records.filter((r) => r.startsWith(mine)),
      KEPT_FOLDERS - 1,
    );
  } catch {
    // read-only or full disk: the next synth renders everything
  }
}

const RULE_STATUSES: ReadonlySet<unknown> = new Set<RuleStatus>(['enforced', 'transition', 'unsupported']);

function isRuleEntry(v: unknown): v is RuleEntry {
  const e = v as Partial<Record<keyof RuleEntry, unknown>> | null;
  const optional = (x: unknown) => x === undefined || typeof x === 'string';
  return (
    e !== null &&
    typeof e === 'object' &&
    typeof e.path === 'string' &&
    typeof e.rule === 'string' &&
    optional(e.message) &&
    optional(e.note) &&
    RULE_STATUSES.has(e.status)
  );
}
