/**
 * The messages between ./ingest (main thread, the storing half) and ./ingest-worker (the
 * reading half in a Worker). Everything crosses by structured clone: plain data only.
 *
 * worker -> main: `kop` once; `rijen`/`ops` batches, each costing one credit; `voortgang`
 * now and then; finally `klaar` or `fout`, each with the report's per-record part as far as
 * the worker got. The worker does not wait for the Kop checks: when they fail, the main
 * thread terminates it.
 * main -> worker: `krediet` when a batch has been handled.
 */
import type { Codetabel } from '../domain/codetabellen.js';
import type { DossierRow, MutatieOp } from '../store/types.js';
import type { Kop } from './format.js';
import type { PerRecord, RecordDeel } from './lezen.js';
import { BestandFout, type Deelbereik, DeelFout } from './reader.js';
import type { Finding } from '../suwiml/xml/codec.js';

export interface WorkerData {
  file: string;
  loading: boolean;
  /** Names of the format versions (all of ./format when absent). */
  versies?: string[];
  /** The code tables when not the shipped ones. */
  codes?: Codetabel[];
  batch: number;
  /** The reader's fast path (ReadOptions.fastPath). */
  fastPath: boolean;
  /** Credits at the start: batches the worker may send before the main thread gives one back. */
  krediet: number;
  /** Report progress (at most every `voortgangBytes`). */
  voortgang: boolean;
  /** Read one part of the file (./ingest's two parts); perRecord for the second. */
  deel?: Deelbereik;
  perRecord?: boolean;
}

export type NaarMain =
  | { t: 'kop'; versie: string; kop: Kop }
  | { t: 'rijen'; rows: DossierRow[] }
  | { t: 'ops'; ops: MutatieOp[] }
  | { t: 'voortgang'; bytes: number; total: number }
  | { t: 'grens'; ok: boolean; line: number; records: number }
  | {
      t: 'klaar';
      bytes: number;
      rows: DossierRow[];
      ops: MutatieOp[];
      deel: RecordDeel;
      gezien?: Int32Array;
      gestopt?: number;
      beginRegel?: number;
      perRecord?: PerRecord;
    }
  | { t: 'fout'; fout: FoutData; deel: RecordDeel; perRecord?: PerRecord };

export type NaarWorker = { t: 'krediet' } | { t: 'grens'; stop: boolean };

/** An error as data: a BestandFout whole (its findings may hold personal data: never log them). */
export type FoutData =
  | { soort: 'bestand'; rule: string; message: string; line?: number; findings: Finding[] }
  | { soort: 'deel'; message: string }
  | { soort: 'anders'; name: string; message: string; code?: string };

export function foutNaarData(e: unknown): FoutData {
  if (e instanceof BestandFout)
    return {
      soort: 'bestand',
      rule: e.rule,
      message: e.message,
      ...(e.line !== undefined && { line: e.line }),
      findings: e.findings,
    };
  if (e instanceof DeelFout) return { soort: 'deel', message: e.message };
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as NodeJS.ErrnoException).code;
  return { soort: 'anders', name: err.name, message: err.message, ...(typeof code === 'string' && { code }) };
}

export function foutUitData(d: FoutData): Error {
  if (d.soort === 'bestand') return new BestandFout(d.rule, d.message, d.line, d.findings);
  if (d.soort === 'deel') return new DeelFout(d.message);
  const e = new Error(d.message) as NodeJS.ErrnoException;
  e.name = d.name;
  if (d.code !== undefined) e.code = d.code;
  return e;
}
