/**
 * The routing hub end to end on real ports: a batch, a webservice and a combinatie
 * gemeente, each failure kind of a gemeente, and the answer the chain partner gets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types.js';
import { openTestStore } from '../helpers/store.js';
import { BSN, dossier, loadDataset } from '../helpers/dossiers.js';
import { ask, OIN, partijen, registreer, startGemeente, startHub, type Running } from '../helpers/hub.js';

const BATCH = '0363';
const WS = '0599';
const COMBI = '0344';
/** A batch gemeente whose data set was stored by an earlier version (keyed form). */
const OUD = '0518';

let store: Store;
let hub: Running;
const gemeenten: Running[] = [];

async function register(
  code: string,
  methode: 'batch' | 'webservice' | 'combinatie',
  url?: string,
  deadlineMs?: number,
) {
  await store.upsertGemeente({
    code,
    naam: `Gemeente ${code}`,
    oin: OIN.gemeente(code),
    methode,
    deadlineMs: deadlineMs ?? null,
    endpoints: url
      ? [
          { dienst: 'bijstandsregelingen', url: `${url}/Bijstandsregelingen-v0500`, versie: 'v0500' },
          { dienst: 'reintegratie', url: `${url}/GSDDossierReintegratie-v0200`, versie: 'v0200' },
        ]
      : [],
  });
}

beforeAll(async () => {
  store = await openTestStore();
  const ws = await startGemeente(WS, [dossier(BSN.gedeeld, WS), dossier(BSN.alleenWebservice, WS)]);
  const combi = await startGemeente(COMBI, [dossier(BSN.gedeeld, COMBI, { naam: 'Vers' })]);
  gemeenten.push(ws, combi);
  await register(BATCH, 'batch');
  await register(WS, 'webservice', ws.url);
  await register(COMBI, 'combinatie', combi.url);
  await loadDataset(store, BATCH, [dossier(BSN.gedeeld, BATCH), dossier(BSN.alleenBatch, BATCH)]);
  await loadDataset(store, COMBI, [dossier(BSN.gedeeld, COMBI, { naam: 'Oud' })]);
  // Stored in the keyed form of earlier versions: such stores keep answering.
  await register(OUD, 'batch');
  await loadDataset(store, OUD, [dossier(BSN.alleenOudeVorm, OUD)], { vorm: 'sleutels' });
  await store.upsertAfnemer({
    oin: OIN.uwv,
    naam: 'UWV',
    diensten: [
      { dienst: 'bijstandsregelingen', versies: [] },
      { dienst: 'reintegratie', versies: [] },
    ],
  });
  hub = await startHub({ store, router: { deadlineMs: 1500, gemeenteDeadlineMs: 1200 } });
  for (const [g, bsn] of [
    [WS, BSN.gedeeld],
    [WS, BSN.alleenWebservice],
    [COMBI, BSN.gedeeld],
  ] as const) {
    for (const c of ['01', '02']) expect((await registreer(hub.url, g, bsn, c)).ok).toBe(true);
  }
});

afterAll(async () => {
  await hub?.close();
  for (const g of gemeenten) await g.close();
  await store?.close();
});

describe('a question about a BSN that three gemeenten know', () => {
  it('is answered with one dossier carrying the Bron of all three', async () => {
    const r = await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld);
    if (!r.ok) throw new Error(r.r.reason);
    expect(r.antwoord.soort).toBe('gegevens');
    expect(partijen(r.antwoord)).toEqual([COMBI, BATCH, WS].sort());
    if (r.antwoord.soort !== 'gegevens') return;
    expect(r.antwoord.meldingen).toEqual([]);
    const b = r.antwoord.dossier.bijstandsregelingen!;
    expect(b.uitkeringsverhouding.map((u) => u.bron.cdPartijSuwi)).toEqual([COMBI, BATCH, WS].sort());
    expect(b.vordering).toHaveLength(3);
  });

  it('takes the person from the freshest source (a web service, not a file)', async () => {
    const r = await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld);
    if (!r.ok || r.antwoord.soort !== 'gegevens') throw new Error('no data');
    expect([WS, COMBI]).toContain(r.antwoord.dossier.client.bron?.cdPartijSuwi);
    expect(r.antwoord.dossier.client.significantDeelVanDeAchternaam).not.toBe('Oud');
  });

  it('answers GSDDossierReintegratie from the same sources', async () => {
    const r = await ask(hub.url, 'reintegratie', BSN.gedeeld);
    if (!r.ok || r.antwoord.soort !== 'gegevens') throw new Error('no data');
    expect(r.antwoord.dossier.reintegratie!.atlRelatie.map((a) => a.bron.cdPartijSuwi)).toEqual(
      [COMBI, BATCH, WS].sort(),
    );
  });
});

describe('single sources', () => {
  it('a BSN only the webservice gemeente knows is answered from its service', async () => {
    const r = await ask(hub.url, 'bijstandsregelingen', BSN.alleenWebservice);
    if (!r.ok) throw new Error(r.r.reason);
    expect(partijen(r.antwoord)).toEqual([WS]);
  });
  it('a BSN only the batch gemeente knows is answered from its file', async () => {
    const r = await ask(hub.url, 'bijstandsregelingen', BSN.alleenBatch);
    if (!r.ok) throw new Error(r.r.reason);
    expect(partijen(r.antwoord)).toEqual([BATCH]);
  });
  it('a BSN only a file in the keyed form of earlier versions knows is answered from it', async () => {
    const r = await ask(hub.url, 'bijstandsregelingen', BSN.alleenOudeVorm);
    if (!r.ok || r.antwoord.soort !== 'gegevens') throw new Error('no data');
    expect(partijen(r.antwoord)).toEqual([OUD]);
    const periode = r.antwoord.dossier.bijstandsregelingen!.uitkeringsverhouding[0]!.uitkeringsperiode[0]!;
    expect(periode.normbedrag[0]!.waardeBedr).toBe(109543n);
  });
  it('a BSN nobody knows gets NietsGevonden', async () => {
    const r = await ask(hub.url, 'bijstandsregelingen', BSN.onbekend);
    expect(r.ok && r.antwoord).toEqual({ soort: 'nietsGevonden' });
  });
  it('a party that is not authorized gets NietGerechtigd', async () => {
    const r = await ask(hub.url, 'bijstandsregelingen', BSN.gedeeld, OIN.svb);
    expect(r.ok && r.antwoord).toEqual({ soort: 'nietGerechtigd' });
  });
});
