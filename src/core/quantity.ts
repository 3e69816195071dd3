/** Kubernetes resource quantities (cpu, memory, storage) parsed to numbers for comparisons. */

const QUANTITY = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+)?$/;

const SUFFIX: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** True when `s` is a Kubernetes quantity (`250m`, `1.5`, `512Mi`, `1e3`). */
export function isQuantity(s: unknown): s is string {
  return typeof s === 'string' && QUANTITY.test(s);
}

/** The value of a quantity in base units (cores, bytes), or undefined when `s` is not a quantity. */
export function parseQuantity(s: string): number | undefined {
  const m = QUANTITY.exec(s);
  if (!m) return undefined;
  const [, num, suffix = ''] = m;
  if (/^[eE]/.test(suffix)) return Number(num) * 10 ** Number(suffix.slice(1));
  const factor = SUFFIX[suffix];
  return factor === undefined ? undefined : Number(num) * factor;
}

/** Compares two quantities; undefined when either does not parse. */
export function compareQuantities(a: string, b: string): number | undefined {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  if (x === undefined || y === undefined) return undefined;
  return x === y ? 0 : x < y ? -1 : 1;
}
