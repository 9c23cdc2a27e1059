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
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0.0/8/1')).toBeUndefined();
    expect(parseCidr('10.0.0.0/x')).toBeUndefined();
  });
});
