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
import { existsSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ResourceLimits, Worker } from 'node:worker_threads';
import { Codetabellen } from '../domain/codetabellen.js';
import type { DossierRow, MutatieOp, Store } from '../store/types.js';
import { FORMAAT_VERSIES, type FormaatVersie, isLive, type SoortLevering } from './format.js';
import {
  DUBBEL,
  GOED,
  type Gelezen,
  leesEnControleer,
  type PerRecord,
  nieuwDeel,
  type RecordDeel,
  VERWIJDERING,
} from './lezen.js';
import { BsnSet, dubbelBevinding } from './check.js';
import { BestandFout, fastPathFromEnv, type KopInfo, stukken } from './reader.js';
import { bevinding, MAX_BEVINDINGEN, type Rapport, samenvatting } from './report.js';
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
  /**
   * SHA-256 of the file when already known (an upload computes it while receiving), or
   * one being computed elsewhere: the load then goes on meanwhile, as when it hashes the
   * file itself (see opslag.kop).
   */
  sha256?: string | Promise<string>;
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
  /** Limits of the Workers' heaps (default: WORKER_LIMITS). */
  workerLimits?: ResourceLimits;
  /** The reader's fast path (ReadOptions.fastPath); default on unless DKD_FAST_PATH=0. */
  fastPath?: boolean;
  /**
   * With threads: read the file in two parts at once (2) or in one (1). Default: two from
   * 32 MiB on, unless DKD_INGEST_DELEN=1. The outcome is the same.
   */
  delen?: 1 | 2;
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
 * Rows the storing half writes in one transaction: the batches of WRITE_BATCH rows the
 * reading half hands over are gathered on this side, where they are few at a time. Larger
 * transactions make SQLite's part cheaper (it writes every index page a transaction
 * touched to the WAL once, and the BSNs come in random order).
 */
const SCHRIJF_GROEP = 1000;
/**
 * Batches the Worker may have posted that the store has not written yet. Two keep the store
 * busy while the next batch is made; more only hold memory (about 0.4 MB a batch).
 */
const KREDIET = 4;
/**
 * At the start the Worker may run a little further ahead, while the main thread checks the
 * Kop against the store and makes the generation. The credits of the first VOORSPRONG -
 * KREDIET batches are not given back, so after the start it is KREDIET again. Not more:
 * the main thread also hashes the file, and what the Workers send meanwhile waits in its
 * heap (with 32, two Workers sometimes put 40 MB there, and a million clients over 290 MB).
 */
const VOORSPRONG = 8;

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
  for await (const piece of stukken(file, Buffer.allocUnsafe(1 << 20))) h.update(piece);
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
  /** Rows for the generation: written SCHRIJF_GROEP at a time, the rest by flush. */
  rijen(rows: DossierRow[]): Promise<void>;
  flush(): Promise<void>;
  /** Takes rows out again, written or still waiting (the two parts' duplicates). */
  verwijder(bsns: string[]): Promise<void>;
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
  const worker = new Worker(url, { workerData: data, resourceLimits: l.workerLimits ?? WORKER_LIMITS });
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

/**
 * The Workers' heaps: a young generation of 16 MB (V8's default for a Worker is larger).
 * A record's objects die young. Measured with two Workers (docs/benchmarks.md): the
 * default took the peak memory of 100,000 clients to about 410 MB; 8 MB scavenged so
 * often that a tenth of a Worker's time went to the collector (100,000 clients in 6.3 to
 * 7.0 s, 230 MB; a million peaked at 260 to 285 MB); 16 MB: 5.6 to 6.2 s, 210 to 220 MB,
 * a million at 240 to 250 MB; 32 MB: 6.1 s and up to 307 MB.
 */
const WORKER_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 16 };

/** Files from this size on are read in two parts at once (see inTweeDelen). */
const DELEN_VANAF = 32 * 1024 * 1024;

/**
 * Whether to read in two parts: `delen: 2` at any size (tests), `delen: 1` never, else
 * from DELEN_VANAF bytes on unless DKD_INGEST_DELEN=1.
 */
function useDelen(o: VerwerkOptions, size: number): boolean {
  if (o.delen !== undefined) return o.delen === 2;
  return process.env.DKD_INGEST_DELEN !== '1' && size >= DELEN_VANAF;
}

/**
 * Where to split the file: after the Kop (`kopTot`, the byte after its first `</Kop>`) and
 * at the first record start tag from the middle on (`tot`). Only a guess from the bytes:
 * the parts check it (./reader's Deelbereik), and if they find it is not between two
 * records the file is read as one part.
 */
export interface Deling {
  kopTot: number;
  /** The line after the Kop: 1 + the line feeds before kopTot. */
  kopRegel: number;
  tot: number;
}

export async function zoekDeling(file: string, size: number): Promise<Deling | undefined> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(Math.min(size, 4 * 1024 * 1024));
    const { bytesRead: hn } = await fh.read(head, 0, head.length, 0);
    const k = head.subarray(0, hn).indexOf('</Kop>');
    if (k < 0) return undefined;
    const kopTot = k + '</Kop>'.length;
    const from = Math.floor(size / 2);
    const win = Buffer.alloc(Math.min(size - from, 4 * 1024 * 1024));
    const { bytesRead: wn } = await fh.read(win, 0, win.length, from);
    const w = win.subarray(0, wn);
    const hits = ['<Dossier>', '<Verwijdering>'].map((t) => w.indexOf(t)).filter((i) => i >= 0);
    if (hits.length === 0) return undefined;
    const tot = from + Math.min(...hits);
    let kopRegel = 1;
    for (let i = head.indexOf(10); i >= 0 && i < kopTot; i = head.indexOf(10, i + 1)) kopRegel++;
    return tot > kopTot ? { kopTot, kopRegel, tot } : undefined;
  } finally {
    await fh.close();
  }
}

type Klaar = Extract<NaarMain, { t: 'klaar' }>;

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const pad9 = (n: number) => String(n).padStart(9, '0');

/**
 * The reading half in two Workers, each on one part of the file, and the storing half
 * here: on a machine with two cores the two parts are read at once while this thread
 * writes. The first part is the file up to `tot`, the second the root and Kop followed by
 * the rest from `tot` (./reader's Deelbereik). The outcome is that of reading the file in
 * one pass, which the tests compare:
 *
 * - The first Worker stops at `tot` only when it finds the place between two records and
 *   the second Worker found the same after the Kop; else the second is terminated, what it
 *   wrote is taken out, and the first reads on to the end.
 * - Record numbers and lines of the second part are shifted by the first part's records
 *   and lines; an error in the second part counts only when the first part ended cleanly.
 * - Duplicate BSNs across the parts: the first part's BSNs (the checker's set) against
 *   each record of the second that was not a duplicate within its part already; such a
 *   record gets its bsn-dubbel finding and is skipped, and its row taken out of the
 *   generation (a row is never written twice: a BSN written by the other part is passed
 *   over or taken out first).
 * - Mutatie operations of the second part wait until the end, and go after the first's.
 */
async function inTweeDelen(l: Lees, opslag: Opslag, deel: RecordDeel, split: Deling): Promise<Gelezen> {
  const url = ingestWorkerUrl();
  if (!existsSync(fileURLToPath(url)))
    throw new Error(`ingest: ${fileURLToPath(url)} ontbreekt (npm run build)`);
  const base: WorkerData = {
    file: l.file,
    loading: l.loading,
    ...(l.versies && { versies: l.versies.map((v) => v.versie) }),
    ...(l.codes && { codes: l.codes.names().map((n) => l.codes!.tabel(n)!) }),
    batch: l.batch,
    fastPath: l.fastPath ?? fastPathFromEnv(),
    krediet: VOORSPRONG,
    voortgang: l.onProgress !== undefined,
  };
  const opts = { resourceLimits: l.workerLimits ?? WORKER_LIMITS };
  const workers = [
    new Worker(url, { ...opts, workerData: { ...base, deel: { tot: split.tot } } }),
    new Worker(url, {
      ...opts,
      workerData: { ...base, deel: { kopTot: split.kopTot, vanaf: split.tot }, perRecord: true },
    }),
  ] as const;
  const total = statSync(l.file).size;

  return new Promise<Gelezen>((resolve, reject) => {
    let chain = Promise.resolve();
    let done = false;
    const batches = [0, 0];
    const credit = (i: 0 | 1) => {
      if (++batches[i]! > VOORSPRONG - KREDIET) workers[i].postMessage({ t: 'krediet' } satisfies NaarWorker);
    };
    // BSNs of the rows each part has written (or would have: validate writes none).
    const written = [new BsnSet(), new BsnSet()] as const;
    const ops1: MutatieOp[] = [];
    const klaar: (Klaar | undefined)[] = [undefined, undefined];
    const exited = [false, false];
    /** The second part: dropped (the split did not hold), and its error, kept until the first ends. */
    let tweedeWeg = false;
    let fout1: Error | undefined;
    let deel1: RecordDeel | undefined;
    let per1: PerRecord | undefined;
    /** The first part's line at `tot`, once it stopped there. */
    let grensRegel: number | undefined;
    const kopGezien = deferred<void>();
    const tweedeBegonnen = deferred<boolean>();
    const bytes = [0, 0];

    const fail = (e: unknown) => {
      if (done) return;
      done = true;
      void Promise.all(workers.map((w) => w.terminate())).finally(() => reject(e));
    };
    const dropTweede = async () => {
      if (tweedeWeg) return;
      tweedeWeg = true;
      ops1.length = 0;
      await workers[1].terminate();
      const bsns: string[] = [];
      // Not those the first part wrote since: the second part's row for them is gone already.
      for (const k of written[1].tabel) if (k !== 0 && !written[0].has(k)) bsns.push(pad9(k));
      await opslag.verwijder(bsns);
    };
    const schrijf = async (i: 0 | 1, rows: DossierRow[]) => {
      if (!rows.length) return;
      const keep: DossierRow[] = [];
      const eruit: string[] = [];
      for (const row of rows) {
        const n = Number(row.bsn);
        if (i === 1) {
          // The first part has this BSN already: the record is a duplicate (counted at the end).
          if (written[0].has(n)) continue;
        } else if (!tweedeWeg && written[1].has(n)) eruit.push(row.bsn);
        written[i].add(n);
        keep.push(row);
      }
      await opslag.verwijder(eruit);
      await opslag.rijen(keep);
    };

    const handle = async (i: 0 | 1, m: NaarMain): Promise<void> => {
      if (done || (i === 1 && tweedeWeg)) return;
      switch (m.t) {
        case 'kop': {
          if (i === 1) return;
          const versie = (l.versies ?? FORMAAT_VERSIES).find((v) => v.versie === m.versie)!;
          await opslag.kop({ versie, kop: m.kop });
          kopGezien.resolve();
          return;
        }
        case 'rijen':
          await schrijf(i, m.rows);
          credit(i);
          return;
        case 'ops':
          if (i === 0) opslag.ops(m.ops);
          else for (const op of m.ops) ops1.push(op);
          credit(i);
          return;
        case 'grens': {
          // The first part is at `tot`: stop there if both ends of the split hold.
          const ok = m.ok && !tweedeWeg && (await tweedeBegonnen.promise);
          if (ok) grensRegel = m.line;
          else await dropTweede();
          workers[0].postMessage({ t: 'grens', stop: ok } satisfies NaarWorker);
          return;
        }
        case 'klaar':
          if (i === 0) await schrijf(0, m.rows);
          else {
            await schrijf(1, m.rows);
            for (const op of m.ops) ops1.push(op);
          }
          if (i === 0) opslag.ops(m.ops);
          klaar[i] = { ...m, rows: [], ops: [] };
          return;
        case 'fout': {
          const e = foutUitData(m.fout);
          if (i === 0) {
            Object.assign(deel, m.deel);
            throw e;
          }
          if (m.fout.soort === 'deel') {
            tweedeBegonnen.resolve(false);
            await dropTweede();
            return;
          }
          if (m.fout.soort !== 'bestand') throw e;
          fout1 = e;
          deel1 = m.deel;
          per1 = m.perRecord;
          return;
        }
      }
    };

    /** Both parts have ended: the outcome of the file. */
    const einde = async () => {
      const k0 = klaar[0]!;
      if (tweedeWeg || k0.gestopt === undefined) {
        Object.assign(deel, k0.deel);
        return { bytes: k0.bytes, rows: [], ops: [] };
      }
      const k1 = klaar[1];
      const d1 = k1?.deel ?? deel1!;
      const delta = grensRegel! - split.kopRegel;
      const n0 = k0.deel.telling.records;
      const merged = nieuwDeel();
      for (const key of Object.keys(merged.telling) as (keyof RecordDeel['telling'])[])
        merged.telling[key] = k0.deel.telling[key] + d1.telling[key];
      for (const d of [k0.deel, d1])
        for (const [rule, n] of Object.entries(d.perRegel))
          merged.perRegel[rule] = (merged.perRegel[rule] ?? 0) + n;
      const lijst = [...k0.deel.bevindingen];
      for (const b of d1.bevindingen)
        lijst.push({
          ...b,
          ...(b.record !== undefined && { record: b.record + n0 }),
          ...(b.regelnr !== undefined && { regelnr: b.regelnr + delta }),
          pad: b.pad.replace(
            /^\/(Dossier|Verwijdering)\[(\d+)\]/,
            (_, el: string, nr: string) => `/${el}[${Number(nr) + n0}]`,
          ),
        });
      // Duplicates across the parts (only when the second part was read to its end or error).
      const per = k1?.perRecord ?? per1;
      const eruit: string[] = [];
      const geenOp = new Set<string>();
      if (per && k0.gezien) {
        const eerder = BsnSet.of(k0.gezien);
        for (let j = 0; j < per.n; j++) {
          const b = per.bsn[j]!;
          const f = per.flags[j]!;
          if (b === 0 || f & DUBBEL || !eerder.has(b)) continue;
          const bsn = pad9(b);
          const pad = f & VERWIJDERING ? '/Verwijdering/Burgerservicenr' : '/Dossier/Client/Burgerservicenr';
          lijst.push(bevinding(dubbelBevinding(bsn, pad, per.line[j]! + delta), n0 + j + 1, false));
          merged.telling.bevindingen++;
          merged.perRegel['bsn-dubbel'] = (merged.perRegel['bsn-dubbel'] ?? 0) + 1;
          if (f & GOED) {
            merged.telling.goed--;
            merged.telling.overgeslagen++;
            if (f & VERWIJDERING) merged.telling.verwijderingen--;
            else merged.telling.dossiers--;
            // Its row is in the generation unless the first part wrote the BSN (then it was
            // passed over, or taken out when the first part's row came).
            if (written[1].has(b) && !written[0].has(b)) eruit.push(bsn);
            geenOp.add(bsn);
          }
        }
      }
      // In file order (stable: a record's own findings stay before its duplicate finding).
      lijst.sort((a, b) => (a.record ?? 0) - (b.record ?? 0));
      merged.bevindingen = lijst.slice(0, MAX_BEVINDINGEN);
      merged.bevindingenWeggelaten = merged.telling.bevindingen - merged.bevindingen.length;
      Object.assign(deel, merged);
      await opslag.verwijder(eruit);
      if (fout1) {
        if (fout1 instanceof BestandFout && fout1.line !== undefined)
          throw new BestandFout(fout1.rule, fout1.message, fout1.line + delta, fout1.findings);
        throw fout1;
      }
      for (const op of ops1) if (!geenOp.has(op.bsn)) opslag.ops([op]);
      return { bytes: k0.bytes + k1!.bytes - split.kopTot, rows: [], ops: [] };
    };

    const afronden = () => {
      if (done) return;
      const eersteKlaar = klaar[0] !== undefined;
      const tweedeKlaar = tweedeWeg || klaar[1] !== undefined || fout1 !== undefined;
      if (!eersteKlaar || !tweedeKlaar) {
        if (exited[0] && !eersteKlaar) fail(new Error('ingest-worker stopte onverwacht'));
        else if (exited[1] && !tweedeKlaar) fail(new Error('ingest-worker stopte onverwacht'));
        return;
      }
      chain = chain
        .then(einde)
        .then((g) => {
          if (done) return;
          done = true;
          resolve(g);
        })
        .catch(fail);
    };

    let tweedeRij = Promise.resolve();
    workers.forEach((w, idx) => {
      const i = idx as 0 | 1;
      w.on('message', (m: NaarMain) => {
        if (m.t === 'voortgang') {
          bytes[i] = i === 1 ? Math.max(0, m.bytes - split.kopTot) : m.bytes;
          if (!done) l.onProgress?.(Math.min(total, bytes[0]! + bytes[1]!), total);
          return;
        }
        if (i === 1 && (m.t === 'rijen' || m.t === 'ops' || m.t === 'klaar')) tweedeBegonnen.resolve(true);
        if (i === 1 && m.t === 'fout' && m.fout.soort !== 'deel') tweedeBegonnen.resolve(true);
        if (i === 0) chain = chain.then(() => handle(0, m)).catch(fail);
        else
          // The second part's rows wait for the first's Kop (the generation is made there).
          tweedeRij = tweedeRij
            .then(() => (m.t === 'kop' ? undefined : kopGezien.promise))
            .then(() => {
              chain = chain.then(() => handle(1, m)).catch(fail);
            });
      });
      w.on('error', (e: Error & { code?: string }) => {
        if (i === 1) tweedeBegonnen.resolve(false);
        chain = chain.then(() => {
          if (i === 1 && tweedeWeg) return;
          fail(new Error(`ingest-worker: ${e.code ?? e.name}`));
        });
      });
      w.on('exit', () => {
        if (i === 1) tweedeBegonnen.resolve(false);
        const after = () => {
          exited[i] = true;
          afronden();
        };
        if (i === 1)
          tweedeRij = tweedeRij.then(() => {
            chain = chain.then(after);
          });
        else chain = chain.then(after);
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
  // With Workers, this thread hashes the file while they read it.
  const hash = o.sha256 !== undefined ? Promise.resolve(o.sha256) : sha256File(o.file);
  let gehasht = typeof o.sha256 === 'string';
  hash.then(
    () => (gehasht = true),
    () => undefined,
  );
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

  /** The check against earlier loads, when it waits for the hash (see opslag.kop), and its failure. */
  let hashCheck: Promise<void> | undefined;
  let hashFout: unknown;
  /** Rows handed over and not written yet (see SCHRIJF_GROEP). */
  let wachtrij: DossierRow[] = [];
  /** The storing half: the checks of the Kop that need the store, and the writes. */
  const opslag: Opslag = {
    kop: async (k) => {
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
      /** Stops the load if this file was loaded before (the same hash, delivered by the same gemeente). */
      const alEerder = async (sha256: string) => {
        const eerder = await store!.findGeladenLevering(gemeente, sha256);
        if (eerder) throw new AlGeladen(eerder.id);
      };
      // A file the caller hashed (an upload) or small enough to be hashed by now is checked
      // before anything is made. Else the load goes on while this thread hashes (hashing a
      // million clients takes seconds, in which the Workers would wait) and stops as soon as
      // the hash shows the file was loaded before; the delivery gets its hash then.
      if (gehasht) await alEerder(await hash);
      const meta = {
        gemeente,
        soort,
        formaatVersie: k.versie.versie,
        aangemaakt: k.kop.datTijdAanmaak,
      };
      if (leveringId === undefined) {
        const l = await store!.createLevering({
          ...meta,
          bestandHash: gehasht ? await hash : '',
          bestandsnaam: r.bestand.naam,
          status: 'verwerken',
        });
        leveringId = l.id;
        r.levering = l.id;
      } else {
        await store!.updateLevering(leveringId, { ...meta, status: 'verwerken' });
      }
      if (!gehasht) {
        const id = leveringId;
        hashCheck = hash.then(async (sha256) => {
          await alEerder(sha256);
          await store!.updateLevering(id, { bestandHash: sha256 });
        });
        hashCheck.catch((e: unknown) => {
          hashFout ??= e;
        });
      }
      if (soort === 'volledig') generatie = await store!.beginGeneratie(gemeente, leveringId);
    },
    rijen: async (rows) => {
      if (hashFout !== undefined) throw hashFout;
      if (generatie === undefined) return;
      for (const row of rows) wachtrij.push(row);
      if (wachtrij.length >= SCHRIJF_GROEP) await opslag.flush();
    },
    flush: async () => {
      if (generatie === undefined || wachtrij.length === 0) return;
      const rows = wachtrij;
      wachtrij = [];
      await store!.writeDossiers(generatie, rows);
    },
    verwijder: async (bsns) => {
      if (generatie === undefined || bsns.length === 0) return;
      const weg = new Set(bsns);
      const blijft = wachtrij.filter((r) => !weg.has(r.bsn));
      const nogNiet = new Set(wachtrij.map((r) => r.bsn));
      wachtrij = blijft;
      const geschreven = bsns.filter((b) => !nogNiet.has(b));
      if (geschreven.length) await store!.removeDossiers(generatie, geschreven);
    },
    ops: (list) => {
      if (hashFout !== undefined) throw hashFout;
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
    const size = statSync(o.file).size;
    const split = threads && useDelen(o, size) ? await zoekDeling(o.file, size) : undefined;
    const gelezen = split
      ? await inTweeDelen(lees, opslag, deel, split)
      : threads
        ? await inWorker(lees, opslag, deel)
        : await inThread(lees, opslag, deel);
    r.bestand.bytes = gelezen.bytes;
    neemOver();
    await hashCheck;
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
      await opslag.flush();
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
      bestandHash: sha256,
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
