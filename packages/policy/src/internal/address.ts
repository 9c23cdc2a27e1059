/** An IP address as bytes (4 for IPv4, 16 for IPv6). */
export type AddressBytes = Uint8Array;

/** A parsed CIDR range. */
export interface CidrRange {
  readonly bytes: AddressBytes;
  readonly prefix: number;
}

const DOTTED_QUAD = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/**
 * Parses an IP literal the way a connection would read it, whatever its spelling: IPv4 in any form
 * the URL standard accepts (`127.1`, `2130706433`, `0x7f.0.0.1`, `0177.0.0.1`) and IPv6 in any form
 * (`::127.0.0.1`, `::ffff:7f00:1`, zone ids dropped). An IPv6 address that carries an IPv4 address
 * a packet ends up at (IPv4-mapped, IPv4-compatible, IPv4-translated, NAT64 `64:ff9b::/96`, 6to4)
 * becomes that IPv4 address, so it is classified as what it embeds.
 */
export function parseAddress(text: string): AddressBytes | undefined {
  const bytes = parseLiteral(text);
  if (!bytes || bytes.length === 4) return bytes;
  return embeddedIpv4(bytes) ?? bytes;
}

/** The address bytes of an IP literal in canonical form, without unwrapping embedded IPv4. */
function parseLiteral(text: string): AddressBytes | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  let hostname: string;
  try {
    // The WHATWG URL host parser is what fetch() uses: it reads every legacy IPv4 spelling.
    hostname = new URL(`http://${bare.includes(':') ? `[${bare.split('%')[0]}]` : bare}/`).hostname;
  } catch {
    return undefined;
  }
  if (hostname.startsWith('[')) return parseIpv6(hostname.slice(1, -1));
  if (!DOTTED_QUAD.test(hostname)) return undefined; // a name, not an address
  return Uint8Array.from(hostname.split('.').map(Number));
}

/** The IPv4 address an IPv6 address delivers to, for the forms that embed one. */
function embeddedIpv4(bytes: AddressBytes): AddressBytes | undefined {
  const zero = (from: number, to: number) => bytes.subarray(from, to).every((byte) => byte === 0);
  const last = bytes.slice(12);
  // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (translated, RFC 2765)
  if (zero(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return last;
  if (zero(0, 8) && bytes[8] === 0xff && bytes[9] === 0xff && zero(10, 12)) return last;
  // ::a.b.c.d (IPv4-compatible, deprecated); :: and ::1 are themselves, not 0.0.0.0 / 0.0.0.1
  if (zero(0, 12) && !zero(12, 15)) return last;
  // 64:ff9b::a.b.c.d (NAT64 well-known prefix, RFC 6052)
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zero(4, 12)) {
    return last;
  }
  // 2002:aabb:ccdd::/48 (6to4): the IPv4 address of the relay's destination
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return bytes.slice(2, 6);
  return undefined;
}

function parseIpv6(text: string): AddressBytes | undefined {
  let head = text;
  let tailV4: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    if (!DOTTED_QUAD.test(last)) return undefined;
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

/**
 * Parses `10.0.0.0/8` or `fe80::/10` (a bare address is a single-address range). A range written
 * in IPv4-mapped form (`::ffff:10.0.0.0/104`) is the IPv4 range it maps; other IPv6 ranges stay
 * IPv6.
 */
export function parseCidr(text: string): CidrRange | undefined {
  const [address, prefixText, extra] = text.split('/');
  if (address === undefined || extra !== undefined) return undefined;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const literal = parseLiteral(address);
  if (!literal) return undefined;
  const mapped =
    literal.length === 16 &&
    literal.subarray(0, 10).every((byte) => byte === 0) &&
    literal[10] === 0xff &&
    literal[11] === 0xff;
  const bytes = mapped ? literal.slice(12) : literal;
  const bits = bytes.length * 8;
  const prefix = prefixText === undefined ? bits : Number(prefixText) - (mapped ? 96 : 0);
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

/**
 * The IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and its updates), plus
 * multicast, the deprecated site-local and IPv4-compatible ranges, and the local-use NAT64 and
 * Teredo prefixes, whose embedded address cannot be trusted. Most specific first, so an address
 * gets the narrowest name. Embedded IPv4 forms are unwrapped by `parseAddress` before this table is
 * consulted.
 */
const SPECIAL_RANGES: readonly { readonly range: CidrRange; readonly name: string }[] = [
  ['255.255.255.255/32', 'limited broadcast'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'documentation (TEST-NET-1)'],
  ['198.51.100.0/24', 'documentation (TEST-NET-2)'],
  ['203.0.113.0/24', 'documentation (TEST-NET-3)'],
  ['192.31.196.0/24', 'AS112'],
  ['192.52.193.0/24', 'AMT'],
  ['192.88.99.0/24', '6to4 relay anycast (deprecated)'],
  ['192.175.48.0/24', 'AS112 direct delegation'],
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared (CGNAT)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/96', 'IPv4-compatible (deprecated)'],
  ['::ffff:0:0:0/96', 'IPv4-translated'],
  ['64:ff9b::/96', 'NAT64'],
  ['64:ff9b:1::/48', 'NAT64 local use'],
  ['100::/64', 'discard-only'],
  ['100:0:0:1::/64', 'dummy IPv6 prefix'],
  ['2001::/32', 'Teredo'],
  ['2001:2::/48', 'benchmarking'],
  ['2001:db8::/32', 'documentation'],
  ['2001::/23', 'IETF protocol assignments'],
  ['2002::/16', '6to4'],
  ['2620:4f:8000::/48', 'AS112 direct delegation'],
  ['3fff::/20', 'documentation'],
  ['5f00::/16', 'SRv6 SIDs'],
  ['fc00::/7', 'private (unique local)'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local (deprecated)'],
  ['ff00::/8', 'multicast'],
].map(([text, name]) => ({ range: parseCidr(text as string) as CidrRange, name: name as string }));

/**
 * Names the special-purpose range an address is in (loopback, private, link-local, ...), or
 * `undefined` for an ordinary public address.
 */
export function specialRange(address: AddressBytes): string | undefined {
  for (const { range, name } of SPECIAL_RANGES) if (inRange(address, range)) return name;
  return undefined;
}
