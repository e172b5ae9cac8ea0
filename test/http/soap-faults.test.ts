/**
 * Malformed and hostile requests get a SOAP Fault with an FWI Fout and a clear code, never
 * a crash or a stack trace; IBVerwijsindex lets a gemeente touch only its own entries;
 * every endpoint serves its WSDL at the served address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildHub } from '../../src/http/hub.js';
import type { Store } from '../../src/store/types.js';
import {
  bijstandsregelingenV0500 as br,
  ibVerwijsindexV0300 as vi,
} from '../../src/suwiml/services/index.js';
import { buildEnvelope, parseEnvelope, faultSummary, isFault } from '../../src/suwiml/soap.js';
import { writeAddressing } from '../../src/suwiml/addressing.js';
import { openTestStore } from '../helpers/store.js';
import { BSN, dossier, loadDataset } from '../helpers/dossiers.js';
import { OIN } from '../helpers/hub.js';

let store: Store;
let app: FastifyInstance;
const logs: string[] = [];

const FROM = `https://uwv.example/dkd?oin=${OIN.uwv}`;
const NS = br.namespace;

function envelope(
  payload: string,
  o: { action?: string; from?: string | null; version?: '1.1' | '1.2' } = {},
) {
  return buildEnvelope({
    version: o.version ?? '1.1',
    headers: writeAddressing({
      messageId: 'urn:uuid:00000000-0000-0000-0000-000000000001',
      action: o.action ?? br.actions.request,
      ...(o.from !== null && { from: o.from ?? FROM }),
    }),
    body: payload,
  });
}

async function post(path: string, payload: string, contentType = 'text/xml; charset=utf-8') {
  const res = await app.inject({
    method: 'POST',
    url: path,
    payload,
    headers: { 'content-type': contentType },
  });
  return { res, env: parseEnvelope(res.body) };
}

async function faultCode(path: string, payload: string, contentType?: string) {
  const { res, env } = await post(path, payload, contentType);
  expect(isFault(env), res.body).toBe(true);
  expect(res.body).not.toMatch(/at .*\.(js|ts):\d+/);
  return { code: faultSummary(env).code, status: res.statusCode, body: res.body };
}

beforeAll(async () => {
  store = await openTestStore();
  await store.upsertGemeente({
    code: '0363',
    naam: 'Amsterdam',
    oin: OIN.gemeente('0363'),
    methode: 'batch',
  });
  await store.upsertGemeente({
    code: '0599',
    naam: 'Rotterdam',
    oin: OIN.gemeente('0599'),
    methode: 'webservice',
  });
  await loadDataset(store, '0363', [dossier(BSN.gedeeld, '0363')]);
  await store.upsertAfnemer({
    oin: OIN.uwv,
    naam: 'UWV',
    diensten: [{ dienst: 'bijstandsregelingen', versies: [] }],
  });
  const stream = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  app = await buildHub({ store, hubOin: OIN.hub, insecureDev: true, logger: { level: 'debug', stream } });
});
afterAll(async () => {
  await app?.close();
  await store?.close();
});

describe('faults for malformed questions', () => {
  it('a malformed BSN: DKD-F006, and the BSN is not echoed', async () => {
    const f = await faultCode(
      '/Bijstandsregelingen-v0500',
      envelope(
        `<q:BijstandsregelingenInfo xmlns:q="${NS}"><Burgerservicenr>123456781</Burgerservicenr></q:BijstandsregelingenInfo>`,
      ),
    );
    expect(f.code).toBe('DKD-F006');
    expect(f.body).not.toContain('123456781');
    expect(f.status).toBe(500);
  });
  it('a wrong element: DKD-F005 with the path', async () => {
    const f = await faultCode(
      '/Bijstandsregelingen-v0500',
      envelope(`<q:BijstandsregelingenInfo xmlns:q="${NS}"><BSN>123456782</BSN></q:BijstandsregelingenInfo>`),
    );
    expect(f.code).toBe('DKD-F005');
    expect(f.body).toContain('/BijstandsregelingenInfo/BSN');
  });
  it('an unknown operation or a wrong Action: DKD-F004', async () => {
    expect((await faultCode('/Bijstandsregelingen-v0500', envelope(`<q:Iets xmlns:q="${NS}"/>`))).code).toBe(
      'DKD-F004',
    );
    expect(
      (
        await faultCode(
          '/Bijstandsregelingen-v0500',
          envelope(br.encodeRequest(BSN.gedeeld as never), { action: 'urn:x' }),
        )
      ).code,
    ).toBe('DKD-F004');
  });
  it('missing addressing headers: DKD-F003', async () => {
    expect(
      (
        await faultCode(
          '/Bijstandsregelingen-v0500',
          envelope(br.encodeRequest(BSN.gedeeld as never), { from: null }),
        )
      ).code,
    ).toBe('DKD-F003');
  });
  it('not XML, a DTD, an entity bomb: DKD-F001; not SOAP: DKD-F002', async () => {
    expect((await faultCode('/Bijstandsregelingen-v0500', 'hallo')).code).toBe('DKD-F001');
    const bomb = `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&c;</soap:Body></soap:Envelope>`;
    expect((await faultCode('/Bijstandsregelingen-v0500', bomb)).code).toBe('DKD-F001');
    expect((await faultCode('/Bijstandsregelingen-v0500', '<a/>')).code).toBe('DKD-F002');
  });
  it('a body over the limit: DKD-F007', async () => {
    const big = envelope(
      `<q:BijstandsregelingenInfo xmlns:q="${NS}"><Burgerservicenr>${'1'.repeat(2_000_000)}</Burgerservicenr></q:BijstandsregelingenInfo>`,
    );
    expect((await faultCode('/Bijstandsregelingen-v0500', big)).code).toBe('DKD-F007');
  });
  it('SOAP 1.2 gets a SOAP 1.2 fault with HTTP 400', async () => {
    const f = await faultCode(
      '/Bijstandsregelingen-v0500',
      envelope('<x/>', { version: '1.2' }),
      'application/soap+xml; charset=utf-8',
    );
    expect(f.status).toBe(400);
    expect(f.body).toContain('http://www.w3.org/2003/05/soap-envelope');
  });
  it('no sender OIN: DKD-F010', async () => {
    expect(
      (
        await faultCode(
          '/Bijstandsregelingen-v0500',
          envelope(br.encodeRequest(BSN.gedeeld as never), { from: 'https://x.example/' }),
        )
      ).code,
    ).toBe('DKD-F010');
  });
});

describe('answers over SOAP 1.1 and 1.2', () => {
  it.each(['1.1', '1.2'] as const)('SOAP %s: data with the answering addressing headers', async (version) => {
    const ct = version === '1.1' ? 'text/xml; charset=utf-8' : 'application/soap+xml; charset=utf-8';
    const { res, env } = await post(
      '/Bijstandsregelingen-v0500',
      envelope(br.encodeRequest(BSN.gedeeld as never), { version }),
      ct,
    );
    expect(res.statusCode).toBe(200);
    expect(env.version).toBe(version);
    expect(res.body).toContain('<wsa:RelatesTo');
    expect(res.body).toContain('urn:uuid:00000000-0000-0000-0000-000000000001');
    expect(res.body).toContain(br.actions.response);
    const a = br.decodeAntwoord(env.payload);
    expect(a.ok && a.value.soort).toBe('gegevens');
  });
});

describe('IBVerwijsindex', () => {
  const vraag = (gemeente: string, ind = '1', cluster = '01') =>
    vi.encodeRequest({
      burgerservicenr: BSN.alleenWebservice as never,
      clusteringIb: [{ cdClusteringIb: cluster as never, indDkd: ind as never }],
      bron: { cdKolomSuwi: 4, cdPartijSuwi: gemeente as never },
    });
  const call = (gemeente: string, caller: string, ind = '1', cluster = '01') =>
    post(
      '/IBVerwijsindex-v0300',
      envelope(vraag(gemeente, ind, cluster), {
        action: vi.actions.request,
        from: `https://g.example/?oin=${OIN.gemeente(caller)}`,
      }),
    );

  it('registers and withdraws a BSN for the calling gemeente', async () => {
    const { env } = await call('0599', '0599');
    expect(vi.decodeAntwoord(env.payload)).toEqual({
      ok: true,
      value: { acknowledgement: true, meldingen: [] },
    });
    expect((await store.verwijzingen(BSN.alleenWebservice)).map((v) => v.gemeente)).toEqual(['0599']);
    await call('0599', '0599', '2');
    expect(await store.verwijzingen(BSN.alleenWebservice)).toEqual([]);
  });
  it('refuses a registration for another gemeente with NietGerechtigd', async () => {
    const { env } = await call('0599', '0363');
    expect(env.payload.local).toBe('NietGerechtigd');
    expect(await store.verwijzingen(BSN.alleenWebservice)).toEqual([]);
  });
  it('refuses a withdrawal for another gemeente with NietGerechtigd, and the entry stays', async () => {
    await call('0599', '0599');
    const { env } = await call('0599', '0363', '2');
    expect(env.payload.local).toBe('NietGerechtigd');
    expect((await store.verwijzingen(BSN.alleenWebservice)).map((v) => v.gemeente)).toEqual(['0599']);
    await call('0599', '0599', '2');
    expect(await store.verwijzingen(BSN.alleenWebservice)).toEqual([]);
  });
  it('refuses a caller that is no gemeente with NietGerechtigd', async () => {
    const { env } = await post(
      '/IBVerwijsindex-v0300',
      envelope(vraag('0599'), { action: vi.actions.request }),
    );
    expect(env.payload.local).toBe('NietGerechtigd');
  });
  it('refuses an unknown cluster with a Fout', async () => {
    const { env } = await call('0599', '0599', '1', '77');
    expect(faultSummary(env).code).toBe('DKD-F012');
  });
});

describe('WSDL, health and logs', () => {
  it('?wsdl returns a WSDL whose address is the served one', async () => {
    for (const p of ['Bijstandsregelingen-v0500', 'GSDDossierReintegratie-v0200', 'IBVerwijsindex-v0300']) {
      const res = await app.inject({
        method: 'GET',
        url: `/${p}?wsdl`,
        headers: { host: 'hub.example:8443' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain(`location="http://hub.example:8443/${p}"`);
      expect(res.body).toContain('wsaw:Action=');
    }
  });
  it('health and metrics answer', async () => {
    expect((await app.inject('/health/live')).json()).toEqual({ status: 'ok' });
    expect((await app.inject('/health/ready')).json()).toMatchObject({ status: 'ok' });
    expect((await app.inject('/metrics')).body).toContain('dkd_questions_total');
  });
  it('no log line carries a BSN', () => {
    expect(logs.length).toBeGreaterThan(10);
    const all = logs.join('');
    for (const b of [BSN.gedeeld, BSN.alleenWebservice, '123456781']) expect(all).not.toContain(b);
  });
});
