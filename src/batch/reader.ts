/**
 * Reads a verzamelbestand as a stream, whatever its size: the bytes are hashed if asked
 * (SHA-256, the file's identity for "loaded before?") and decoded as strict UTF-8 on the
 * way, the fast scanner (./scan) checks well-formedness, and each record is handed over in
 * batches and forgotten. The root's namespace picks the format version; the header (Kop)
 * must come first and decode, else the whole file is refused with a BestandFout.
 *
 * After the Kop, records go through the fast path (./fast) where they can: such a record
 * comes as its decoded value, the others as an element tree. The outcome is the same either
 * way; `fastPath: false` (or DKD_FAST_PATH=0 in the environment) turns the fast path off.
 *
 * What a record means (decoding, rules) is ./check's job; this module only delivers them.
 */
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Dossier } from '../domain/model.js';
import { decodeFields, type Finding } from '../suwiml/xml/codec.js';
import { XmlError, type XElement } from '../suwiml/xml/tree.js';
import { type FormaatVersie, type Kop, NAMESPACE_PREFIX, ROOT, versieByNamespace } from './format.js';
import { FastRecordDecoder } from './fast.js';
import { XmlScanner } from './scan.js';
import { FILE_LIMITS, RECORD_LIMITS } from '../security/limits.js';

/** The whole file is refused: the rule, a message in Dutch without personal data, and details. */
export class BestandFout extends Error {
  constructor(
    readonly rule: string,
    message: string,
    readonly line?: number,
    readonly findings: Finding[] = [],
  ) {
    super(message);
    this.name = 'BestandFout';
  }
}

/** A record as the scanner's element tree (the generic path). */
export interface TreeRecord {
  /** Record number, 1-based, counted after the Kop. */
  nr: number;
  el: XElement;
  decoded?: undefined;
}

/**
 * A record the fast path decoded: its value is what decodeFields makes of the element, with
 * no findings; the element had no attributes and no namespace.
 */
export interface DecodedRecord {
  nr: number;
  el?: undefined;
  local: 'Dossier' | 'Verwijdering';
  /** Line of the record's start tag. */
  line: number;
  decoded: Record<string, unknown>;
  /** The text of the record's BSN element (Client/Burgerservicenr or Burgerservicenr). */
  bsn: string | undefined;
}

export type RecordElement = TreeRecord | DecodedRecord;

export interface KopInfo {
  versie: FormaatVersie;
  kop: Kop;
}

/** Bytes read from the file at once; handed on in chunks of ReadOptions.chunkBytes. */
const READ_BYTES = 1 << 20;

/**
 * The bytes of `file` from `start` up to `end` (exclusive; default: its end), in pieces of
 * at most `buf.length` bytes, all read into `buf` itself: each piece is valid until the
 * next one is asked for. One buffer for the whole pass instead of a new one per read (as
 * a read stream makes them): those are freed only when the garbage collector gets to
 * them, and piled up to 20 MB per reading thread in a load of a million clients.
 */
export async function* stukken(
  file: string,
  buf: Buffer,
  start = 0,
  end = Number.POSITIVE_INFINITY,
): AsyncGenerator<Buffer, void, undefined> {
  const fh = await open(file, 'r');
  try {
    for (let pos = start; pos < end;) {
      const want = Math.min(buf.length, end - pos);
      const { bytesRead } = await fh.read(buf, 0, want, pos);
      if (bytesRead === 0) return;
      pos += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/** A part of the file could not be read as a part (./ingest then reads the file whole). */
export class DeelFout extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeelFout';
  }
}

/**
 * Part of a file, for reading a file in two parts at once (./ingest). The first part is
 * the file up to `tot`, a byte offset where a record starts; the second is the root's start
 * tag and the Kop (bytes up to `kopTot`) followed by the bytes from `vanaf` (= the first
 * part's `tot`) to the end. Together they are the file, when both offsets are between two
 * records: the first part checks that at `tot` (onGrens), the second at `kopTot` (else a
 * DeelFout).
 */
export interface Deelbereik {
  tot?: number;
  kopTot?: number;
  vanaf?: number;
}

export interface ReadResult {
  /** The first part stopped at `deel.tot` (onGrens said so): the line there. */
  gestopt?: number;
  /** The second part: the line after the Kop in what it read. */
  beginRegel?: number;
  /** SHA-256 of the file's bytes, hex; undefined with `hash: false`. */
  hash?: string;
  bytes: number;
  records: number;
  /** Records the fast path decoded (the others went the generic way). */
  fastRecords: number;
}

export interface ReadOptions {
  /** Called once, with the decoded header, before any record. */
  onKop?(k: KopInfo): void | Promise<void>;
  /** Called with the records of each chunk read, in file order; the reader waits for it. */
  onBatch?(records: RecordElement[]): void | Promise<void>;
  onProgress?(bytesRead: number, totalBytes: number): void;
  /** The format versions the reader knows (default: every version of ./format). */
  versies?: readonly FormaatVersie[];
  /**
   * Bytes handed to the scanner per chunk (default 32 KiB; the file is read in larger
   * pieces). Small chunks keep the records of a chunk young:
   * they die in V8's young generation instead of piling up in the old one, which keeps the
   * peak memory of a load low and makes it faster. Not larger: the text of a chunk with
   * any character beyond Latin-1 takes two bytes a character, and a string of more than
   * 128 KiB goes to V8's large-object space, allocated anew for every chunk (64 KiB chunks
   * cost about 2 ns a character more in decoding and joining).
   */
  chunkBytes?: number;
  /** Read part of the file (see Deelbereik). */
  deel?: Deelbereik;
  /**
   * The first part has reached `deel.tot`: whether the place is between two records
   * (`ok`), its line and the records so far. Resolves true to stop there, false to read on
   * to the end as if there were no parts.
   */
  onGrens?(g: { ok: boolean; line: number; records: number }): boolean | Promise<boolean>;
  /** Hash the file (ReadResult.hash); default true. */
  hash?: boolean;
  /** Decode records with the fast path where it can; default true unless DKD_FAST_PATH=0. */
  fastPath?: boolean;
}

/** The default of ReadOptions.fastPath: on, unless DKD_FAST_PATH=0 (for benchmarks). */
export function fastPathFromEnv(): boolean {
  return process.env.DKD_FAST_PATH !== '0';
}

export async function readVerzamelbestand(file: string, o: ReadOptions = {}): Promise<ReadResult> {
  const total = statSync(file).size;
  const hash = o.hash === false ? undefined : createHash('sha256');
  const fastPath = o.fastPath ?? fastPathFromEnv();
  let fast: FastRecordDecoder | undefined;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  /** Whether the decoder holds no bytes of a character that a chunk cut in two. */
  let schoon = true;
  let kopInfo: KopInfo | undefined;
  let versie: FormaatVersie | undefined;
  let nr = 0;
  let pending: RecordElement[] = [];
  let bytes = 0;

  const scanner = new XmlScanner({
    limits: FILE_LIMITS,
    emitDepth: 2,
    maxToken: RECORD_LIMITS.maxToken,
    maxRecordElements: RECORD_LIMITS.maxElements,
    onOpen(el, depth) {
      if (depth !== 1) return;
      if (el.local !== ROOT)
        throw new BestandFout('root-onbekend', `het root-element moet ${ROOT} zijn`, el.line);
      if (!el.uri.startsWith(NAMESPACE_PREFIX))
        throw new BestandFout(
          'namespace-onbekend',
          'het root-element heeft niet de namespace van een verzamelbestand',
          el.line,
        );
      versie = versieByNamespace(el.uri, o.versies);
      if (!versie)
        throw new BestandFout(
          'versie-onbekend',
          `formaatversie ${el.uri.slice(NAMESPACE_PREFIX.length).slice(0, 20)} is onbekend`,
          el.line,
        );
    },
    onElement(el) {
      if (kopInfo === undefined) {
        kopInfo = decodeKop(el, versie!);
        if (fastPath) scanner.useFastPath((fast = new FastRecordDecoder(versie!)));
        return;
      }
      pending.push({ nr: ++nr, el });
    },
    onFastElement(line) {
      const f = fast!;
      pending.push({ nr: ++nr, local: f.local, line, decoded: f.value, bsn: f.bsn });
    },
  });

  // Read in large pieces (fewer reads and stream turns: at 32 KiB they took a second of a
  // 450 MB file), hand them on in small chunks (see chunkBytes).
  const chunkBytes = o.chunkBytes ?? 32 * 1024;
  const highWaterMark = Math.max(chunkBytes, READ_BYTES);
  const d = o.deel;
  const ranges: { start: number; end?: number; na?: 'kop' | 'grens' }[] =
    d?.kopTot !== undefined
      ? [{ start: 0, end: d.kopTot, na: 'kop' }, { start: d.vanaf ?? d.kopTot }]
      : d?.tot !== undefined
        ? [{ start: 0, end: d.tot, na: 'grens' }, { start: d.tot }]
        : [{ start: 0 }];
  const buf = Buffer.allocUnsafe(highWaterMark);
  let kopAnnounced = false;
  let gestopt: number | undefined;
  let beginRegel: number | undefined;
  const handOver = async () => {
    if (kopInfo && !kopAnnounced) {
      kopAnnounced = true;
      await o.onKop?.(kopInfo);
    }
    if (pending.length) {
      const batch = pending;
      pending = [];
      await o.onBatch?.(batch);
    }
  };
  try {
    for (const range of ranges) {
      if (range.end !== undefined && range.end <= range.start) continue;
      for await (const piece of stukken(file, buf, range.start, range.end)) {
        hash?.update(piece);
        for (let at = 0; at < piece.length; at += chunkBytes) {
          const chunk = piece.subarray(at, at + chunkBytes);
          bytes += chunk.length;
          let text: string;
          // A chunk that is valid UTF-8 on its own, with nothing of an earlier one pending in
          // the decoder, is decoded by V8 directly: half the time of TextDecoder, which goes
          // through UTF-16. The first chunk always goes through the decoder (it drops a BOM).
          if (schoon && bytes !== chunk.length && isUtf8(chunk)) text = chunk.toString('utf8');
          else {
            try {
              text = decoder.decode(chunk, { stream: true });
            } catch {
              throw new BestandFout('xml-codering', 'het bestand is geen geldige UTF-8');
            }
            // Nothing is pending after a chunk that ends in an ASCII byte.
            schoon = chunk[chunk.length - 1]! < 0x80;
          }
          scanner.write(text);
          await handOver();
          o.onProgress?.(bytes, total);
        }
      }
      if (range.na === 'kop') {
        // The second part: the root's start tag and the Kop, and nothing after them.
        const g = scanner.grens();
        if (!g.ok || !kopInfo || nr !== 0)
          throw new DeelFout('het begin van het bestand eindigt niet na de Kop');
        beginRegel = g.line;
      } else if (range.na === 'grens') {
        // The first part: all records up to here are handed over, then the caller decides.
        await handOver();
        const g = scanner.grens();
        if (await o.onGrens?.({ ok: g.ok && kopInfo !== undefined, line: g.line, records: nr })) {
          gestopt = g.line;
          break;
        }
      }
    }
    if (gestopt === undefined) {
      try {
        scanner.write(decoder.decode());
      } catch (e) {
        if (e instanceof TypeError)
          throw new BestandFout('xml-codering', 'het bestand is geen geldige UTF-8');
        throw e;
      }
      const root = scanner.end();
      if (root.text.trim() !== '')
        throw new BestandFout(
          'tekst-onverwacht',
          `${ROOT} bevat tekst waar alleen elementen mogen staan`,
          root.line,
        );
      if (!kopInfo) throw new BestandFout('kop-ontbreekt', 'het bestand heeft geen Kop', root.line);
      if (!kopAnnounced) await o.onKop?.(kopInfo);
      if (pending.length) await o.onBatch?.(pending);
      pending = [];
    }
  } catch (e) {
    if (e instanceof XmlError) throw new BestandFout(e.rule, e.message, e.line);
    throw e;
  }
  return {
    ...(hash && { hash: hash.digest('hex') }),
    ...(gestopt !== undefined && { gestopt }),
    ...(beginRegel !== undefined && { beginRegel }),
    bytes,
    records: nr,
    fastRecords: scanner.fastRecords,
  };
}

function decodeKop(el: XElement, versie: FormaatVersie): KopInfo {
  if (el.local !== 'Kop' || el.uri !== '')
    throw new BestandFout('kop-ontbreekt', 'het eerste element na de root moet Kop zijn', el.line);
  const findings: Finding[] = [];
  const kop = decodeFields(versie.kop.fields, el, '/Kop', findings) as Kop;
  if (findings.length)
    throw new BestandFout('kop-ongeldig', 'de Kop van het bestand is niet in orde', el.line, findings);
  if (kop.formaatversie !== versie.versie)
    throw new BestandFout(
      'versie-tegenstrijdig',
      `de Formaatversie in de Kop hoort niet bij de namespace (${versie.versie})`,
      el.line,
    );
  return { versie, kop };
}

/**
 * Reads a whole file into memory, skipping records that do not decode (a convenience for
 * simulators and tests: the hub's own loading goes through ./ingest).
 */
export async function loadDossiers(file: string): Promise<{
  gemeente: string;
  soort: 'volledig' | 'mutatie';
  aangemaakt: string;
  dossiers: Dossier[];
}> {
  let kop: KopInfo | undefined;
  const dossiers: Dossier[] = [];
  await readVerzamelbestand(file, {
    onKop: (k) => {
      kop = k;
    },
    onBatch: (records) => {
      for (const r of records) {
        if (r.decoded !== undefined) {
          // Decoded by the fast path: a value without findings.
          if (r.local === 'Dossier') dossiers.push(kop!.versie.toDossier(r.decoded));
          continue;
        }
        if (r.el.local !== 'Dossier' || r.el.uri !== '') continue;
        const findings: Finding[] = [];
        const value = decodeFields(kop!.versie.dossier.fields, r.el, `/Dossier[${r.nr}]`, findings);
        if (findings.length === 0) dossiers.push(kop!.versie.toDossier(value));
      }
    },
  });
  return {
    gemeente: kop!.kop.cdPartijSuwi,
    soort: kop!.kop.soortLevering as 'volledig' | 'mutatie',
    aangemaakt: kop!.kop.datTijdAanmaak,
    dossiers,
  };
}
