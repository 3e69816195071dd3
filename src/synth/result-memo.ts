/**
 * The result memo: what a plugin computed from a whole environment at an earlier successful synth, reused when every
 * input it read is byte for byte the same and the code is the same (`npm run synth` does not redo what has not
 * changed). The verdict cache (src/synth/verdict-cache.ts) does this for each document's checks; the memo does it for
 * a computation over all of an environment's documents, such as the flow proof.
 *
 * A plugin keys a result with {@link memoKey} over everything the computation reads: the documents by their YAML
 * digests (`SynthContext.digestOf`, known for the documents the verdict cache found clean), and any other input
 * (profile facts, connection records) as JSON data. The record is filed under the identity of the code of the thread
 * that computed it: the path, size and modification time of every module and data file it loaded (the bundle, or the
 * package's files) and the Node.js version, as for the verdicts. Only a synth that succeeded records, and only what it
 * read or computed, so entries of environments that changed do not pile up.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** Results of earlier successful synths, by key (see the module comment). */
export interface ResultMemo {
  /** The value recorded under `key` (JSON data), or undefined. */
  get(key: string): unknown;
  /** Records `value` (JSON data) under `key` for the next synth; kept only when this synth succeeds. */
  set(key: string, value: unknown): void;
}

/** Bumped when what a record means changes. */
const FORMAT = 'cdk8s-platform results v1';
const PREFIX = 'results-';
/** How many records (of different code) a cache folder keeps. */
const KEPT_RECORDS = 4;

/** The key of a result: SHA-256 of the JSON of its parts (and the record format). */
export function memoKey(...parts: readonly unknown[]): string {
  return createHash('sha256').update(FORMAT).update('\0').update(JSON.stringify(parts)).digest('base64');
}

/** A memo backed by `<dir>/results-<identity>.json`, and what it reused; `save` records what this synth read or set. */
export interface FileResultMemo extends ResultMemo {
  /** How many results were reused. */
  readonly reused: number;
  /** Records the results this synth read or set (replacing the record of `identity`); of other code's records, the newest stay. */
  save(): void;
}

/** The memo of `identity` in `dir`; a missing or damaged record reuses nothing. */
export function openResultMemo(dir: string, identity: string): FileResultMemo {
  const file = path.join(dir, `${PREFIX}${identity}.json`);
  let recorded: Map<string, unknown> | undefined;
  const used = new Map<string, unknown>();
  let reused = 0;
  const load = (): Map<string, unknown> => {
    if (recorded) return recorded;
    recorded = new Map();
    try {
      const data = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
      if (data !== null && typeof data === 'object' && !Array.isArray(data)) for (const [k, v] of Object.entries(data)) recorded.set(k, v);
    } catch {
      // none yet, or damaged: nothing is reused
    }
    return recorded;
  };
  return {
    get reused() {
      return reused;
    },
    get(key) {
      const value = load().get(key);
      if (value !== undefined) {
        used.set(key, value);
        reused++;
      }
      return value;
    },
    set(key, value) {
      used.set(key, value);
    },
    save() {
      // Nothing new: the record already holds every result this synth used.
      if (reused === used.size && recorded !== undefined && recorded.size === used.size) return;
      if (used.size === 0 && recorded === undefined) return;
      try {
        fs.mkdirSync(dir, { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify(Object.fromEntries([...used].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))));
        fs.renameSync(tmp, file);
        // The records of other code stay, the newest few: `node lib/main.js`, `npm run synth` (scripts/run.js) and a
        // second app of the same project are different code and may take turns; older records go.
        const others = fs.readdirSync(dir).filter((f) => f.startsWith(PREFIX) && f.endsWith('.json') && path.join(dir, f) !== file);
        removeAllButNewest(dir, others, KEPT_RECORDS - 1);
      } catch {
        // read-only or full disk: the next synth computes everything
      }
    },
  };
}

/** Removes the files `names` of `dir` but the `keep` most recently modified (records of a cache folder). */
export function removeAllButNewest(dir: string, names: readonly string[], keep: number): void {
  const byAge = names.map((f) => ({ f, at: fs.statSync(path.join(dir, f)).mtimeMs })).sort((a, b) => b.at - a.at);
  for (const { f } of byAge.slice(keep)) fs.rmSync(path.join(dir, f), { force: true });
}

/** Whether `v` is a list of strings (a recorded result's messages). */
export function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

/** What {@link documentsDigest} reads of an environment output and a synth context (structural, to avoid a cycle). */
interface DigestSource {
  readonly memo?: ResultMemo;
  readonly digestOf?: (object: object) => string | undefined;
}

/** The digests of document lists already computed, by list and by the context's digest function. */
const LIST_DIGESTS = new WeakMap<object, Map<unknown, string>>();

/**
 * One digest of an environment's documents for a key: SHA-256 over each document's file and the digest of its YAML
 * (`SynthContext.digestOf`), in order; undefined without a memo, or when the digest of a document is not known (it
 * was not found clean). Computed once per list of documents: the folder-wide results of one environment share it.
 */
export function documentsDigest(documents: readonly { readonly file: string; readonly object: object }[], ctx: DigestSource | undefined): string | undefined {
  if (ctx?.memo === undefined || ctx.digestOf === undefined) return undefined;
  let byFunction = LIST_DIGESTS.get(documents);
  const known = byFunction?.get(ctx.digestOf);
  if (known !== undefined) return known;
  const h = createHash('sha256');
  for (const d of documents) {
    const digest = ctx.digestOf(d.object);
    if (digest === undefined) return undefined;
    h.update(d.file).update('\0').update(digest).update('\0');
  }
  const digest = h.digest('base64');
  if (!byFunction) LIST_DIGESTS.set(documents, (byFunction = new Map()));
  byFunction.set(ctx.digestOf, digest);
  return digest;
}

/**
 * The result recorded under `key` when it has the expected shape, else `compute()`'s, recorded under `key` for the
 * next synth; without a key (or a memo) just `compute()`'s.
 */
export function recall<T>(memo: ResultMemo | undefined, key: string | undefined, valid: (v: unknown) => v is T, compute: () => T): T {
  if (memo === undefined || key === undefined) return compute();
  const recorded = memo.get(key);
  if (valid(recorded)) return recorded;
  const value = compute();
  memo.set(key, value);
  return value;
}

/** Marks a value {@link keyData} cannot represent. */
const UNREPRESENTABLE = Symbol('unrepresentable');

/**
 * `value` as JSON data for a key, or undefined when JSON cannot represent all of it. Strings, finite numbers,
 * booleans, null, arrays and objects with enumerable data properties are kept; an instance of a class of the library
 * (a choice such as `ImagePolicy`) is kept as its class name and its fields, which hold all its state (the library
 * keeps none in private `#` fields). A function, a getter, a hidden or symbol-keyed property, a built-in object with
 * internal state (Date, Map, RegExp, ...), `undefined` in an array, a non-finite number or a cycle makes it
 * unrepresentable.
 */
export function keyData(value: unknown): unknown {
  const out = represent(value, new Set());
  return out === UNREPRESENTABLE ? undefined : out;
}

function represent(value: unknown, seen: Set<object>): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : UNREPRESENTABLE;
  if (typeof value !== 'object' || seen.has(value)) return UNREPRESENTABLE;
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      const items: unknown[] = [];
      // Indexed, not `map`: a hole reads as undefined, which JSON would write as null.
      for (let i = 0; i < value.length; i++) {
        const item = value[i] === undefined ? UNREPRESENTABLE : represent(value[i], seen);
        if (item === UNREPRESENTABLE) return UNREPRESENTABLE;
        items.push(item);
      }
      return items;
    }
    // Built-in objects keep their state in internal slots, which have no properties: [object Date], [object Map], ...
    if (Object.prototype.toString.call(value) !== '[object Object]' || Object.getOwnPropertySymbols(value).length > 0) return UNREPRESENTABLE;
    const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
    const record: Record<string, unknown> = proto === Object.prototype || proto === null ? {} : { '': `class ${proto.constructor?.name ?? '?'}` };
    for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(value))) {
      if (d.enumerable !== true || d.get !== undefined || d.set !== undefined) return UNREPRESENTABLE;
      if (d.value === undefined) continue;
      const v = represent(d.value, seen);
      if (v === UNREPRESENTABLE) return UNREPRESENTABLE;
      record[k] = v;
    }
    return record;
  } finally {
    seen.delete(value);
  }
}
