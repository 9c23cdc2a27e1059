import { describe, expect, it } from 'vitest';
import { inRange, parseAddress, parseCidr, specialRange } from './address.js';

describe('addresses', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fd00::1', 'private (unique local)'],
    ['0.0.0.0', 'unspecified'],
    ['8.8.8.8', undefined],
    ['2606:4700::1111', undefined],
    ['172.32.0.1', undefined],
  ])('%s is %s', (address, expected) => {
    expect(specialRange(parseAddress(address)!)).toBe(expected);
  });

  it.each([
    // IPv4 spelled the ways a URL host parser reads it
    ['127.1', 'loopback'],
    ['2130706433', 'loopback'],
    ['0x7f.0.0.1', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['10.1', 'private'],
    ['0xa9.0xfe.0xa9.0xfe', 'link-local'],
    // IPv6 forms that embed an IPv4 address are what they embed
    ['::127.0.0.1', 'loopback'],
    ['::7f00:1', 'loopback'],
    ['[::ffff:169.254.169.254]', 'link-local'],
    ['::ffff:0:127.0.0.1', 'loopback'],
    ['::ffff:0:a00:1', 'private'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
    ['::ffff:8.8.8.8', undefined],
    ['64:ff9b::8.8.8.8', undefined],
    // special-purpose IPv6 ranges by the IANA registry
    ['64:ff9b:1::1', 'NAT64 local use'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    ['fec0::1', 'site-local (deprecated)'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['100::1', 'discard-only'],
    ['fe80::1%eth0', 'link-local'],
    ['192.0.2.10', 'documentation (TEST-NET-1)'],
    ['198.51.100.7', 'documentation (TEST-NET-2)'],
    ['203.0.113.9', 'documentation (TEST-NET-3)'],
    ['255.255.255.255', 'limited broadcast'],
  ])('attack: egress to %s is classified as %s, whatever its spelling', (address, expected) => {
    const bytes = parseAddress(address);
    expect(bytes, address).toBeDefined();
    expect(specialRange(bytes!)).toBe(expected);
  });

  it('matches CIDR ranges within one family', () => {
    expect(inRange(parseAddress('10.2.3.4')!, parseCidr('10.0.0.0/8')!)).toBe(true);
    expect(inRange(parseAddress('11.2.3.4')!, parseCidr('10.0.0.0/8')!)).toBe(false);
    expect(inRange(parseAddress('127.0.0.1')!, parseCidr('127.0.0.1')!)).toBe(true);
    expect(inRange(parseAddress('::1')!, parseCidr('127.0.0.1/32')!)).toBe(false);
    expect(inRange(parseAddress('2001:db8::5')!, parseCidr('2001:db8::/32')!)).toBe(true);
    expect(inRange(parseAddress('::ffff:10.0.0.1')!, parseCidr('::ffff:10.0.0.0/104')!)).toBe(true);
  });

  it('rejects malformed input', () => {
    expect(parseAddress('localhost')).toBeUndefined();
    expect(parseAddress('999.1.1.1')).toBeUndefined();
    expect(parseAddress('api.example.com')).toBeUndefined();
    expect(parseAddress('')).toBeUndefined();
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0.0/8/1')).toBeUndefined();
    expect(parseCidr('10.0.0.0/x')).toBeUndefined();
  });
});
