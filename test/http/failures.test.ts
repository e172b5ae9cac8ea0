/**
 * Every way a gemeente can fail the hub, and what the chain partner gets then: the others'
 * data, an FWI Waarschuwing naming the gemeente by code (never the BSN), the combinatie
 * gemeente's file with an Informatie, and the answer within the deadline.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import type { Store } from '../../src/store/types.js';
import { bijstandsregelingenV0500 } from '../../src/suwiml/services/index.js';
import { buildEnvelope, parseEnvelope } from '../../src/suwiml/soap.js';
import { oinFromUri, readAddressing, writeAddressing } from '../../src/suwiml/addressing.js';
import { openTestStore } from '../helpers/store.js';
import { BSN, dossier, loadDataset } from '../helpers/dossiers.js';
import { ask, OIN, partijen, startGemeente, startHub, type Running } from '../helpers/hub.js';
import type { Storing } from '../../src/gemeente/service.js';
import type { DataAntwoord } from '../../src/suwiml/services/index.js';
import type { RouterConfig } from '../../src/routing/router.js';
import { LOGGER_OPTIONS } from '../../src/http/hub.js';
import { Writable } from 'node:stream';

const BATCH = '0363';
const OTHER = '0599';
const DEADLINE = 800;

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function scenario(o: {
  methode: 'webservice' | 'combinatie';
  storing?: Storing;
  url?: string;
  file?: boolean;
  gemeenteData?: boolean;
  breakerFailures?: number;
  /** The gemeente's own deadline in the registry. */
  gemeenteDeadlineMs?: number;
  router?: Partial<RouterConfig>;
  logs?: string[];
}): Promise<{ store: Store; hub: Running }> {
  const store = await openTestStore();
  open.push(store);
  let url = o.url;
  if (!url) {
    const g = await startGemeente(
      OTHER,
      o.gemeenteData === false ? [] : [dossier(BSN.gedeeld, OTHER)],
      o.storing ?? {},
    );
    open.push(g);
    url = g.url;
  }
  await store.upsertGemeente({ code: BATCH, naam: 'Batch', oin: OIN.gemeente(BATCH), methode: 'batch' });
  await store.upsertGemeente({
    code: OTHER,
    naam: 'Other',
    oin: OIN.gemeente(OTHER),
    methode: o.methode,
    deadlineMs: o.gemeenteDeadlineMs ?? null,
    endpoints: [{ dienst: 'bijstandsregelingen', url: `${url}/Bijstandsregelingen-v0500`, versie: 'v0500' }],
  });
  await loadDataset(store, BATCH, [dossier(BSN.gedeeld, BATCH)]);
  if (o.file) await loadDataset(store, OTHER, [dossier(BSN.gedeeld, OTHER, { naam: 'Uitbestand' })]);
  await store.upsertAfnemer({
    oin: OIN.uwv,
    naam: 'UWV',
    diensten: [{ dienst: 'bijstandsregelingen', versies: [] }],
  });
  await store.aanmelden(BSN.gedeeld, OTHER, '01', true);
  const logs = o.logs;
  const hub = await startHub({
    store,
    router: {
      deadlineMs: DEADLINE,
      gemeenteDeadlineMs: DEADLINE,
      breakerFailures: o.breakerFailures ?? 5,
      ...o.router,
    },
    ...(logs && {
      logger: {
        ...LOGGER_OPTIONS,
        level: 'debug',
        stream: new Writable({
          write(chunk, _enc, cb) {
            logs.push(String(chunk));
            cb();
          },
        }),
      },
    }),
  });
  open.push(hub);
  return { store, hub };
}

function codes(a: DataAntwoord): string[] {
  return a.soort === 'gegevens' || a.soort === 'fwi' ? a.meldingen.map((m) => m.code) : [];
}
function texts(a: DataAntwoord): string {
  return a.soort === 'gegevens' || a.soort === 'fwi' ? a.meldingen.map((m) => m.tekst).join(' | ') : '';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rawGemeente(
  body: (messageId: string, request: string) => string,
  status = 200,
): Promise<Running> {
  const app = Fastify();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_r, b, done) => done(null, b));
  app.post('/Bijstandsregelingen-v0500', async (req, reply) => {
    const id = /MessageID[^>]*>([^<]+)</.exec(String(req.body))?.[1] ?? '';
    return reply
      .code(status)
      .header('content-type', 'text/xml')
      .send(body(id, String(req.body)));
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const r = { app, url, close: () => app.close() };
  open.push(r);
  return r;
}

const answerEnvelope = (id: string, payload: string) =>
  buildEnvelope({
    version: '1.1',
    headers: writeAddressing({
      action: bijstandsregelingenV0500.actions.response,
      messageId: 'urn:uuid:x',
      relatesTo: id,
    }),
    body: payload,
  });

describe('the hub as a Suwi-ML client of a gemeente', () => {
  it('asks with every addressing header: MessageID, Action, From with the hub OIN, To with the gemeente OIN', async () => {
    const seen: string[] = [];
    const g = await rawGemeente((id, request) => {
      seen.push(request);
      return answerEnvelope(id, bijstandsregelingenV0500.encodeAntwoord({ soort: 'nietsGevonden' }));
    });
    const { hub } = await scenario({ methode: 'webservice', url: g.url });
    await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld);
    expect(seen).toHaveLength(1);
    const env = parseEnvelope(seen[0]!);
    const a = readAddressing(env.headers).value;
    expect(a.messageId).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(a.action).toBe(bijstandsregelingenV0500.actions.request);
    expect(oinFromUri(a.from)).toBe(OIN.hub);
    expect(a.to).toBe(`${g.url}/Bijstandsregelingen-v0500?oin=${OIN.gemeente(OTHER)}`);
    expect(env.payload.local).toBe('BijstandsregelingenInfo');
  });
});

describe('a gemeente that fails', () => {
  it('hangs: the answer comes within the deadline with the others data and a Waarschuwing naming it', async () => {
    const { hub } = await scenario({ methode: 'webservice', storing: { hang: true } });
    const r = await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld);
    if (!r.ok) throw new Error(r.r.reason);
    expect(partijen(r.antwoord)).toEqual([BATCH]);
    expect(codes(r.antwoord)).toEqual(['DKD-W001']);
    expect(texts(r.antwoord)).toContain(OTHER);
    expect(texts(r.antwoord)).not.toContain(BSN.gedeeld);
  });

  it('answers with a server fault: Waarschuwing DKD-W002', async () => {
    const { hub } = await scenario({ methode: 'webservice', storing: { failRate: 1 } });
    const r = await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld);
    if (!r.ok) throw new Error(r.r.reason);
    expect(partijen(r.antwoord)).toEqual([BATCH]);
    expect(codes(r.antwoord)).toEqual(['DKD-W002']);
  });

  it('cannot be reached: Waarschuwing DKD-W002', async () => {
    const dead = await rawGemeente(() => '');
    const url = dead.url;
    await dead.close();
    const { hub } = await scenario({ methode: 'webservice', url });
    const r = await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld);
    if (!r.ok) throw new Error(r.r.reason);
    expect(codes(r.antwoord)).toEqual(['DKD-W002']);
  });

  it.each([
    [
      'data about another BSN',
      (id: string) =>
        answerEnvelope(
          id,
          bijstandsregelingenV0500.encodeAntwoord({
            soort: 'gegevens',
            dossier: dossier(BSN.alleenBatch, OTHER),
            meldingen: [],
          }),
        ),
    ],
    [
      'data with the Bron of another gemeente',
      (id: string) =>
        answerEnvelope(
          id,
          bijstandsregelingenV0500.encodeAntwoord({
            soort: 'gegevens',
            dossier: dossier(BSN.gedeeld, '0518'),
            meldingen: [],
          }),
        ),
    ],
    [
      'data that breaks the schema',
      (id: string) =>
        answerEnvelope(
          id,
          bijstandsregelingenV0500
            .encodeAntwoord({ soort: 'gegevens', dossier: dossier(BSN.gedeeld, OTHER), meldingen: [] })
            .replace('<CdSzWet>PW</CdSzWet>', '<CdSzWet>PW1</CdSzWet>'),
        ),
    ],
    [
      'an answer to another question',
      (_id: string) =>
        answerEnvelope('urn:uuid:other', bijstandsregelingenV0500.encodeAntwoord({ soort: 'nietsGevonden' })),
    ],
    ['no XML at all', () => 'Internal error'],
  ])(
    'answers %s: Waarschuwing DKD-W003, and none of its data reaches the chain partner',
    async (_name, body) => {
      const bad = await rawGemeente(body);
      const { hub } = await scenario({ methode: 'webservice', url: bad.url });
      const r = await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld);
      if (!r.ok) throw new Error(r.r.reason);
      expect(partijen(r.antwoord)).toEqual([BATCH]);
      expect(codes(r.antwoord)).toEqual(['DKD-W003']);
      if (r.antwoord.soort === 'gegevens')
        expect(r.antwoord.dossier.client.burgerservicenr).toBe(BSN.gedeeld);
    },
  );

  it('answers NietsGevonden although the verwijsindex says it has data: counted for operators', async () => {
    const { hub } = await scenario({ methode: 'webservice', gemeenteData: false });
    const r = await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld);
    if (!r.ok) throw new Error(r.r.reason);
    expect(partijen(r.antwoord)).toEqual([BATCH]);
    expect(codes(r.antwoord)).toEqual([]);
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`dkd_verwijsindex_mismatch_total\\{gemeente="${OTHER}"\\} 1`));
    expect(metrics).not.toContain(BSN.gedeeld);
  });

  it('keeps failing: its circuit opens and it is skipped (Waarschuwing DKD-W004)', async () => {
    const { hub } = await scenario({ methode: 'webservice', storing: { failRate: 1 }, breakerFailures: 2 });
    for (let i = 0; i < 2; i++)
      expect(
        codes(
          ((await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld)) as { antwoord: DataAntwoord }).antwoord,
        ),
      ).toEqual(['DKD-W002']);
    const r = await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld);
    if (!r.ok) throw new Error(r.r.reason);
    expect(codes(r.antwoord)).toEqual(['DKD-W004']);
    expect(partijen(r.antwoord)).toEqual([BATCH]);
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`dkd_gemeente_circuit_open\\{gemeente="${OTHER}"\\} 1`));
  });

  it('is slower than its own deadline in the registry: Waarschuwing DKD-W001 although the overall deadline was not reached', async () => {
    const { hub } = await scenario({
      methode: 'webservice',
      storing: { delayMs: 300 },
      gemeenteDeadlineMs: 50,
      router: { deadlineMs: 5000, gemeenteDeadlineMs: 5000 },
    });
    const r = await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld);
    if (!r.ok) throw new Error(r.r.reason);
    expect(partijen(r.antwoord)).toEqual([BATCH]);
    expect(codes(r.antwoord)).toEqual(['DKD-W001']);
  });

  it('has an own deadline beyond the overall one: the overall deadline wins (DKD-W001)', async () => {
    const { hub } = await scenario({
      methode: 'webservice',
      storing: { hang: true },
      gemeenteDeadlineMs: 60_000,
    });
    const r = await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld);
    if (!r.ok) throw new Error(r.r.reason);
    expect(partijen(r.antwoord)).toEqual([BATCH]);
    expect(codes(r.antwoord)).toEqual(['DKD-W001']);
  });

  it('answers an HTTP error page: Waarschuwing DKD-W002', async () => {
    const bad = await rawGemeente(() => '<html><body>503 Service Unavailable</body></html>', 503);
    const { hub } = await scenario({ methode: 'webservice', url: bad.url });
    const r = await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld);
    if (!r.ok) throw new Error(r.r.reason);
    expect(partijen(r.antwoord)).toEqual([BATCH]);
    expect(codes(r.antwoord)).toEqual(['DKD-W002']);
  });

  it.each([
    [
      'an FWI with its own Fout',
      (id: string) =>
        answerEnvelope(
          id,
          bijstandsregelingenV0500.encodeAntwoord({
            soort: 'fwi',
            meldingen: [
              { soort: 'Fout', code: 'G-17', tekst: 'Systeem in onderhoud', details: [], bron: 'CN=G' },
            ],
          } as DataAntwoord),
        ),
    ],
    [
      'NietGerechtigd (it does not know the hub)',
      (id: string) =>
        answerEnvelope(id, bijstandsregelingenV0500.encodeAntwoord({ soort: 'nietGerechtigd' })),
    ],
  ])('answers %s: Waarschuwing DKD-W002, and its own texts are not passed on', async (_name, body) => {
    const bad = await rawGemeente(body);
    const { hub } = await scenario({ methode: 'webservice', url: bad.url });
    const r = await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld);
    if (!r.ok) throw new Error(r.r.reason);
    expect(partijen(r.antwoord)).toEqual([BATCH]);
    expect(codes(r.antwoord)).toEqual(['DKD-W002']);
    expect(texts(r.antwoord)).not.toContain('onderhoud');
  });

  it('is tried again after its circuit has been open a while, and answers again', async () => {
    const storing: Storing = { failRate: 1 };
    const { hub } = await scenario({
      methode: 'webservice',
      storing,
      breakerFailures: 2,
      router: { breakerOpenMs: 200 },
    });
    for (let i = 0; i < 2; i++) await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld);
    const skipped = await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld);
    expect(skipped.ok && codes(skipped.antwoord)).toEqual(['DKD-W004']);
    storing.failRate = 0;
    await sleep(300);
    const r = await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld);
    if (!r.ok) throw new Error(r.r.reason);
    expect(codes(r.antwoord)).toEqual([]);
    expect(partijen(r.antwoord)).toEqual([BATCH, OTHER].sort());
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`dkd_gemeente_circuit_open\\{gemeente="${OTHER}"\\} 0`));
  });

  it('is not called beyond the bound on concurrent calls: the extra question skips it (DKD-W004)', async () => {
    const { hub } = await scenario({
      methode: 'webservice',
      storing: { delayMs: 300 },
      router: { maxConcurrentCalls: 1, deadlineMs: 3000, gemeenteDeadlineMs: 3000 },
    });
    const [a, b] = await Promise.all([
      ask(hub.url, 'bijstandsregelingen', BSN.gedeeld),
      ask(hub.url, 'bijstandsregelingen', BSN.gedeeld),
    ]);
    if (!a.ok || !b.ok) throw new Error('no answer');
    const all = [codes(a.antwoord), codes(b.antwoord)].map((c) => c.join(',')).sort();
    expect(all).toEqual(['', 'DKD-W004']);
  });

  it('a batch gemeente whose stored data cannot be read: Waarschuwing DKD-W002, the others still answer', async () => {
    const { store, hub } = await scenario({ methode: 'webservice' });
    const id = await store.beginGeneratie(BATCH, null);
    await store.writeDossiers(id, [{ bsn: BSN.gedeeld, clusters: ['01'], data: '{"client":' }]);
    await store.activateGeneratie(id);
    const r = await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld);
    if (!r.ok) throw new Error(r.r.reason);
    expect(partijen(r.antwoord)).toEqual([OTHER]);
    expect(codes(r.antwoord)).toEqual(['DKD-W002']);
    expect(texts(r.antwoord)).toContain(BATCH);
  });

  it('no failure puts a BSN or a name in a log line or a metric', async () => {
    const logs: string[] = [];
    const hang = await scenario({ methode: 'webservice', storing: { hang: true }, logs });
    await ask(hang.hub.url, 'bijstandsregelingen', BSN.gedeeld);
    const bad = await rawGemeente((id) =>
      answerEnvelope(
        id,
        bijstandsregelingenV0500
          .encodeAntwoord({ soort: 'gegevens', dossier: dossier(BSN.gedeeld, OTHER), meldingen: [] })
          .replace('<CdSzWet>PW</CdSzWet>', '<CdSzWet>PW1</CdSzWet>'),
      ),
    );
    const invalid = await scenario({ methode: 'webservice', url: bad.url, logs });
    await ask(invalid.hub.url, 'bijstandsregelingen', BSN.gedeeld);
    const metrics = [
      await (await fetch(`${hang.hub.url}/metrics`)).text(),
      await (await fetch(`${invalid.hub.url}/metrics`)).text(),
    ].join('');
    expect(metrics).toContain(`gemeente="${OTHER}"`);
    expect(logs.length).toBeGreaterThan(4);
    for (const text of [logs.join(''), metrics])
      for (const secret of [BSN.gedeeld, BSN.partner, 'Berg', 'Anna Maria'])
        expect(text).not.toContain(secret);
  });
});

describe('the combinatie method', () => {
  it('when the web service is down, the file answers with an Informatie giving its date', async () => {
    const { hub } = await scenario({ methode: 'combinatie', storing: { failRate: 1 }, file: true });
    const r = await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld);
    if (!r.ok || r.antwoord.soort !== 'gegevens') throw new Error('no data');
    expect(partijen(r.antwoord)).toEqual([BATCH, OTHER].sort());
    expect(codes(r.antwoord)).toEqual(['DKD-I001']);
    const today = new Date().toISOString().slice(0, 10).replaceAll('-', '');
    expect(texts(r.antwoord)).toContain(today);
    expect(texts(r.antwoord)).toContain(OTHER);
  });

  it('when the web service hangs, the file answers within the deadline', async () => {
    const { hub } = await scenario({ methode: 'combinatie', storing: { hang: true }, file: true });
    const r = await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld);
    if (!r.ok || r.antwoord.soort !== 'gegevens') throw new Error('no data');
    expect(codes(r.antwoord)).toEqual(['DKD-I001']);
    expect(
      r.antwoord.dossier.bijstandsregelingen!.uitkeringsverhouding.map((u) => u.bron.cdPartijSuwi).sort(),
    ).toEqual([BATCH, OTHER].sort());
  });

  it('when the web service answers, its data is used, not the file', async () => {
    const { hub } = await scenario({ methode: 'combinatie', file: true });
    const r = await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld);
    if (!r.ok || r.antwoord.soort !== 'gegevens') throw new Error('no data');
    expect(codes(r.antwoord)).toEqual([]);
    expect(r.antwoord.dossier.client.significantDeelVanDeAchternaam).not.toBe('Uitbestand');
  });

  it('when the web service is down and no file holds the client: Waarschuwing DKD-W002', async () => {
    const { hub } = await scenario({ methode: 'combinatie', storing: { failRate: 1 }, file: false });
    const r = await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld);
    if (!r.ok) throw new Error(r.r.reason);
    expect(partijen(r.antwoord)).toEqual([BATCH]);
    expect(codes(r.antwoord)).toEqual(['DKD-W002']);
  });
});

describe('when no gemeente can give data', () => {
  it('the answer is an FWI with a Fout and the Waarschuwing per gemeente', async () => {
    const store = await openTestStore();
    open.push(store);
    const g = await startGemeente(OTHER, [dossier(BSN.gedeeld, OTHER)], { failRate: 1 });
    open.push(g);
    await store.upsertGemeente({
      code: OTHER,
      naam: 'Other',
      oin: OIN.gemeente(OTHER),
      methode: 'webservice',
      endpoints: [
        { dienst: 'bijstandsregelingen', url: `${g.url}/Bijstandsregelingen-v0500`, versie: 'v0500' },
      ],
    });
    await store.upsertAfnemer({
      oin: OIN.uwv,
      naam: 'UWV',
      diensten: [{ dienst: 'bijstandsregelingen', versies: [] }],
    });
    await store.aanmelden(BSN.gedeeld, OTHER, '01', true);
    const hub = await startHub({ store });
    open.push(hub);
    const r = await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld);
    if (!r.ok) throw new Error(r.r.reason);
    expect(r.antwoord.soort).toBe('fwi');
    expect(codes(r.antwoord)).toEqual(['DKD-F022', 'DKD-W002']);
  });
});

describe('health and metrics', () => {
  it('per gemeente: a latency histogram and outcome counts, by source and outcome', async () => {
    const { hub } = await scenario({ methode: 'webservice', storing: { hang: true } });
    await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld);
    const m = await (await fetch(`${hub.url}/metrics`)).text();
    expect(m).toMatch(
      new RegExp(
        `dkd_gemeente_duration_seconds_count\\{gemeente="${OTHER}",bron="webservice",outcome="timeout"\\} 1`,
      ),
    );
    expect(m).toMatch(
      new RegExp(
        `dkd_gemeente_duration_seconds_bucket\\{le="0.005",gemeente="${BATCH}",bron="bestand",outcome="gegevens"\\}`,
      ),
    );
    expect(m).toMatch(
      new RegExp(
        `dkd_gemeente_outcomes_total\\{gemeente="${OTHER}",bron="webservice",outcome="timeout"\\} 1`,
      ),
    );
  });

  it('/health/ready says 503 when the store cannot be reached; /health/live still answers', async () => {
    const { store, hub } = await scenario({ methode: 'webservice' });
    expect((await fetch(`${hub.url}/health/ready`)).status).toBe(200);
    open.splice(open.indexOf(store), 1);
    await store.close();
    const ready = await fetch(`${hub.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect((await fetch(`${hub.url}/health/live`)).status).toBe(200);
  });
});

afterAll(async () => {
  while (open.length) await open.pop()!.close();
});
