/**
 * `dkd gemeente serve` as a library: a gemeente's web service from its verzamelbestand, that
 * keeps the hub's verwijsindex in step through IBVerwijsindex, at start and when its file
 * changes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateVerzamelbestand } from '../../src/sim/generator.js';
import { devGemeenteOin, GemeenteServeError, startGemeenteServer } from '../../src/gemeente/serve.js';
import { callSoap } from '../../src/routing/soap-client.js';
import { bijstandsregelingenV0500 as br, type DataAntwoord } from '../../src/suwiml/services/index.js';
import type { Store } from '../../src/store/types.js';
import { openTestStore } from '../helpers/store.js';
import { ask, OIN, partijen, startHub, type Running } from '../helpers/hub.js';

const CODE = '0599';
let dir: string;
let store: Store;
let hub: Running;
const open: { close(): Promise<void> }[] = [];

async function generate(file: string, seed: string, clients = 30): Promise<string[]> {
  const list = `${file}.bsn`;
  await generateVerzamelbestand({ gemeente: CODE, clients, seed, sharedBsns: 3, out: file, bsnList: list });
  return readFileSync(list, 'utf8').trim().split('\n');
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never happened: ${what}`);
}

async function direct(url: string, bsn: string): Promise<DataAntwoord> {
  const r = await callSoap({
    url: `${url}/${br.path}`,
    action: br.actions.request,
    body: br.encodeRequest(bsn as never),
    from: `https://hub.example/?oin=${OIN.hub}`,
    timeoutMs: 5000,
  });
  if (!r.ok) throw new Error(r.reason);
  const a = br.decodeAntwoord(r.env.payload);
  if (!a.ok) throw new Error('answer does not decode');
  return a.value;
}

const gemeentenIn = async (bsn: string) => [
  ...new Set((await store.verwijzingen(bsn)).map((v) => v.gemeente)),
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dkd-gemeente-'));
  store = await openTestStore();
  await store.upsertAfnemer({
    oin: OIN.uwv,
    naam: 'UWV',
    diensten: [{ dienst: 'bijstandsregelingen', versies: [] }],
  });
  hub = await startHub({ store });
});
afterAll(async () => {
  while (open.length) await open.pop()!.close();
  await hub?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a gemeente web service from its verzamelbestand', () => {
  it('answers with the data of a client in the file and NietsGevonden for anyone else', async () => {
    const file = join(dir, 'direct.xml');
    const bsns = await generate(file, 'a');
    const g = await startGemeenteServer({
      service: { code: CODE, oin: devGemeenteOin(CODE) },
      dataFile: file,
      port: 0,
      host: '127.0.0.1',
    });
    open.push(g);
    expect(g.clienten).toBe(30);
    let withData = 0;
    for (const bsn of bsns.slice(0, 10)) {
      const a = await direct(g.url, bsn);
      if (a.soort === 'gegevens') {
        withData++;
        expect(a.dossier.client.burgerservicenr).toBe(bsn);
        expect(partijen(a)).toEqual([CODE]);
      } else expect(a.soort).toBe('nietsGevonden');
    }
    expect(withData).toBeGreaterThan(0);
    expect((await direct(g.url, '999999990')).soort).toBe('nietsGevonden');
  });

  it('refuses the file of another gemeente', async () => {
    const file = join(dir, 'other.xml');
    await generateVerzamelbestand({ gemeente: '0363', clients: 2, out: file });
    await expect(
      startGemeenteServer({
        service: { code: CODE, oin: devGemeenteOin(CODE) },
        dataFile: file,
        port: 0,
        host: '127.0.0.1',
      }),
    ).rejects.toThrow(GemeenteServeError);
  });
});

describe('with --hub: the verwijsindex follows the data', () => {
  it('registers its clients at start, and withdraws those that left when the file changes', async () => {
    await store.upsertGemeente({
      code: CODE,
      naam: 'Rotterdam',
      oin: devGemeenteOin(CODE),
      methode: 'webservice',
      endpoints: [],
    });
    const file = join(dir, 'sync.xml');
    const first = await generate(file, 'eerste');
    const g = await startGemeenteServer({
      service: { code: CODE, oin: devGemeenteOin(CODE) },
      dataFile: file,
      port: 0,
      host: '127.0.0.1',
      hubUrl: hub.url,
      watchIntervalMs: 50,
    });
    open.push(g);
    const r = await g.synced();
    expect(r).toMatchObject({ mislukt: 0, geweigerd: 0 });
    expect(r!.aangemeld).toBeGreaterThanOrEqual(30);
    for (const bsn of first) expect(await gemeentenIn(bsn)).toEqual([CODE]);

    await store.upsertGemeente({
      code: CODE,
      naam: 'Rotterdam',
      oin: devGemeenteOin(CODE),
      methode: 'webservice',
      endpoints: [{ dienst: 'bijstandsregelingen', url: `${g.url}/${br.path}`, versie: br.versie }],
    });
    let known: string | undefined;
    for (const b of first) if (!known && (await direct(g.url, b)).soort === 'gegevens') known = b;
    const viaHub = await ask(hub.url, 'bijstandsregelingen', known!);
    if (!viaHub.ok) throw new Error(viaHub.r.reason);
    expect(partijen(viaHub.antwoord)).toEqual([CODE]);

    const second = await generate(file, 'tweede', 20);
    const left = first.filter((b) => !second.includes(b));
    expect(left.length).toBeGreaterThan(0);
    await until('the new clients are registered', async () => (await gemeentenIn(second.at(-1)!)).length > 0);
    await until('those that left are withdrawn', async () => {
      for (const b of left) if ((await gemeentenIn(b)).length) return false;
      return true;
    });
    await g.synced();
    expect(g.clienten).toBe(20);
    expect((await direct(g.url, left[0]!)).soort).toBe('nietsGevonden');
    for (const bsn of second) expect(await gemeentenIn(bsn)).toEqual([CODE]);
  });

  it('withdraws at the next start the clients that left while it was stopped', async () => {
    const code = '0344';
    await store.upsertGemeente({ code, naam: 'Utrecht', oin: devGemeenteOin(code), methode: 'webservice' });
    const file = join(dir, 'restart.xml');
    const list = `${file}.bsn`;
    const gen = async (seed: string, clients: number) => {
      await generateVerzamelbestand({ gemeente: code, clients, seed, out: file, bsnList: list });
      return readFileSync(list, 'utf8').trim().split('\n');
    };
    const start = () =>
      startGemeenteServer({
        service: { code, oin: devGemeenteOin(code) },
        dataFile: file,
        port: 0,
        host: '127.0.0.1',
        hubUrl: hub.url,
      });
    const first = await gen('voor', 12);
    const g1 = await start();
    await g1.synced();
    await g1.close();
    for (const b of first) expect(await gemeentenIn(b)).toEqual([code]);

    const second = await gen('na', 8);
    const g2 = await start();
    open.push(g2);
    expect(await g2.synced()).toMatchObject({ mislukt: 0 });
    for (const b of first.filter((x) => !second.includes(x))) expect(await gemeentenIn(b)).toEqual([]);
    for (const b of second) expect(await gemeentenIn(b)).toEqual([code]);
  });

  it('a hub that does not know the gemeente refuses its registrations, and that is reported', async () => {
    const file = join(dir, 'unknown.xml');
    await generateVerzamelbestand({ gemeente: '0518', clients: 3, out: file });
    const lines: string[] = [];
    const g = await startGemeenteServer({
      service: { code: '0518', oin: devGemeenteOin('0518') },
      dataFile: file,
      port: 0,
      host: '127.0.0.1',
      hubUrl: hub.url,
      log: (l) => lines.push(l),
    });
    open.push(g);
    expect(await g.synced()).toMatchObject({ aangemeld: 0, geweigerd: 3 });
    expect(lines.join('\n')).toContain('de hub weigert');
  });
});
