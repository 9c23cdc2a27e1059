import { isIPv4, isIPv6 } from 'node:net';

/** An IP address as bytes (4 for IPv4, 16 for IPv6). */
export type AddressBytes = Uint8Array;

/** A parsed CIDR range. */
export interface CidrRange {
  readonly bytes: AddressBytes;
  readonly prefix: number;
}

/** Parses an IPv4 or IPv6 literal into bytes; IPv4-mapped IPv6 (`::ffff:a.b.c.d`) becomes IPv4. */
export function parseAddress(text: string): AddressBytes | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIPv4(bare)) return Uint8Array.from(bare.split('.').map(Number));
  if (!isIPv6(bare)) return undefined;
  const bytes = parseIpv6(bare.split('%')[0] as string);
  if (!bytes) return undefined;
  const mapped =
    bytes.subarray(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

function parseIpv6(text: string): AddressBytes | undefined {
  let head = text;
  let tailV4: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    if (!isIPv4(last)) return undefined;
    tailV4 = last.split('.').map(Number);
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string) =>
    part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16));
  const left = parse(halves[0] as string);
  const right = halves.length === 2 ? parse(halves[1] as string) : [];
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...left, ...new Array<number>(missing).fill(0), ...right];
  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    bytes[index * 2] = (group >> 8) & 0xff;
    bytes[index * 2 + 1] = group & 0xff;
  });
  if (tailV4.length === 4) bytes.set(tailV4, 12);
  return bytes;
}

/** Parses `10.0.0.0/8` or `fe80::/10` (a bare address is a single-address range). */
export function parseCidr(text: string): CidrRange | undefined {
  const [address, prefixText, extra] = text.split('/');
  if (address === undefined || extra !== undefined) return undefined;
  const bytes = parseAddress(address);
  if (!bytes) return undefined;
  const bits = bytes.length * 8;
  // A mapped IPv6 range is stored as IPv4: shift its prefix accordingly.
  const written = isIPv6(address) && bytes.length === 4 ? 96 : 0;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? bits : Number(prefixText) - written;
  if (prefix < 0 || prefix > bits) return undefined;
  return { bytes, prefix };
}

/** True when `address` lies in `range` (never across families). */
export function inRange(address: AddressBytes, range: CidrRange): boolean {
  if (address.length !== range.bytes.length) return false;
  let remaining = range.prefix;
  for (let index = 0; remaining > 0; index += 1) {
    const mask = remaining >= 8 ? 0xff : (0xff << (8 - remaining)) & 0xff;
    if (((address[index] as number) & mask) !== ((range.bytes[index] as number) & mask)) return false;
    remaining -= 8;
  }
  return true;
}

const SPECIAL_RANGES: readonly { readonly range: CidrRange; readonly name: string }[] = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared (CGNAT)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b::/96', 'NAT64'],
  ['fc00::/7', 'private (unique local)'],
  ['fe80::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
  ['2002::/16', '6to4'],
].map(([text, name]) => ({ range: parseCidr(text as string) as CidrRange, name: name as string }));

/**
 * Names the special-purpose range an address is in (loopback, private, link-local, ...), or
 * `undefined` for an ordinary public address.
 */
export function specialRange(address: AddressBytes): string | undefined {
  for (const { range, name } of SPECIAL_RANGES) if (inRange(address, range)) return name;
  return undefined;
}
