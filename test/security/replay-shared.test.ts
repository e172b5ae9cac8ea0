/**
 * Replay protection shared through the store: two hub processes on one database (SQLite
 * file, or PostgreSQL with DATABASE_URL) refuse a message that either of them has seen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { buildHub } from '../../src/http/hub.js';
import { securityFromFlags, type ChainSecurity } from '../../src/security/config.js';
import { StoreReplayGuard } from '../../src/security/replay.js';
import { newMessageId, writeAddressing } from '../../src/suwiml/addressing.js';
import { buildEnvelope } from '../../src/suwiml/soap.js';
import { bijstandsregelingenV0500 as br } from '../../src/suwiml/services/index.js';
import type { Store } from '../../src/store/types.js';
import { createTestLocation, type TestStoreLocation } from '../helpers/store.js';
import { BSN } from '../helpers/dossiers.js';
import { makePki, type TestPki } from './fixtures.js';

let pki: TestPki;
let loc: TestStoreLocation;
const stores: Store[] = [];
const hubs: { app: FastifyInstance; url: string; sec: ChainSecurity }[] = [];
let uwv: ChainSecurity;

beforeAll(async () => {
  pki = await makePki([]);
  loc = createTestLocation();
  const flags = (n: string) => ({
    tlsCert: pki.certificates[n]!.certFile,
    tlsKey: pki.certificates[n]!.keyFile,
    tlsCa: pki.caCertFile,
  });
  uwv = securityFromFlags(flags('uwv'))!;
  for (let i = 0; i < 2; i++) {
    const store = await loc.open();
    stores.push(store);
    if (i === 0)
      await store.upsertAfnemer({
        oin: uwv.oin,
        naam: 'UWV',
        diensten: [{ dienst: 'bijstandsregelingen', versies: [] }],
      });
    const sec = securityFromFlags({ ...flags('hub'), replayGuard: new StoreReplayGuard(store) })!;
    const app = await buildHub({ store, hubOin: sec.oin, ...sec.hub });
    hubs.push({ app, url: await app.listen({ port: 0, host: '127.0.0.1' }), sec });
  }
});

afterAll(async () => {
  for (const h of hubs) {
    await h.app.close();
    await h.sec.close();
  }
  await uwv?.close();
  for (const s of stores) await s.close();
  await loc?.dispose();
  pki?.cleanup();
});

function signedQuestion(): string {
  return uwv.sign(
    buildEnvelope({
      version: '1.1',
      headers: writeAddressing({
        messageId: newMessageId(),
        action: br.actions.request,
        from: `https://uwv.example/?oin=${uwv.oin}`,
        to: `https://hub.example/${br.path}`,
      }),
      body: br.encodeRequest(BSN.onbekend as never),
      bodyAttrs: 'wsu:Id="body"',
    }),
  );
}

async function post(url: string, envelope: string) {
  const res = await request(`${url}/${br.path}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8' },
    body: envelope,
    dispatcher: uwv.dispatcher,
  });
  const raw = await res.body.text();
  return { status: res.statusCode, code: /<Code>(DKD-[A-Z0-9-]+)<\/Code>/.exec(raw)?.[1] };
}

describe('herhaalde berichten over meerdere hubprocessen', () => {
  it('a message answered by one hub process is refused as a replay by the other (DKD-F035)', async () => {
    const m = signedQuestion();
    expect(await post(hubs[0]!.url, m)).toMatchObject({ status: 200 });
    expect(await post(hubs[1]!.url, m)).toMatchObject({ code: 'DKD-F035' });
    expect(await post(hubs[0]!.url, m)).toMatchObject({ code: 'DKD-F035' });
  });

  it('different messages pass on both', async () => {
    expect(await post(hubs[1]!.url, signedQuestion())).toMatchObject({ status: 200 });
    expect(await post(hubs[0]!.url, signedQuestion())).toMatchObject({ status: 200 });
  });

  it('a key is remembered until it expires, then forgotten', async () => {
    const s = stores[0]!;
    const t = (sec: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, sec)).toISOString();
    expect(await s.berichtOntvangen('k', t(10), t(0))).toBe(true);
    expect(await s.berichtOntvangen('k', t(20), t(5))).toBe(false);
    expect(await s.berichtOntvangen('k', t(30), t(11))).toBe(true);
    expect(await s.vergeetBerichten(t(31))).toBeGreaterThanOrEqual(1);
    expect(await s.berichtOntvangen('k', t(40), t(32))).toBe(true);
  });
});
