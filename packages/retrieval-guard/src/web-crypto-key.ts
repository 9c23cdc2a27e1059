/**
 * A Web Crypto key, named through the `crypto` global rather than the DOM's `CryptoKey` type, so
 * that the declarations compile in apps whose TypeScript knows only Node's types (no `dom` lib) as
 * well as in browsers and edge runtimes.
 */
export type WebCryptoKey = Awaited<ReturnType<typeof globalThis.crypto.subtle.importKey>>;
