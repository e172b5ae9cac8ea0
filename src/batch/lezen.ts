/**
 * The reading half of validate/ingest: everything that does not need the store. One pass
 * over the file (./reader), every record checked (./check), the report's per-record part
 * counted (counts, totals per rule, the first findings), and the good records turned into
 * rows ready for the store (BSN, clusters, the dossier as JSON text).
 *
 * ./ingest runs it either on the main thread or in a Worker (./ingest-worker): the same
 * code in both, so that both give the same report. The storing half (store checks on the
 * Kop, writing, activation) gets the Kop, the rows and the operations through callbacks
 * that may wait; waiting there is what holds the reading back when the store falls behind.
 */
import type { Codetabellen } from '../domain/codetabellen.js';
import { encodeDossier } from '../domain/json.js';
import { clustersVan } from '../domain/model.js';
import type { DossierRow, MutatieOp } from '../store/types.js';
import { RecordChecker } from './check.js';
import type { FormaatVersie, SoortLevering } from './format.js';
import { type Deelbereik, readVerzamelbestand, type KopInfo } from './reader.js';
import { bevinding, MAX_BEVINDINGEN, type Rapport } from './report.js';

/** The part of the report the reading half fills; the storing half copies it into the Rapport. */
export interface RecordDeel {
  telling: Rapport['telling'];
  perRegel: Record<string, number>;
  bevindingen: Rapport['bevindingen'];
  bevindingenWeggelaten: number;
}

export function nieuwDeel(): RecordDeel {
  return {
    telling: { records: 0, goed: 0, overgeslagen: 0, dossiers: 0, verwijderingen: 0, bevindingen: 0 },
    perRegel: {},
    bevindingen: [],
    bevindingenWeggelaten: 0,
  };
}

export interface LeesOptions {
  file: string;
  /** Make rows and operations (ingest); validate only counts. */
  loading: boolean;
  codes: Codetabellen;
  versies?: readonly FormaatVersie[];
  /** Rows (or operations) handed over at once: at least this many, after a chunk of the file. */
  batch: number;
  /** The reader's fast path (ReadOptions.fastPath; default from the environment). */
  fastPath?: boolean;
  /** The decoded Kop; the pass goes on when it resolves and stops when it throws. */
  onKop(k: KopInfo): void | Promise<void>;
  /** Rows of a volledig, in file order; the pass waits for it. */
  onRijen(rows: DossierRow[]): void | Promise<void>;
  /** Operations of a mutatie, in file order; the pass waits for it. */
  onOps(ops: MutatieOp[]): void | Promise<void>;
  onProgress?(bytesRead: number, totalBytes: number): void;
  /** Read part of the file (./reader's Deelbereik), with its onGrens for the first part. */
  deel?: Deelbereik;
  onGrens?(g: { ok: boolean; line: number; records: number }): boolean | Promise<boolean>;
  /** Fill in each record's raw BSN, line and outcome (see PerRecord), for the second part; also on failure. */
  perRecord?: PerRecord;
}

/** Flags of PerRecord.flags. */
export const GOED = 1;
export const DUBBEL = 2;
export const VERWIJDERING = 4;

/**
 * Per record of a part, in order: the raw BSN as the duplicate check reads it (0: none),
 * the line a duplicate finding names, and flags (GOED, DUBBEL within the part, the record
 * is a VERWIJDERING). Lets ./ingest find the duplicates across two parts.
 */
export interface PerRecord {
  n: number;
  bsn: Int32Array;
  line: Int32Array;
  flags: Uint8Array;
}

export function nieuwPerRecord(): PerRecord {
  return {
    n: 0,
    bsn: new Int32Array(1 << 12),
    line: new Int32Array(1 << 12),
    flags: new Uint8Array(1 << 12),
  };
}

export interface Gelezen {
  bytes: number;
  /** Rows and operations not yet handed over (fewer than a batch), for the storing half to finish with. */
  rows: DossierRow[];
  ops: MutatieOp[];
  /** The checker's set of raw BSNs (BsnSet.tabel), for the first part. */
  gezien?: Int32Array;
  /** See ReadResult.gestopt and beginRegel. */
  gestopt?: number;
  beginRegel?: number;
  perRecord?: PerRecord;
}

function groei<T extends Int32Array | Uint8Array>(a: T, n: number): T {
  if (n < a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

/**
 * Reads and checks the whole file, counting into `deel`. A BestandFout (or any other error)
 * leaves `deel` as far as the pass got, which the report shows.
 */
export async function leesEnControleer(o: LeesOptions, deel: RecordDeel): Promise<Gelezen> {
  let checker: RecordChecker | undefined;
  let soort: SoortLevering = 'volledig';
  let rows: DossierRow[] = [];
  let ops: MutatieOp[] = [];
  const t = deel.telling;
  const per = o.perRecord;
  const res = await readVerzamelbestand(o.file, {
    ...(o.deel && { deel: o.deel }),
    ...(o.onGrens && { onGrens: o.onGrens }),
    // The caller knows the file's hash already (ingest) or does not need it (validate).
    hash: false,
    ...(o.fastPath !== undefined && { fastPath: o.fastPath }),
    ...(o.onProgress && { onProgress: o.onProgress }),
    ...(o.versies && { versies: o.versies }),
    onKop: async (k) => {
      soort = k.kop.soortLevering as SoortLevering;
      await o.onKop(k);
      checker = new RecordChecker({ codes: o.codes, versie: k.versie, gemeente: k.kop.cdPartijSuwi, soort });
    },
    onBatch: async (records) => {
      for (const rec of records) {
        const c = checker!.check(rec);
        t.records++;
        const ok = c.soort !== 'fout';
        if (ok) t.goed++;
        else t.overgeslagen++;
        for (const f of c.findings) {
          t.bevindingen++;
          deel.perRegel[f.rule] = (deel.perRegel[f.rule] ?? 0) + 1;
          if (deel.bevindingen.length < MAX_BEVINDINGEN) deel.bevindingen.push(bevinding(f, rec.nr, ok));
          else deel.bevindingenWeggelaten++;
        }
        if (per) {
          const i = per.n++;
          per.bsn = groei(per.bsn, i);
          per.line = groei(per.line, i);
          per.flags = groei(per.flags, i);
          const l = checker!.last;
          per.bsn[i] = l.bsn;
          per.line[i] = l.line;
          per.flags[i] =
            (ok ? GOED : 0) |
            (l.dubbel ? DUBBEL : 0) |
            (l.pad.startsWith('/Verwijdering') ? VERWIJDERING : 0);
        }
        if (c.soort === 'dossier') {
          t.dossiers++;
          if (!o.loading) continue;
          const row = { bsn: c.bsn, clusters: clustersVan(c.dossier), data: encodeDossier(c.dossier) };
          if (soort === 'volledig') rows.push(row);
          else ops.push({ bsn: c.bsn, dossier: row });
        } else if (c.soort === 'verwijdering') {
          t.verwijderingen++;
          if (o.loading) ops.push({ bsn: c.bsn, dossier: null });
        }
      }
      if (rows.length >= o.batch) {
        const b = rows;
        rows = [];
        await o.onRijen(b);
      }
      if (ops.length >= o.batch) {
        const b = ops;
        ops = [];
        await o.onOps(b);
      }
    },
  });
  return {
    bytes: res.bytes,
    rows,
    ops,
    ...(o.deel?.tot !== undefined && checker && { gezien: checker.seen.tabel }),
    ...(res.gestopt !== undefined && { gestopt: res.gestopt }),
    ...(res.beginRegel !== undefined && { beginRegel: res.beginRegel }),
    ...(per && { perRecord: per }),
  };
}
