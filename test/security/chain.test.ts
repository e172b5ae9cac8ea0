/**
 * The whole chain signed over two-way TLS, built in-process from the test PKI: a chain
 * partner asks the hub, the hub asks a gemeente's own web service, every message is signed
 * and checked, and every question and refusal is in the protocol.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { request, type Dispatcher } from 'undici';
import { buildHub } from '../../src/http/hub.js';
import { buildGemeenteService, inMemorySource } from '../../src/gemeente/service.js';
import { securityFromFlags, type ChainSecurity } from '../../src/security/config.js';
import { clientTlsAgent } from '../../src/security/tls.js';
import { signEnvelope } from '../../src/security/wssecurity.js';
import { issueCertificate } from '../../src/security/pki.js';
import {
  protocolForBsn,
  protocolKey,
  protocolWriter,
  verifyProtocolChain,
  type AuditEntry,
} from '../../src/audit/protocol.js';
import { callSoap } from '../../src/routing/soap-client.js';
import { newMessageId, writeAddressing } from '../../src/suwiml/addressing.js';
import { buildEnvelope, faultSummary, parseEnvelope } from '../../src/suwiml/soap.js';
import {
  bijstandsregelingenV0500 as br,
  ibVerwijsindexV0300 as vi,
} from '../../src/suwiml/services/index.js';
import type { Store } from '../../src/store/types.js';
import { openTestStore } from '../helpers/store.js';
import { BSN, dossier, loadDataset } from '../helpers/dossiers.js';
import { partijen } from '../helpers/hub.js';
import { makePki, type TestPki } from './fixtures.js';

const KEY = protocolKey('chain-test-protocolsleutel-0123456789abcdef');

let pki: TestPki;
let vreemd: TestPki;
let store: Store;
let hub: FastifyInstance;
let hubUrl: string;
let gemeente: FastifyInstance;
let impostor: FastifyInstance;
const sec: Record<string, ChainSecurity> = {};
const logs: string[] = [];

function security(p: TestPki, name: string): ChainSecurity {
  const c = p.certificates[name]!;
  return securityFromFlags({ tlsCert: c.certFile, tlsKey: c.keyFile, tlsCa: p.caCertFile })!;
}

beforeAll(async () => {
  [pki, vreemd] = await Promise.all([makePki(['0363', '0599']), makePki([], 'dkd-pki-vreemd-')]);
  for (const n of ['hub', 'uwv', 'svb', 'gemeente-0363', 'gemeente-0599']) sec[n] = security(pki, n);
  store = await openTestStore();

  const g = sec['gemeente-0599']!;
  gemeente = await buildGemeenteService({
    ...g.gemeente,
    code: '0599',
    data: inMemorySource([dossier(BSN.gedeeld, '0599'), dossier(BSN.alleenWebservice, '0599')]),
    mayAsk: (oin) => oin === sec.hub!.oin,
  });
  const gUrl = await gemeente.listen({ port: 0, host: '127.0.0.1' });
  // A service that answers for 0599 but signs as 0363: its answers must not be used.
  const s0363 = sec['gemeente-0363']!;
  impostor = await buildGemeenteService({
    code: '0599',
    oin: g.oin,
    data: inMemorySource([dossier(BSN.alleenCombinatie, '0599')]),
    https: s0363.https,
    sign: s0363.sign,
    authenticate: s0363.identify,
  });
  const iUrl = await impostor.listen({ port: 0, host: '127.0.0.1' });

  await store.upsertGemeente({
    code: '0363',
    naam: 'Amsterdam',
    oin: pki.oins['gemeente-0363']!,
    methode: 'batch',
  });
  await store.upsertGemeente({
    code: '0599',
    naam: 'Rotterdam',
    oin: g.oin,
    methode: 'webservice',
    endpoints: [{ dienst: 'bijstandsregelingen', url: `${gUrl}/Bijstandsregelingen-v0500`, versie: 'v0500' }],
  });
  await store.upsertGemeente({
    code: '0344',
    naam: 'Utrecht',
    oin: '00000001999900344000',
    methode: 'webservice',
    endpoints: [{ dienst: 'bijstandsregelingen', url: `${iUrl}/Bijstandsregelingen-v0500`, versie: 'v0500' }],
  });
  await loadDataset(store, '0363', [dossier(BSN.gedeeld, '0363')]);
  await store.aanmelden(BSN.gedeeld, '0599', '01', true);
  await store.aanmelden(BSN.alleenCombinatie, '0344', '01', true);
  await store.upsertAfnemer({
    oin: sec.uwv!.oin,
    naam: 'UWV',
    diensten: [{ dienst: 'bijstandsregelingen', versies: ['v0500'] }],
  });

  const h = sec.hub!;
  hub = await buildHub({
    store,
    hubOin: h.oin,
    ...h.hub,
    protocol: protocolWriter(store, KEY),
    logger: {
      level: 'debug',
      stream: new Writable({
        write(chunk, _enc, done) {
          logs.push(String(chunk));
          done();
        },
      }),
    },
    router: { deadlineMs: 5000, gemeenteDeadlineMs: 4000 },
    plugins: [
      async (app, ctx) => {
        app.get('/wie', async (req) => ({ oin: ctx.identifyHttp(req) ?? null }));
      },
    ],
  });
  hubUrl = await hub.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await hub?.close();
  await gemeente?.close();
  await impostor?.close();
  for (const s of Object.values(sec)) await s.close();
  await store?.close();
  pki?.cleanup();
  vreemd?.cleanup();
});

function ask(as: ChainSecurity, bsn: string, from = `https://partner.example/dkd?oin=${as.oin}`) {
  return callSoap({
    url: `${hubUrl}/${br.path}`,
    action: br.actions.request,
    body: br.encodeRequest(bsn as never),
    from,
    timeoutMs: 10_000,
    dispatcher: as.dispatcher,
    sign: as.sign,
    verify: (raw) => as.verifyAnswer(raw, sec.hub!.oin),
  });
}

function question(fromOin: string, messageId = newMessageId(), bsn: string = BSN.gedeeld): string {
  return buildEnvelope({
    version: '1.1',
    headers: writeAddressing({
      messageId,
      action: br.actions.request,
      from: `https://partner.example/dkd?oin=${fromOin}`,
      to: `${hubUrl}/${br.path}`,
    }),
    body: br.encodeRequest(bsn as never),
    bodyAttrs: 'wsu:Id="body"',
  });
}

/** Posts a prepared envelope as it is. */
async function post(envelope: string, dispatcher: Dispatcher, path = br.path) {
  const res = await request(`${hubUrl}/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8' },
    body: envelope,
    dispatcher,
  });
  const raw = await res.body.text();
  return { status: res.statusCode, raw, env: parseEnvelope(raw) };
}

function faultCode(raw: string): string | undefined {
  return /<Code>(DKD-[A-Z0-9-]+)<\/Code>/.exec(raw)?.[1];
}

async function entryFor(messageId: string): Promise<AuditEntry | undefined> {
  const page = await store.protocolPage(0, 10_000);
  const e = page.find((p) => (JSON.parse(p.inhoud) as { messageId: string | null }).messageId === messageId);
  return e && { ...(JSON.parse(e.inhoud) as AuditEntry), volgnr: e.volgnr };
}

describe('de hele keten ondertekend over tweezijdig TLS', () => {
  it('a chain partner gets a signed answer with the data of a batch gemeente and of a gemeente web service', async () => {
    const r = await ask(sec.uwv!, BSN.gedeeld);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    const a = br.decodeAntwoord(r.env.payload);
    expect(a.ok && a.value.soort).toBe('gegevens');
    expect(a.ok && partijen(a.value)).toEqual(['0363', '0599']);

    const [e] = (await protocolForBsn(store, KEY, BSN.gedeeld)).filter((x) => x.messageId === r.messageId);
    expect(e).toMatchObject({
      oin: sec.uwv!.oin,
      dienst: 'bijstandsregelingen',
      versie: 'v0500',
      uitkomst: 'gegevens',
    });
    expect(e!.bronnen.map((b) => [b.gemeente, b.bron, b.uitkomst])).toEqual([
      ['0363', 'bestand', 'gegevens'],
      ['0599', 'webservice', 'gegevens'],
    ]);
    expect(e!.antwoordMessageId).toBe(r.addressing.messageId);
  });

  it('the gemeente web service refuses a question that the hub did not sign', async () => {
    const url = `${(gemeente.server.address() as { port: number }).port}`;
    const r = await callSoap({
      url: `https://127.0.0.1:${url}/${br.path}`,
      action: br.actions.request,
      body: br.encodeRequest(BSN.gedeeld as never),
      from: `https://hub.example/?oin=${sec.hub!.oin}`,
      timeoutMs: 5000,
      dispatcher: sec.hub!.dispatcher,
    });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.kind).toBe('fault');
  });

  it("a gemeente's answer signed by another party is not used", async () => {
    const r = await ask(sec.uwv!, BSN.alleenCombinatie);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const a = br.decodeAntwoord(r.env.payload);
    expect(a.ok && a.value.soort).toBe('fwi');
    expect(JSON.stringify(a.ok && a.value)).toContain('DKD-W003');
  });
});

describe('identiteit', () => {
  it('a plain HTTP route (upload, portal) sees the OIN of the TLS client certificate', async () => {
    const get = async (d: Dispatcher) =>
      (await (await request(`${hubUrl}/wie`, { dispatcher: d })).body.json()) as { oin: string | null };
    expect(await get(sec['gemeente-0363']!.dispatcher)).toEqual({ oin: pki.oins['gemeente-0363'] });
    const anonymous = clientTlsAgent({ caFile: pki.caCertFile });
    try {
      expect(await get(anonymous)).toEqual({ oin: null });
    } finally {
      await anonymous.close();
    }
  });

  it('a sub-OIN in the certificate is the caller, authorized on its own and not as its parent', async () => {
    const subOin = '00000001999920001001';
    const c = await issueCertificate(pki.dir, 'uwv-sub', subOin);
    const sub = securityFromFlags({ tlsCert: c.certFile, tlsKey: c.keyFile, tlsCa: pki.caCertFile })!;
    sec['uwv-sub'] = sub;
    // Registered for GSDDossierReintegratie only, while UWV itself may ask Bijstandsregelingen.
    await store.upsertAfnemer({
      oin: subOin,
      naam: 'UWV afdeling',
      diensten: [{ dienst: 'reintegratie', versies: [] }],
    });
    const after = await ask(sub, BSN.gedeeld);
    expect(after.ok && br.decodeAntwoord(after.env.payload)).toMatchObject({
      value: { soort: 'nietGerechtigd' },
    });
    const [e] = (await protocolForBsn(store, KEY, BSN.gedeeld)).filter(
      (x) => x.messageId === after.messageId,
    );
    expect(e?.oin).toBe(subOin);
  });
});

describe('weigeringen, elk in het protocol', () => {
  it('without a client certificate: refused (DKD-F031) and protocolled', async () => {
    const agent = clientTlsAgent({ caFile: pki.caCertFile });
    const id = newMessageId();
    try {
      const r = await post(sec.uwv!.sign(question(sec.uwv!.oin, id)), agent);
      expect(r.status).toBe(500);
      expect(faultCode(r.raw)).toBe('DKD-F031');
    } finally {
      await agent.close();
    }
    expect(await entryFor(id)).toMatchObject({
      oin: null,
      afzenderOin: sec.uwv!.oin,
      uitkomst: 'geweigerd',
      fout: 'DKD-F031',
    });
  });

  it('with a certificate from an unknown CA: refused (DKD-F031) and protocolled', async () => {
    const c = vreemd.certificates.uwv!;
    const agent = clientTlsAgent({ certFile: c.certFile, keyFile: c.keyFile, caFile: pki.caCertFile });
    const id = newMessageId();
    try {
      const keys = vreemd.pem('uwv');
      const r = await post(signEnvelope(question(vreemd.oins.uwv!, id), keys), agent);
      expect(faultCode(r.raw)).toBe('DKD-F031');
    } finally {
      await agent.close();
    }
    expect(await entryFor(id)).toMatchObject({ uitkomst: 'geweigerd', fout: 'DKD-F031' });
  });

  it('unsigned: refused (DKD-F032) and protocolled', async () => {
    const id = newMessageId();
    const r = await post(question(sec.uwv!.oin, id), sec.uwv!.dispatcher);
    expect(faultCode(r.raw)).toBe('DKD-F032');
    expect(await entryFor(id)).toMatchObject({ oin: sec.uwv!.oin, uitkomst: 'geweigerd', fout: 'DKD-F032' });
  });

  it('with a bad signature (the Body changed after signing): refused (DKD-F033) and protocolled', async () => {
    const id = newMessageId();
    const signed = sec.uwv!.sign(question(sec.uwv!.oin, id, BSN.gedeeld));
    const tampered = signed.replace(BSN.gedeeld, BSN.alleenBatch);
    expect(tampered).not.toBe(signed);
    const r = await post(tampered, sec.uwv!.dispatcher);
    expect(faultCode(r.raw)).toBe('DKD-F033');
    expect(await entryFor(id)).toMatchObject({ uitkomst: 'geweigerd', fout: 'DKD-F033' });
  });

  it('with a stale timestamp: refused (DKD-F034) and protocolled', async () => {
    const id = newMessageId();
    const old = new Date(Date.now() - 20 * 60_000);
    const r = await post(
      signEnvelope(question(sec.uwv!.oin, id), { ...pki.pem('uwv'), now: old, ttlSeconds: 0 }),
      sec.uwv!.dispatcher,
    );
    expect(faultCode(r.raw)).toBe('DKD-F034');
    expect(await entryFor(id)).toMatchObject({ uitkomst: 'geweigerd', fout: 'DKD-F034' });
  });

  it('with a replayed MessageID: the first is answered, the replay refused (DKD-F035) and protocolled', async () => {
    const id = newMessageId();
    const signed = sec.uwv!.sign(question(sec.uwv!.oin, id));
    const first = await post(signed, sec.uwv!.dispatcher);
    expect(first.status).toBe(200);
    const again = await post(signed, sec.uwv!.dispatcher);
    expect(faultCode(again.raw)).toBe('DKD-F035');
    const entries = (await store.protocolPage(0, 10_000))
      .map((p) => JSON.parse(p.inhoud) as AuditEntry)
      .filter((e) => e.messageId === id);
    expect(entries.map((e) => e.fout ?? e.uitkomst)).toEqual(['gegevens', 'DKD-F035']);
  });

  it('signed by another party than the TLS client: refused (DKD-F036)', async () => {
    const id = newMessageId();
    const r = await post(sec.svb!.sign(question(sec.uwv!.oin, id)), sec.uwv!.dispatcher);
    expect(faultCode(r.raw)).toBe('DKD-F036');
    expect(await entryFor(id)).toMatchObject({ oin: sec.uwv!.oin, fout: 'DKD-F036' });
  });

  it('wsa:From naming another OIN than the certificate: refused (DKD-F011)', async () => {
    const r = await ask(sec.uwv!, BSN.gedeeld, `https://partner.example/dkd?oin=${sec.svb!.oin}`);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.kind).toBe('fault');
    expect(await entryFor(r.messageId)).toMatchObject({
      oin: sec.uwv!.oin,
      afzenderOin: sec.svb!.oin,
      uitkomst: 'geweigerd',
      fout: 'DKD-F011',
    });
  });

  it('as an unauthorized party: NietGerechtigd, signed, and protocolled with the BSN key', async () => {
    const r = await ask(sec.svb!, BSN.gedeeld);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const a = br.decodeAntwoord(r.env.payload);
    expect(a.ok && a.value.soort).toBe('nietGerechtigd');
    const mine = (await protocolForBsn(store, KEY, BSN.gedeeld)).filter((e) => e.messageId === r.messageId);
    expect(mine).toMatchObject([{ oin: sec.svb!.oin, uitkomst: 'nietGerechtigd', bronnen: [] }]);
  });

  it('a gemeente registering its own BSN over two-way TLS, signed: Acknowledgement, signed by the hub', async () => {
    const g = sec['gemeente-0363']!;
    const r = await callSoap({
      url: `${hubUrl}/${vi.path}`,
      action: vi.actions.request,
      body: vi.encodeRequest({
        burgerservicenr: BSN.alleenWebservice as never,
        clusteringIb: [{ cdClusteringIb: '01' as never, indDkd: '1' as never }],
        bron: { cdKolomSuwi: 4, cdPartijSuwi: '0363' as never },
      }),
      from: `https://gemeente.example/?oin=${g.oin}`,
      timeoutMs: 5000,
      ...g.client(sec.hub!.oin),
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect(r.ok && r.env.payload.children.map((c) => c.local)).toContain('Acknowledgement');
    expect(await store.verwijzingen(BSN.alleenWebservice)).toMatchObject([
      { gemeente: '0363', cluster: '01' },
    ]);
    expect(await protocolForBsn(store, KEY, BSN.alleenWebservice)).toMatchObject([
      { oin: g.oin, dienst: 'verwijsindex', uitkomst: 'aanmelding' },
    ]);
  });

  it("as a gemeente registering another gemeente's BSN: NietGerechtigd and protocolled", async () => {
    const g = sec['gemeente-0363']!;
    const r = await callSoap({
      url: `${hubUrl}/${vi.path}`,
      action: vi.actions.request,
      body: vi.encodeRequest({
        burgerservicenr: BSN.partner as never,
        clusteringIb: [{ cdClusteringIb: '01' as never, indDkd: '1' as never }],
        bron: { cdKolomSuwi: 4, cdPartijSuwi: '0599' as never },
      }),
      from: `https://gemeente.example/?oin=${g.oin}`,
      timeoutMs: 5000,
      ...g.client(sec.hub!.oin),
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect(r.ok && r.env.payload.local).toBe('NietGerechtigd');
    expect(await store.verwijzingen(BSN.partner)).toEqual([]);
    expect(await protocolForBsn(store, KEY, BSN.partner)).toMatchObject([
      { oin: g.oin, dienst: 'verwijsindex', uitkomst: 'nietGerechtigd' },
    ]);
  });

  it('a refusal is a signed fault the chain partner can check', async () => {
    const r = await post(question(sec.uwv!.oin), sec.uwv!.dispatcher);
    expect(faultSummary(r.env).code).toBeDefined();
    expect(sec.uwv!.verifyAnswer(r.raw, sec.hub!.oin)).toBeUndefined();
  });

  it('no log line of all of this carries a BSN', () => {
    expect(logs.length).toBeGreaterThan(10);
    const all = logs.join('');
    for (const b of Object.values(BSN)) expect(all).not.toContain(b);
  });

  it('the protocol written by all of this is an unbroken chain', async () => {
    expect(await verifyProtocolChain(store)).toMatchObject({ ok: true });
  });
});
