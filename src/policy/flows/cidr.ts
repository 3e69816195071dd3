/**
 * Sets of IPv4 addresses as sorted, disjoint, inclusive [first, last] ranges: what an ipBlock (cidr minus except)
 * covers, where pods get their addresses (`profile.cluster.podCidrs`) and where an endpoint outside the cluster is.
 * IPv6 CIDRs are not modelled: they never cover an IPv4 address (callers say how to treat them).
 */

/** Inclusive range of IPv4 addresses as unsigned 32-bit numbers. */
export type Ipv4Range = readonly [number, number];

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** The range of an IPv4 CIDR, or undefined when `cidr` is not one (IPv6, malformed). Host bits are ignored, as Kubernetes does. */
export function parseIpv4Cidr(cidr: string): Ipv4Range | undefined {
  const m = CIDR.exec(cidr);
  if (!m) return undefined;
  const [o1 = 0, o2 = 0, o3 = 0, o4 = 0, bits = 0] = m.slice(1).map(Number);
  if ([o1, o2, o3, o4].some((o) => o > 255) || bits > 32) return undefined;
  const ip = ((o1 << 24) >>> 0) + (o2 << 16) + (o3 << 8) + o4;
  const size = 2 ** (32 - bits);
  const first = Math.floor(ip / size) * size;
  return [first, first + size - 1];
}

/** An immutable set of IPv4 addresses. */
export class IpSet {
  /** No address. */
  public static readonly EMPTY = new IpSet([]);
  /** Every IPv4 address (0.0.0.0/0). */
  public static readonly ALL = new IpSet([[0, 0xffffffff]]);

  /** The union of IPv4 CIDRs; entries that are not IPv4 CIDRs are left out (see {@link IpSet.unparsable}). */
  public static of(cidrs: readonly string[]): IpSet {
    return new IpSet(cidrs.map(parseIpv4Cidr).filter((r): r is Ipv4Range => r !== undefined));
  }

  /** The CIDRs of `cidrs` that are not IPv4 CIDRs. */
  public static unparsable(cidrs: readonly string[]): string[] {
    return cidrs.filter((c) => parseIpv4Cidr(c) === undefined);
  }

  /** An ipBlock: `cidr` without its `except` entries. */
  public static block(cidr: string, except: readonly string[] = []): IpSet {
    return IpSet.of([cidr]).minus(IpSet.of(except));
  }

  public readonly ranges: readonly Ipv4Range[];

  private constructor(ranges: readonly Ipv4Range[]) {
    this.ranges = normalize(ranges);
  }

  public get isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  public union(other: IpSet): IpSet {
    return new IpSet([...this.ranges, ...other.ranges]);
  }

  public intersect(other: IpSet): IpSet {
    const out: Ipv4Range[] = [];
    let i = 0;
    let j = 0;
    let a = this.ranges[i];
    let b = other.ranges[j];
    while (a && b) {
      const lo = Math.max(a[0], b[0]);
      const hi = Math.min(a[1], b[1]);
      if (lo <= hi) out.push([lo, hi]);
      if (a[1] < b[1]) a = this.ranges[++i];
      else b = other.ranges[++j];
    }
    return new IpSet(out);
  }

  public minus(other: IpSet): IpSet {
    const out: Ipv4Range[] = [];
    for (const [first, last] of this.ranges) {
      let lo = first;
      for (const [x, y] of other.ranges) {
        if (y < lo || x > last) continue;
        if (x > lo) out.push([lo, x - 1]);
        lo = y + 1;
        if (lo > last) break;
      }
      if (lo <= last) out.push([lo, last]);
    }
    return new IpSet(out);
  }

  /** True when every address of this set is in `other`. */
  public within(other: IpSet): boolean {
    return this.minus(other).isEmpty;
  }

  public overlaps(other: IpSet): boolean {
    return !this.intersect(other).isEmpty;
  }

  /** The set as CIDR-like text for messages (`10.0.0.0-10.0.255.255` ranges print as CIDRs when they are one). */
  public toString(): string {
    if (this.isEmpty) return 'no address';
    return this.ranges.map(([a, b]) => rangeText(a, b)).join(', ');
  }
}

function normalize(ranges: readonly Ipv4Range[]): Ipv4Range[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function ipText(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function rangeText(a: number, b: number): string {
  const size = b - a + 1;
  const bits = Math.log2(size);
  if (Number.isInteger(bits) && a % size === 0) return `${ipText(a)}/${32 - bits}`;
  return `${ipText(a)}-${ipText(b)}`;
}

/** Addresses no endpoint on the public internet has (RFC 1918, CGNAT, loopback, link-local). */
export const PRIVATE_RANGES: readonly string[] = ['10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'];

/** Where a host outside the cluster whose addresses nobody declared may be: any public IPv4 address. */
export const PUBLIC_INTERNET: IpSet = IpSet.ALL.minus(IpSet.of(PRIVATE_RANGES));
