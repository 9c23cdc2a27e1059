import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Principal } from '@palisade/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definePolicy } from './define-policy.js';
import { EgressDeniedError } from './egress-denied-error.js';
import { createGuardedFetch, type ResolvedAddress } from './guarded-fetch.js';
import type { EgressRule } from './policy-document.js';
import { createPolicyEngine } from './policy-engine.js';
import { SUPPORT_AGENT } from './test-support/requests.js';

const principal: Principal = { agent: { id: SUPPORT_AGENT }, delegation: [], scopes: [], claims: {} };

let server: Server;
let port: number;
const hits: {
  method: string;
  url: string;
  host: string | undefined;
  authorization: string | undefined;
  body: string;
}[] = [];

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      hits.push({
        method: request.method ?? '',
        url: request.url ?? '',
        host: request.headers.host,
        authorization: request.headers.authorization,
        body,
      });
      const [path] = (request.url ?? '').split('?');
      if (path === '/v1/redirect-away') {
        response.writeHead(302, { location: `http://evil.test:${port}/v1/steal` }).end();
      } else if (path === '/v1/redirect-outside') {
        response.writeHead(307, { location: '/admin' }).end();
      } else if (path === '/v1/redirect-inside') {
        response.writeHead(303, { location: `http://other.api.test:${port}/v1/landing` }).end();
      } else {
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ path, method: request.method, body }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** Every *.test name resolves to the local server, as a rebinding attacker's DNS would. */
const resolve = async (hostname: string): Promise<readonly ResolvedAddress[]> => {
  if (hostname.endsWith('.test')) return [{ address: '127.0.0.1', family: 4 }];
  throw new Error(`unknown host ${hostname}`);
};

function fetchWith(egress: EgressRule[]) {
  const engine = createPolicyEngine({ policy: definePolicy({ tools: {}, rules: [], egress }) });
  return createGuardedFetch({ decider: engine, principal, resolve });
}

const API: EgressRule = {
  id: 'api',
  effect: 'allow',
  schemes: ['http'],
  hosts: ['api.test', '*.api.test'],
  methods: ['GET', 'POST'],
  paths: ['/v1/'],
  addresses: ['127.0.0.1/32'],
};

async function refused(promise: Promise<unknown>): Promise<EgressDeniedError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(EgressDeniedError.isInstance(error)).toBe(true);
  return error as EgressDeniedError;
}

describe('createGuardedFetch', () => {
  it('denies by default and sends nothing', async () => {
    const before = hits.length;
    const error = await refused(fetchWith([])(`http://api.test:${port}/v1/x`));
    expect(error.code).toBe('ERR_EGRESS_DENIED');
    expect(error.decision?.reason).toContain('default deny');
    expect(hits.length).toBe(before);
  });

  it('refuses a loopback address behind an allowed name unless the rule lists its range', async () => {
    const before = hits.length;
    const { addresses: _, ...withoutRanges } = API;
    const error = await refused(fetchWith([withoutRanges])(`http://api.test:${port}/v1/x`));
    expect(error.decision?.reason).toContain('loopback');
    expect(hits.length).toBe(before);
  });

  it('sends an allowed request to the address it decided, with the right Host', async () => {
    const response = await fetchWith([API])(`http://api.test:${port}/v1/items?q=1`, {
      method: 'POST',
      body: 'hello',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ path: '/v1/items', method: 'POST', body: 'hello' });
    expect(hits.at(-1)).toMatchObject({ url: '/v1/items?q=1', host: `api.test:${port}` });
  });

  it('refuses what the rule does not cover: method, path, scheme, port', async () => {
    const fetch = fetchWith([{ ...API, ports: [port] }]);
    await refused(fetch(`http://api.test:${port}/v1/x`, { method: 'DELETE' }));
    await refused(fetch(`http://api.test:${port}/admin`));
    await refused(fetch(`https://api.test:${port}/v1/x`));
    await refused(fetch(`http://api.test:${port + 1}/v1/x`));
    await refused(fetch('ftp://api.test/v1/x'));
    await refused(fetch(`http://unknown.example:${port}/v1/x`));
  });

  it('decides every redirect again', async () => {
    const fetch = fetchWith([API]);
    const before = hits.length;
    const away = await refused(fetch(`http://api.test:${port}/v1/redirect-away`));
    expect(away.url).toBe(`http://evil.test:${port}/v1/steal`);
    const outside = await refused(fetch(`http://api.test:${port}/v1/redirect-outside`));
    expect(outside.url).toBe(`http://api.test:${port}/admin`);
    expect(hits.slice(before).map((hit) => hit.url)).toEqual(['/v1/redirect-away', '/v1/redirect-outside']);
    const followed = await fetch(`http://api.test:${port}/v1/redirect-inside`, {
      method: 'POST',
      body: 'x',
      headers: { authorization: 'Bearer secret' },
    });
    expect(await followed.json()).toEqual({ path: '/v1/landing', method: 'GET', body: '' });
    // Credentials are not carried to another origin.
    expect(hits.at(-1)).toMatchObject({ url: '/v1/landing', authorization: undefined });
  });

  it('honours deny rules over allow rules and IP literals', async () => {
    const fetch = fetchWith([API, { id: 'no-writes', effect: 'deny', methods: ['POST'] }]);
    const error = await refused(fetch(`http://api.test:${port}/v1/x`, { method: 'POST', body: 'x' }));
    expect(error.decision?.ruleIds).toEqual(['no-writes']);
    const literal = fetchWith([
      { id: 'local', effect: 'allow', hosts: ['127.0.0.1'], addresses: ['127.0.0.0/8'] },
    ]);
    expect((await literal(`http://127.0.0.1:${port}/v1/y`)).status).toBe(200);
    await refused(
      fetchWith([{ id: 'local', effect: 'allow', hosts: ['127.0.0.1'] }])(`http://127.0.0.1:${port}/v1/y`),
    );
  });

  it('fails closed when the decider throws and reports every decision', async () => {
    const seen: string[] = [];
    const throwing = createGuardedFetch({
      decider: {
        decide: () => {
          throw new Error('engine down');
        },
      },
      principal,
      resolve,
    });
    await refused(throwing(`http://api.test:${port}/v1/x`));
    const engine = createPolicyEngine({ policy: definePolicy({ tools: {}, rules: [], egress: [API] }) });
    const recorded = createGuardedFetch({
      decider: engine,
      principal,
      resolve,
      onDecision: (_, decision) => seen.push(decision.effect),
    });
    await recorded(`http://api.test:${port}/v1/x`);
    expect(seen).toEqual(['allow']);
  });
});
