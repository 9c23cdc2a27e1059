const encoder = new TextEncoder();

function hex(buffer: ArrayBuffer): string {
  const bytes = new Uint8Array(buffer);
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** Lower-case hex SHA-256 of the UTF-8 text (Web Crypto). */
export async function sha256Hex(text: string): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

/** Lower-case hex HMAC-SHA-256 of the UTF-8 text under `key`. */
export async function hmacHex(key: CryptoKey, text: string): Promise<string> {
  return hex(await crypto.subtle.sign('HMAC', key, encoder.encode(text)));
}

/** Verifies a hex HMAC-SHA-256 in constant time (Web Crypto's verify). */
export async function hmacVerifyHex(key: CryptoKey, signature: string, text: string): Promise<boolean> {
  if (!/^[0-9a-f]{64}$/.test(signature)) return false;
  const bytes = new Uint8Array(32);
  for (let index = 0; index < 32; index += 1)
    bytes[index] = Number.parseInt(signature.slice(index * 2, index * 2 + 2), 16);
  return crypto.subtle.verify('HMAC', key, bytes, encoder.encode(text));
}

/** A random lower-case hex string of `bytes` bytes. */
export function randomHex(bytes: number): string {
  const buffer = new Uint8Array(bytes);
  crypto.getRandomValues(buffer);
  return hex(buffer.buffer);
}
