/**
 * Validating and loading a verzamelbestand: one streaming pass over the file (./reader),
 * every record checked (./check), the good ones written to the store as they come, and a
 * processing report (./report) at the end.
 *
 * `volledig` is written into a new generation that no reader sees, and becomes the
 * gemeente's data set in the one short transaction of activateGeneratie: a crash, kill -9
 * or power loss at any moment before it leaves the old set in force (the orphan is removed
 * by the store's cleanup), and readers never see a mix. `mutatie` collects its operations
 * and applies them in one transaction. A file with the same SHA-256 as a file loaded before
 * for the gemeente is not processed again: the report says `ongewijzigd`.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ResourceLimits, Worker } from 'node:worker_threads';
import { Codetabellen } from '../domain/codetabellen.js';
import type { DossierRow, MutatieOp, Store } from '../store/types.js';
import { FORMAAT_VERSIES, type FormaatVersie, isLive, type SoortLevering } from './format.js';
import { type Gelezen, leesEnControleer, nieuwDeel, type RecordDeel } from './lezen.js';
import { BestandFout, fastPathFromEnv, type KopInfo } from './reader.js';
import { bevinding, type Rapport, samenvatting } from './report.js';
import { foutUitData, type NaarMain, type NaarWorker, type WorkerData } from './worker-protocol.js';

export interface VerwerkOptions {
  file: string;
  /** validate checks and loads nothing; ingest loads. */
  modus: 'validate' | 'ingest';
  /** Needed for ingest; for validate it adds the check that the gemeente is registered. */
  store?: Store;
  /** Share of skipped records (percent) above which the whole file is refused; default 10. */
  maxFoutenPct?: number;
  /** Name of the file as the sender knows it (for the report); default the file's base name. */
  bestandsnaam?: string;
  /** SHA-256 of the file when already known (an upload computes it while receiving). */
  sha256?: string;
  /** A delivery created beforehand (upload); otherwise ingest creates one once the Kop is read. */
  leveringId?: number;
  /** The gemeente the file must be from (upload: the caller). */
  verwachteGemeente?: string;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  codes?: Codetabellen;
  now?: () => Date;
  /** The format versions known (default: every version of ./format). */
  versies?: readonly FormaatVersie[];
  /**
   * Read and check in a Worker thread while this thread writes to the store (default: yes,
   * unless DKD_INGEST_THREADS=0). Versions other than those of ./format cannot cross to a
   * Worker (they hold functions): with those the pass always runs on this thread.
   */
  threads?: boolean;
  /** Limits of the Worker's heap (default: Node's). */
  workerLimits?: ResourceLimits;
  /** The reader's fast path (ReadOptions.fastPath); default on unless DKD_FAST_PATH=0. */
  fastPath?: boolean;
}

export const DEFAULT_MAX_FOUTEN_PCT = 10;
/**
 * Dossiers per writeDossiers call (one write transaction): enough to amortise a
 * transaction, few enough to die young in the heap. Larger batches make the store's part
 * cheaper (1,000 rows a transaction halve it at 100,000 clients: SQLite writes every index
 * page a transaction touched to the WAL, and the BSNs come in random order), but rows that
 * live through two scavenges are promoted: peak RSS at 1,000,000 clients went from 250 MB
 * (100) to 280 MB (200) and 290 MB (1,000), against a limit of 300 MB.
 */
const WRITE_BATCH = 100;
/**
 * Batches the Worker may have posted that the store has not written yet. Two keep the store
 * busy while the next batch is made; more only hold memory (about 0.4 MB a batch).
 */
const KREDIET = 4;
/**
 * At the start the Worker may run further ahead: the main thread is still hashing the file
 * and checking the Kop against the store, and cannot write yet. The credits of the first
 * VOORSPRONG - KREDIET batches are not given back, so after the start it is KREDIET again.
 */
const VOORSPRONG = 32;

/** The limit from the environment (DKD_MAX_FOUTEN_PCT), else the default. */
export function maxFoutenPctFromEnv(): number {
  const v = process.env.DKD_MAX_FOUTEN_PCT;
  if (v === undefined || v === '') return DEFAULT_MAX_FOUTEN_PCT;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 100)
    throw new RangeError('DKD_MAX_FOUTEN_PCT moet tussen 0 en 100 liggen');
  return n;
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>)
    h.update(chunk);
  return h.digest('hex');
}

/** Stops the pass early: the file was loaded before. */
class AlGeladen extends Error {
  constructor(readonly leveringId: number) {
    super('al geladen');
  }
}

/** The storing half of the pass, on the main thread: what the reading half hands over. */
interface Opslag {
  kop(k: KopInfo): Promise<void>;
  rijen(rows: DossierRow[]): Promise<void>;
  ops(ops: MutatieOp[]): void;
}

interface Lees {
  file: string;
  loading: boolean;
  batch: number;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  versies?: readonly FormaatVersie[];
  codes?: Codetabellen;
  workerLimits?: ResourceLimits;
  fastPath?: boolean;
}

/** Whether the pass runs in a Worker: the option, else DKD_INGEST_THREADS (0 is off), else yes. */
function useThreads(o: VerwerkOptions): boolean {
  if (o.versies && !o.versies.every((v) => FORMAAT_VERSIES.includes(v))) return false;
  if (o.threads !== undefined) return o.threads;
  return process.env.DKD_INGEST_THREADS !== '0';
}

/**
 * The Worker's script: beside this module in the built package. Run from the sources (the
 * tests), this module is a .ts file and the script is the built one in dist/.
 */
export function ingestWorkerUrl(): URL {
  const here = import.meta.url;
  return /\.ts$/.test(here)
    ? new URL('../../dist/batch/ingest-worker.js', here)
    : new URL('./ingest-worker.js', here);
}

/** Both halves on this thread, one after the other. */
function inThread(l: Lees, opslag: Opslag, deel: RecordDeel): Promise<Gelezen> {
  return leesEnControleer(
    {
      file: l.file,
      loading: l.loading,
      codes: l.codes ?? Codetabellen.load(),
      ...(l.versies && { versies: l.versies }),
      batch: l.batch,
      ...(l.fastPath !== undefined && { fastPath: l.fastPath }),
      onKop: (k) => opslag.kop(k),
      onRijen: (rows) => opslag.rijen(rows),
      onOps: (ops) => opslag.ops(ops),
      ...(l.onProgress && { onProgress: l.onProgress }),
    },
    deel,
  );
}

/**
 * The reading half in a Worker, the storing half here. Messages are handled one at a time
 * in arrival order; a batch's credit goes back once it is written, so the Worker runs at
 * most KREDIET batches ahead of the store (VOORSPRONG at the start). The Worker does not
 * wait for the Kop checks: when they fail, it is terminated and what it read is dropped.
 * Any failure, here or there, terminates the Worker and rejects: never an uncaught error
 * in the process (the hub runs this too).
 */
async function inWorker(l: Lees, opslag: Opslag, deel: RecordDeel): Promise<Gelezen> {
  const url = ingestWorkerUrl();
  if (!existsSync(fileURLToPath(url)))
    throw new Error(`ingest: ${fileURLToPath(url)} ontbreekt (npm run build)`);
  const data: WorkerData = {
    file: l.file,
    loading: l.loading,
    ...(l.versies && { versies: l.versies.map((v) => v.versie) }),
    ...(l.codes && { codes: l.codes.names().map((n) => l.codes!.tabel(n)!) }),
    batch: l.batch,
    // The Worker reads the environment of this process: the default is the same there.
    fastPath: l.fastPath ?? fastPathFromEnv(),
    krediet: VOORSPRONG,
    voortgang: l.onProgress !== undefined,
  };
  const worker = new Worker(url, {
    workerData: data,
    ...(l.workerLimits && { resourceLimits: l.workerLimits }),
  });
  const send = (m: NaarWorker) => worker.postMessage(m);
  return new Promise<Gelezen>((resolve, reject) => {
    let chain = Promise.resolve();
    let batches = 0;
    const credit = () => {
      if (++batches > VOORSPRONG - KREDIET) send({ t: 'krediet' });
    };
    let klaar: Gelezen | undefined;
    let done = false;
    const fail = (e: unknown) => {
      if (done) return;
      done = true;
      // terminate() settles once the thread is gone; the promise rejects after that.
      void worker.terminate().finally(() => reject(e));
    };
    const handle = async (m: NaarMain): Promise<void> => {
      if (done) return;
      switch (m.t) {
        case 'kop': {
          const versie = (l.versies ?? FORMAAT_VERSIES).find((v) => v.versie === m.versie)!;
          await opslag.kop({ versie, kop: m.kop });
          return;
        }
        case 'rijen':
          await opslag.rijen(m.rows);
          credit();
          return;
        case 'ops':
          opslag.ops(m.ops);
          credit();
          return;
        case 'klaar':
          Object.assign(deel, m.deel);
          klaar = { bytes: m.bytes, rows: m.rows, ops: m.ops };
          return;
        case 'fout':
          Object.assign(deel, m.deel);
          throw foutUitData(m.fout);
      }
    };
    worker.on('message', (m: NaarMain) => {
      // Progress is what the Worker has read: shown at once, not after the writes before it.
      if (m.t === 'voortgang') {
        if (!done) l.onProgress?.(m.bytes, m.total);
      } else chain = chain.then(() => handle(m)).catch(fail);
    });
    // An uncaught error in the Worker (e.g. out of its heap): only its kind, no text that
    // could hold data from the file.
    worker.on('error', (e: Error & { code?: string }) => {
      chain = chain.then(() => fail(new Error(`ingest-worker: ${e.code ?? e.name}`)));
    });
    // Messages are delivered before 'exit'; the chain puts the end after every batch.
    worker.on('exit', (code) => {
      chain = chain.then(() => {
        if (done) return;
        if (klaar) {
          done = true;
          resolve(klaar);
        } else fail(new Error(`ingest-worker stopte onverwacht (code ${code})`));
      });
    });
  });
}

export async function verwerk(o: VerwerkOptions): Promise<Rapport> {
  const now = o.now ?? (() => new Date());
  const store = o.store;
  if (o.modus === 'ingest' && !store) throw new Error('ingest needs a store');
  const maxPct = o.maxFoutenPct ?? DEFAULT_MAX_FOUTEN_PCT;
  const threads = useThreads(o);
  // With a Worker, this thread hashes the file while the Worker reads it.
  const hash = o.sha256 !== undefined ? Promise.resolve(o.sha256) : sha256File(o.file);
  hash.catch(() => undefined);
  if (!threads) await hash;
  const r: Rapport = {
    status: o.modus === 'validate' ? 'gevalideerd' : 'geladen',
    modus: o.modus,
    ...(o.leveringId !== undefined && { levering: o.leveringId }),
    bestand: { naam: o.bestandsnaam ?? basename(o.file), sha256: '', bytes: 0 },
    telling: { records: 0, goed: 0, overgeslagen: 0, dossiers: 0, verwijderingen: 0, bevindingen: 0 },
    bestandsbevindingen: [],
    perRegel: {},
    bevindingen: [],
    bevindingenWeggelaten: 0,
    gestart: now().toISOString(),
    klaar: '',
  };
  const refuse = (regel: string, melding: string, regelnr?: number) => {
    r.status = 'geweigerd';
    r.bestandsbevindingen.push({ regel, melding, ...(regelnr !== undefined && { regelnr }) });
    r.perRegel[regel] = (r.perRegel[regel] ?? 0) + 1;
  };

  let leveringId = o.leveringId;
  let generatie: number | undefined;
  let kopInfo: KopInfo | undefined;
  let soort: SoortLevering = 'volledig';
  const ops: MutatieOp[] = [];
  const loading = o.modus === 'ingest';
  // The reading half counts into `deel`; it is copied into the report once, when the pass
  // has ended either way (before any refusal of the whole file adds to perRegel).
  const deel = nieuwDeel();
  let overgenomen = false;
  const neemOver = () => {
    if (overgenomen) return;
    overgenomen = true;
    Object.assign(r.telling, deel.telling);
    Object.assign(r.perRegel, deel.perRegel);
    r.bevindingen = deel.bevindingen;
    r.bevindingenWeggelaten = deel.bevindingenWeggelaten;
  };

  /** The storing half: the checks of the Kop that need the store, and the writes. */
  const opslag: Opslag = {
    kop: async (k) => {
      const sha256 = (r.bestand.sha256 = await hash);
      kopInfo = k;
      soort = k.kop.soortLevering as SoortLevering;
      const gemeente = k.kop.cdPartijSuwi;
      r.kop = {
        gemeente,
        soort,
        formaatversie: k.versie.versie,
        aangemaakt: k.kop.datTijdAanmaak,
        aantalRecords: k.kop.aantalRecords,
      };
      if (!isLive(k.versie, now()))
        throw new BestandFout(
          'versie-niet-live',
          `formaatversie ${k.versie.versie} wordt nu niet aangenomen`,
        );
      if (o.verwachteGemeente !== undefined && gemeente !== o.verwachteGemeente)
        throw new BestandFout(
          'gemeente-niet-afzender',
          'de gemeente in de Kop is niet de gemeente die het bestand aanlevert',
        );
      if (store && !(await store.getGemeente(gemeente)))
        throw new BestandFout('gemeente-onbekend', 'de gemeente in de Kop is niet aangemeld bij de hub');
      if (!loading) return;
      const eerder = await store!.findGeladenLevering(gemeente, sha256);
      if (eerder) throw new AlGeladen(eerder.id);
      const meta = {
        gemeente,
        soort,
        formaatVersie: k.versie.versie,
        aangemaakt: k.kop.datTijdAanmaak,
      };
      if (leveringId === undefined) {
        const l = await store!.createLevering({
          ...meta,
          bestandHash: sha256,
          bestandsnaam: r.bestand.naam,
          status: 'verwerken',
        });
        leveringId = l.id;
        r.levering = l.id;
      } else {
        await store!.updateLevering(leveringId, { ...meta, status: 'verwerken' });
      }
      if (soort === 'volledig') generatie = await store!.beginGeneratie(gemeente, leveringId);
    },
    rijen: async (rows) => {
      if (generatie !== undefined && rows.length) await store!.writeDossiers(generatie, rows);
    },
    ops: (list) => {
      for (const op of list) ops.push(op);
    },
  };

  try {
    const lees = {
      file: o.file,
      loading,
      batch: WRITE_BATCH,
      ...(o.fastPath !== undefined && { fastPath: o.fastPath }),
      ...(o.onProgress && { onProgress: o.onProgress }),
      ...(o.versies && { versies: o.versies }),
      ...(o.codes && { codes: o.codes }),
      ...(o.workerLimits && { workerLimits: o.workerLimits }),
    };
    const gelezen = threads ? await inWorker(lees, opslag, deel) : await inThread(lees, opslag, deel);
    r.bestand.bytes = gelezen.bytes;
    neemOver();
    opslag.ops(gelezen.ops);

    const kop = kopInfo!.kop;
    if (r.telling.records !== kop.aantalRecords)
      refuse(
        'aantal-records-onjuist',
        `de Kop kondigt ${kop.aantalRecords} records aan, het bestand bevat er ${r.telling.records}`,
      );
    const pct = r.telling.records === 0 ? 0 : (100 * r.telling.overgeslagen) / r.telling.records;
    if (pct > maxPct)
      refuse(
        'te-veel-fouten',
        `${r.telling.overgeslagen} van de ${r.telling.records} records zijn afgekeurd (${pct.toFixed(1)} %, de grens is ${maxPct} %)`,
      );
    if (r.status === 'geweigerd' || !loading) {
      if (generatie !== undefined) await store!.abandonGeneratie(generatie);
    } else if (soort === 'volledig') {
      await opslag.rijen(gelezen.rows);
      const a = await store!.activateGeneratie(generatie!);
      r.effect = {
        generatie: a.generatieId,
        vorigeGeneratie: a.vorigeGeneratieId,
        dossiers: a.aantal,
        toegevoegd: a.toegevoegd,
        verwijderd: a.verwijderd,
      };
    } else {
      const m = await store!.applyMutatie(kop.cdPartijSuwi, leveringId ?? null, ops);
      r.effect = {
        generatie: m.generatieId,
        toegevoegd: m.toegevoegd,
        gewijzigd: m.gewijzigd,
        verwijderd: m.verwijderd,
        nietGevonden: m.nietGevonden,
      };
    }
  } catch (e) {
    neemOver();
    if (generatie !== undefined) await store!.abandonGeneratie(generatie).catch(() => undefined);
    if (e instanceof AlGeladen) {
      r.status = 'ongewijzigd';
      r.bestandsbevindingen.push({
        regel: 'al-geladen',
        melding: `dit bestand is al geladen (levering ${e.leveringId}); er is niets veranderd`,
      });
    } else if (e instanceof BestandFout) {
      refuse(e.rule, e.message, e.line);
      if (e.findings.length)
        r.bestandsbevindingen[r.bestandsbevindingen.length - 1]!.details = e.findings.map((f) =>
          bevinding(f, undefined, false),
        );
    } else {
      if (leveringId !== undefined && store)
        await store
          .updateLevering(leveringId, {
            status: 'mislukt',
            samenvatting: JSON.stringify({ status: 'mislukt' }),
          })
          .catch(() => undefined);
      throw e;
    }
  }
  r.bestand.sha256 = await hash;
  const sha256 = r.bestand.sha256;
  r.klaar = now().toISOString();
  if (loading && store) {
    const status =
      r.status === 'geweigerd' ? 'geweigerd' : r.status === 'ongewijzigd' ? 'ongewijzigd' : 'geladen';
    const fields = {
      status,
      samenvatting: JSON.stringify(samenvatting(r)),
      rapport: JSON.stringify(r),
      ...(r.effect && { generatieId: r.effect.generatie }),
    } as const;
    if (leveringId !== undefined) await store.updateLevering(leveringId, fields);
    else if (r.kop) {
      // Refused or unchanged before a delivery was made: still keep a record of it.
      const l = await store.createLevering({
        gemeente: r.kop.gemeente,
        soort: r.kop.soort as SoortLevering,
        bestandHash: sha256,
        bestandsnaam: r.bestand.naam,
        formaatVersie: r.kop.formaatversie,
        aangemaakt: r.kop.aangemaakt,
        status,
      });
      r.levering = l.id;
      await store.updateLevering(l.id, { ...fields, rapport: JSON.stringify(r) });
    }
  }
  return r;
}
