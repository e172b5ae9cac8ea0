/**
 * Reads a verzamelbestand as a stream, whatever its size: the bytes are hashed (SHA-256,
 * the file's identity for "loaded before?") and decoded as strict UTF-8 on the way, the
 * fast scanner (./scan) checks well-formedness, and each record element is handed over in
 * batches and forgotten. The root's namespace picks the format version; the header (Kop)
 * must come first and decode, else the whole file is refused with a BestandFout.
 *
 * What a record means (decoding, rules) is ./check's job; this module only delivers them.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import type { Dossier } from '../domain/model.js';
import { decodeFields, type Finding } from '../suwiml/xml/codec.js';
import { XmlError, type XElement } from '../suwiml/xml/tree.js';
import { type FormaatVersie, type Kop, NAMESPACE_PREFIX, ROOT, versieByNamespace } from './format.js';
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

export interface RecordElement {
  /** Record number, 1-based, counted after the Kop. */
  nr: number;
  el: XElement;
}

export interface KopInfo {
  versie: FormaatVersie;
  kop: Kop;
}

export interface ReadResult {
  /** SHA-256 of the file's bytes, hex. */
  hash: string;
  bytes: number;
  records: number;
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
   * Bytes read per chunk (default 64 KiB). Small chunks keep the records of a chunk young:
   * they die in V8's young generation instead of piling up in the old one, which keeps the
   * peak memory of a load low and makes it faster.
   */
  chunkBytes?: number;
}

export async function readVerzamelbestand(file: string, o: ReadOptions = {}): Promise<ReadResult> {
  const total = statSync(file).size;
  const hash = createHash('sha256');
  const decoder = new TextDecoder('utf-8', { fatal: true });
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
        return;
      }
      pending.push({ nr: ++nr, el });
    },
  });

  const stream = createReadStream(file, { highWaterMark: o.chunkBytes ?? 64 * 1024 });
  let kopAnnounced = false;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        throw new BestandFout('xml-codering', 'het bestand is geen geldige UTF-8');
      }
      scanner.write(text);
      if (kopInfo && !kopAnnounced) {
        kopAnnounced = true;
        await o.onKop?.(kopInfo);
      }
      if (pending.length) {
        const batch = pending;
        pending = [];
        await o.onBatch?.(batch);
      }
      o.onProgress?.(bytes, total);
    }
    try {
      scanner.write(decoder.decode());
    } catch (e) {
      if (e instanceof TypeError) throw new BestandFout('xml-codering', 'het bestand is geen geldige UTF-8');
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
  } catch (e) {
    stream.destroy();
    if (e instanceof XmlError) throw new BestandFout(e.rule, e.message, e.line);
    throw e;
  }
  return { hash: hash.digest('hex'), bytes, records: nr };
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
