/**
 * The demo: the hub with simulated gemeenten, one per delivery method, on the embedded
 * store. Their verzamelbestanden are generated once into the data directory and reused on
 * a second start; the batch and combinatie files are loaded with ingest, and the
 * webservice and combinatie gemeenten run their own web services, which register their
 * clients in the hub's verwijsindex through IBVerwijsindex as a real gemeente would.
 * Some clients are known to several gemeenten (the generator's shared BSN pool).
 *
 * By default the whole chain runs as in production: a test PKI (made once under the data
 * directory, reused later) gives the hub, the gemeenten and the chain partners certificates
 * with their OINs; every hop is two-way TLS and every message is signed and checked, and the
 * hub keeps its protocol under a key of its own. `insecureDev` gives the old plain-HTTP demo.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { protocolKey, type ProtocolKey } from '../audit/protocol.js';
import { securityFromFlags, type ChainSecurity } from '../security/config.js';
import { gemeenteOin, initPki, PKI_PARTIES } from '../security/pki.js';
import { StoreReplayGuard } from '../security/replay.js';
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
  /** Plain HTTP with OINs from wsa:From, as before the trust work (local work only). */
  insecureDev?: boolean;
  /** The protocol key over TLS; default: one made once and kept in the data directory. */
  protocolKey?: ProtocolKey;
}

/** What a chain partner needs to ask the demo over two-way TLS. */
export interface DemoTls {
  /** The test PKI's folder. */
  dir: string;
  ca: string;
  partners: Record<'uwv' | 'svb', { oin: string; cert: string; key: string }>;
  hubOin: string;
  /** The protocol key the demo made (undefined when it was given from outside). */
  protocolKeyFile?: string;
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
  /** Absent with insecureDev. */
  tls?: DemoTls;
  close(): Promise<void>;
}

const pkiName = (code: string) => `gemeente-${code}`;

/** The demo's test PKI: made on the first start, reused on later ones (the files are its state). */
async function demoPki(dir: string, log: (line: string) => void): Promise<string> {
  const pkiDir = join(dir, 'pki');
  const names = ['ca', 'hub', 'uwv', 'svb', ...DEMO_GEMEENTEN.map((g) => pkiName(g.code))];
  const whole = names.every(
    (n) => existsSync(join(pkiDir, `${n}.pem`)) && existsSync(join(pkiDir, `${n}.key`)),
  );
  if (!whole) {
    log(`test-PKI maken in ${pkiDir}`);
    await initPki(
      pkiDir,
      DEMO_GEMEENTEN.map((g) => g.code),
      { force: true },
    );
  }
  return pkiDir;
}

/** The demo's own protocol key, made once (like `openssl rand -hex 32`) and kept with mode 0600. */
function demoProtocolKey(dir: string): { key: ProtocolKey; file: string } {
  const file = join(dir, 'protocol.key');
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  return { key: protocolKey(readFileSync(file, 'utf8')), file };
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

  const secure = !o.insecureDev;
  const pkiDir = secure ? await demoPki(dir, log) : undefined;
  const madeKey = secure && !o.protocolKey ? demoProtocolKey(dir) : undefined;
  const oinOf = (code: string) => (secure ? gemeenteOin(code) : devGemeenteOin(code));
  const afnemers = secure
    ? [
        { oin: PKI_PARTIES.uwv.oin, naam: 'UWV' },
        { oin: PKI_PARTIES.svb.oin, naam: 'SVB' },
      ]
    : DEMO_AFNEMERS;
  const store = await openStore(o.store);
  const started: { close(): Promise<void> }[] = [];
  /** The trust set-up of a party of the test PKI, closed with the demo. */
  const securityOf = (name: string, shared = false): ChainSecurity => {
    const sec = securityFromFlags({
      tlsCert: join(pkiDir!, `${name}.pem`),
      tlsKey: join(pkiDir!, `${name}.key`),
      tlsCa: join(pkiDir!, 'ca.pem'),
      // The hub's replay guard is in the store, as with `dkd serve`.
      ...(shared && { replayGuard: new StoreReplayGuard(store) }),
    })!;
    started.push(sec);
    return sec;
  };
  try {
    for (const g of DEMO_GEMEENTEN)
      await store.upsertGemeente({
        code: g.code,
        naam: g.naam,
        oin: oinOf(g.code),
        methode: g.methode,
      });
    for (const a of afnemers)
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

    const hubSec = secure ? securityOf('hub', true) : undefined;
    const key = o.protocolKey ?? madeKey?.key;
    const hub = await startHubServer({
      port: o.port,
      host: o.host,
      store,
      insecureDev: !secure,
      ...(hubSec && { hubOin: hubSec.oin, extra: hubSec.hub }),
      ...(key && { protocolKey: key }),
      ...(o.logger !== undefined && { logger: o.logger }),
    });
    started.push(hub);
    const base = hub.url.replace(/\/+$/, '');

    const services = new Map<string, RunningGemeente>();
    for (const g of DEMO_GEMEENTEN) {
      if (g.methode === 'batch') continue;
      const gSec = secure ? securityOf(pkiName(g.code)) : undefined;
      const running = await startGemeenteServer({
        service: {
          code: g.code,
          oin: oinOf(g.code),
          ...gSec?.gemeente,
          ...(g.delayMs !== undefined && { storing: { delayMs: g.delayMs } }),
        },
        dataFile: files.get(g.code)!,
        port: 0,
        host: o.host,
        hubUrl: base,
        ...(gSec && hubSec && { hubClient: gSec.client(hubSec.oin) }),
        log: (l) => log(`${g.naam}: ${l}`),
      });
      started.push(running);
      services.set(g.code, running);
      await store.upsertGemeente({
        code: g.code,
        naam: g.naam,
        oin: oinOf(g.code),
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
      ...(pkiDir &&
        hubSec && {
          tls: {
            dir: pkiDir,
            ca: join(pkiDir, 'ca.pem'),
            partners: {
              uwv: {
                oin: PKI_PARTIES.uwv.oin,
                cert: join(pkiDir, 'uwv.pem'),
                key: join(pkiDir, 'uwv.key'),
              },
              svb: {
                oin: PKI_PARTIES.svb.oin,
                cert: join(pkiDir, 'svb.pem'),
                key: join(pkiDir, 'svb.key'),
              },
            },
            hubOin: hubSec.oin,
            ...(madeKey && { protocolKeyFile: madeKey.file }),
          },
        }),
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
