/**
 * The demo: the hub with simulated gemeenten, one per delivery method, on the embedded
 * store. Their verzamelbestanden are generated once into the data directory and reused on
 * a second start; the batch and combinatie files are loaded with ingest, and the
 * webservice and combinatie gemeenten run their own web services, which register their
 * clients in the hub's verwijsindex through IBVerwijsindex as a real gemeente would.
 * Some clients are known to several gemeenten (the generator's shared BSN pool).
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { loadDossiers } from '../batch/reader.js';
import { verwerk } from '../batch/ingest.js';
import type { Dossier } from '../domain/model.js';
import { devGemeenteOin, startGemeenteServer, type RunningGemeente } from '../gemeente/serve.js';
import { startHubServer, type RunningHub } from '../http/start.js';
import type { HubOptions } from '../http/hub.js';
import { openStore, type StoreOptions } from '../store/open.js';
import type { Methode } from '../store/types.js';
import { DATA_SERVICES, SERVICES } from '../suwiml/services/index.js';
import { bsnFromSeven, generateVerzamelbestand, sharedBsn } from './generator.js';

export interface DemoGemeente {
  code: string;
  naam: string;
  methode: Methode;
  /** How many clients of the shared pool it knows (the first K). */
  gedeeld: number;
  delayMs?: number;
}

/** Shared pool: the first 10 BSNs are known to all three, the next 5 to Amsterdam and Rotterdam. */
export const DEMO_GEMEENTEN: readonly DemoGemeente[] = [
  { code: '0363', naam: 'Amsterdam', methode: 'batch', gedeeld: 15 },
  { code: '0599', naam: 'Rotterdam', methode: 'webservice', gedeeld: 15, delayMs: 60 },
  { code: '0344', naam: 'Utrecht', methode: 'combinatie', gedeeld: 10, delayMs: 90 },
];

export const DEMO_AFNEMERS = [
  { oin: '00000001000000000002', naam: 'UWV' },
  { oin: '00000001000000000003', naam: 'SVB' },
];

export interface DemoOptions {
  port: number;
  host: string;
  store: StoreOptions;
  /** Where the generated verzamelbestanden are kept. */
  dataDir: string;
  clients: number;
  logger?: HubOptions['logger'];
  log?: (line: string) => void;
}

export interface DemoVoorbeelden {
  /** Known to every demo gemeente, with bijstand data at each. */
  alleGemeenten: string;
  alleenWebservice: string;
  alleenBatch: string;
  onbekend: string;
}

export interface RunningDemo {
  hub: RunningHub;
  portal: string;
  soap: { path: string; url: string; wsdl: string }[];
  gemeenten: { code: string; naam: string; methode: Methode; clienten: number; url?: string }[];
  voorbeelden: DemoVoorbeelden;
  close(): Promise<void>;
}

export async function startDemo(o: DemoOptions): Promise<RunningDemo> {
  const log = o.log ?? (() => undefined);
  const dir = join(o.dataDir, 'demo');
  mkdirSync(dir, { recursive: true });
  const files = new Map<string, string>();
  const data = new Map<string, Dossier[]>();
  for (const g of DEMO_GEMEENTEN) {
    const file = join(dir, `verzamelbestand-${g.code}-${o.clients}.xml`);
    if (!existsSync(file)) {
      log(`verzamelbestand van ${g.naam} maken (${o.clients} clienten)`);
      const tmp = `${file}.tmp`;
      await generateVerzamelbestand({
        gemeente: g.code,
        clients: o.clients,
        sharedBsns: Math.min(g.gedeeld, o.clients),
        seed: 'demo',
        out: tmp,
      });
      // A file that exists is whole: an interrupted first start leaves only the .tmp.
      renameSync(tmp, file);
    }
    files.set(g.code, file);
    data.set(g.code, (await loadDossiers(file)).dossiers);
  }

  const store = await openStore(o.store);
  const started: { close(): Promise<void> }[] = [];
  try {
    for (const g of DEMO_GEMEENTEN)
      await store.upsertGemeente({
        code: g.code,
        naam: g.naam,
        oin: devGemeenteOin(g.code),
        methode: g.methode,
      });
    for (const a of DEMO_AFNEMERS)
      await store.upsertAfnemer({
        ...a,
        diensten: [
          { dienst: 'bijstandsregelingen', versies: [] },
          { dienst: 'reintegratie', versies: [] },
        ],
      });
    // Delivered as a gemeente delivers: checked and loaded by ingest; a file loaded before changes nothing.
    for (const g of DEMO_GEMEENTEN) {
      if (g.methode === 'webservice') continue;
      const r = await verwerk({ file: files.get(g.code)!, modus: 'ingest', store });
      if (r.status !== 'geladen' && r.status !== 'ongewijzigd')
        throw new Error(`het verzamelbestand van ${g.naam} is niet geladen (${r.status})`);
      if (r.status === 'geladen') log(`verzamelbestand van ${g.naam} geladen`);
    }

    const hub = await startHubServer({
      port: o.port,
      host: o.host,
      store,
      insecureDev: true,
      ...(o.logger !== undefined && { logger: o.logger }),
    });
    started.push(hub);
    const base = hub.url.replace(/\/+$/, '');

    const services = new Map<string, RunningGemeente>();
    for (const g of DEMO_GEMEENTEN) {
      if (g.methode === 'batch') continue;
      const running = await startGemeenteServer({
        service: {
          code: g.code,
          oin: devGemeenteOin(g.code),
          ...(g.delayMs !== undefined && { storing: { delayMs: g.delayMs } }),
        },
        dataFile: files.get(g.code)!,
        port: 0,
        host: o.host,
        hubUrl: base,
        log: (l) => log(`${g.naam}: ${l}`),
      });
      started.push(running);
      services.set(g.code, running);
      await store.upsertGemeente({
        code: g.code,
        naam: g.naam,
        oin: devGemeenteOin(g.code),
        methode: g.methode,
        endpoints: DATA_SERVICES.map((s) => ({
          dienst: s.dienst,
          url: `${running.url}/${s.path}`,
          versie: s.versie,
        })),
      });
    }
    for (const s of services.values()) await s.synced();

    const bsnsOf = (code: string, bijstand: boolean) =>
      new Set<string>(
        data
          .get(code)!
          .filter((d) => !bijstand || d.bijstandsregelingen)
          .map((d) => d.client.burgerservicenr),
      );
    const alle = new Map(DEMO_GEMEENTEN.map((g) => [g.code, bsnsOf(g.code, false)]));
    const bijstand = new Map(DEMO_GEMEENTEN.map((g) => [g.code, bsnsOf(g.code, true)]));
    const holders = (bsn: string) =>
      DEMO_GEMEENTEN.filter((g) => alle.get(g.code)!.has(bsn)).map((g) => g.code);
    /** A client with bijstand data at this gemeente and at no other. */
    const only = (code: string) => [...bijstand.get(code)!].find((b) => holders(b).join() === code) ?? '';
    const shared = Array.from({ length: Math.min(...DEMO_GEMEENTEN.map((g) => g.gedeeld)) }, (_, i) =>
      sharedBsn(i),
    );
    let unused = 900_000;
    while (holders(bsnFromSeven(unused)).length) unused++;
    const voorbeelden: DemoVoorbeelden = {
      alleGemeenten:
        shared.find((b) => DEMO_GEMEENTEN.every((g) => bijstand.get(g.code)!.has(b))) ?? shared[0]!,
      alleenWebservice: only('0599'),
      alleenBatch: only('0363'),
      onbekend: bsnFromSeven(unused),
    };

    return {
      hub,
      portal: `${base}/`,
      soap: SERVICES.map((s) => ({ path: s.path, url: `${base}/${s.path}`, wsdl: `${base}/${s.path}?wsdl` })),
      gemeenten: DEMO_GEMEENTEN.map((g) => ({
        code: g.code,
        naam: g.naam,
        methode: g.methode,
        clienten: data.get(g.code)!.length,
        ...(services.has(g.code) && { url: services.get(g.code)!.url }),
      })),
      voorbeelden,
      async close() {
        while (started.length)
          await started
            .pop()!
            .close()
            .catch(() => undefined);
        await store.close();
      },
    };
  } catch (e) {
    while (started.length)
      await started
        .pop()!
        .close()
        .catch(() => undefined);
    await store.close();
    throw e;
  }
}
