/**
 * SHA-256 (FIPS 180-4) and the HMAC-SHA-256 (RFC 2104) built on it, synchronous and in plain
 * JavaScript, so keyed digests can be taken inside synchronous code on every runtime (Web Crypto is
 * asynchronous only). Checked against `node:crypto` and the RFC 4231 vectors in the tests.
 */

const ROUND_CONSTANTS = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

const INITIAL_STATE = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
] as const;

const BLOCK_BYTES = 64;

/** The hash state after some whole 64-byte blocks, and how many bytes they held. */
interface HashState {
  readonly words: Uint32Array;
  readonly length: number;
}

/** Folds the 64-byte blocks of `bytes` from `offset` to `end` into `state` (in place). */
function compress(
  state: Uint32Array,
  bytes: Uint8Array,
  offset: number,
  end: number,
  schedule: Uint32Array,
): void {
  for (let block = offset; block < end; block += BLOCK_BYTES) {
    for (let index = 0; index < 16; index++) {
      const at = block + index * 4;
      schedule[index] =
        ((bytes[at] as number) << 24) |
        ((bytes[at + 1] as number) << 16) |
        ((bytes[at + 2] as number) << 8) |
        (bytes[at + 3] as number);
    }
    for (let index = 16; index < 64; index++) {
      const before15 = schedule[index - 15] as number;
      const before2 = schedule[index - 2] as number;
      const sigma0 =
        ((before15 >>> 7) | (before15 << 25)) ^ ((before15 >>> 18) | (before15 << 14)) ^ (before15 >>> 3);
      const sigma1 =
        ((before2 >>> 17) | (before2 << 15)) ^ ((before2 >>> 19) | (before2 << 13)) ^ (before2 >>> 10);
      schedule[index] =
        (sigma1 + (schedule[index - 7] as number) + sigma0 + (schedule[index - 16] as number)) | 0;
    }
    let a = state[0] as number;
    let b = state[1] as number;
    let c = state[2] as number;
    let d = state[3] as number;
    let e = state[4] as number;
    let f = state[5] as number;
    let g = state[6] as number;
    let h = state[7] as number;
    for (let index = 0; index < 64; index++) {
      const sum1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const choice = (e & f) ^ (~e & g);
      const first =
        (h + sum1 + choice + (ROUND_CONSTANTS[index] as number) + (schedule[index] as number)) | 0;
      const sum0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const majority = (a & b) ^ (a & c) ^ (b & c);
      const second = (sum0 + majority) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + first) | 0;
      d = c;
      c = b;
      b = a;
      a = (first + second) | 0;
    }
    state[0] = ((state[0] as number) + a) | 0;
    state[1] = ((state[1] as number) + b) | 0;
    state[2] = ((state[2] as number) + c) | 0;
    state[3] = ((state[3] as number) + d) | 0;
    state[4] = ((state[4] as number) + e) | 0;
    state[5] = ((state[5] as number) + f) | 0;
    state[6] = ((state[6] as number) + g) | 0;
    state[7] = ((state[7] as number) + h) | 0;
  }
}

/** Continues `from` (a state after whole blocks) over `bytes` to the final digest (32 bytes). */
function finish(from: HashState, bytes: Uint8Array): Uint8Array {
  const state = new Uint32Array(from.words);
  const schedule = new Uint32Array(64);
  const whole = bytes.length - (bytes.length % BLOCK_BYTES);
  compress(state, bytes, 0, whole, schedule);
  const rest = bytes.length - whole;
  const tail = new Uint8Array(rest < 56 ? BLOCK_BYTES : 2 * BLOCK_BYTES);
  tail.set(bytes.subarray(whole));
  tail[rest] = 0x80;
  const bits = (from.length + bytes.length) * 8;
  const view = new DataView(tail.buffer);
  view.setUint32(tail.length - 8, Math.floor(bits / 0x1_0000_0000));
  view.setUint32(tail.length - 4, bits >>> 0);
  compress(state, tail, 0, tail.length, schedule);
  const digest = new Uint8Array(32);
  const out = new DataView(digest.buffer);
  for (let index = 0; index < 8; index++) out.setUint32(index * 4, state[index] as number);
  return digest;
}

/** SHA-256 of `bytes`. */
export function sha256(bytes: Uint8Array): Uint8Array {
  return finish({ words: new Uint32Array(INITIAL_STATE), length: 0 }, bytes);
}

/** A key prepared for HMAC-SHA-256: the hash states after its inner and outer pad blocks. */
export interface HmacKey {
  readonly inner: HashState;
  readonly outer: HashState;
}

/** Prepares `secret` for {@link hmacSha256} (RFC 2104: keys longer than a block are hashed first). */
export function prepareHmacKey(secret: Uint8Array): HmacKey {
  const block = new Uint8Array(BLOCK_BYTES);
  block.set(secret.length > BLOCK_BYTES ? sha256(secret) : secret);
  const pad = (value: number): HashState => {
    const padded = block.map((byte) => byte ^ value);
    const words = new Uint32Array(INITIAL_STATE);
    compress(words, padded, 0, BLOCK_BYTES, new Uint32Array(64));
    return { words, length: BLOCK_BYTES };
  };
  const prepared = { inner: pad(0x36), outer: pad(0x5c) };
  block.fill(0);
  return prepared;
}

/** HMAC-SHA-256 of `bytes` under a prepared key. */
export function hmacSha256(key: HmacKey, bytes: Uint8Array): Uint8Array {
  return finish(key.outer, finish(key.inner, bytes));
}
