/**
 * Writes a verzamelbestand record by record to a stream, so that a file of any size takes
 * the memory of one record. Every value is checked by the generic encoder on the way: a
 * dossier that breaks the format throws EncodeError (with the element path, never the
 * value) instead of ending up in the file.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Dossier } from '../domain/model.js';
import { encodeElement, encodeFields } from '../suwiml/xml/codec.js';
import { type FormaatVersie, type Kop, NIEUWSTE_VERSIE, ROOT } from './format.js';

/** Records collected before one write to the stream (fewer, larger writes are faster). */
const CHUNK_CHARS = 256 * 1024;

export class VerzamelbestandWriter {
  private parts: string[] = [];
  private size = 0;
  private count = 0;
  private ended = false;

  constructor(
    private readonly out: Writable,
    private readonly kop: Kop,
    private readonly versie: FormaatVersie = NIEUWSTE_VERSIE,
  ) {
    if (kop.formaatversie !== versie.versie)
      throw new Error(`Formaatversie ${kop.formaatversie} in de kop hoort niet bij ${versie.versie}`);
    const head: string[] = [];
    encodeFields(versie.kop.fields, kop as unknown as Record<string, unknown>, head, '/Kop');
    this.push(
      `<?xml version="1.0" encoding="UTF-8"?>\n<vb:${ROOT} xmlns:vb="${versie.namespace}">\n<Kop>${head.join('')}</Kop>\n`,
    );
  }

  /** Records written so far. */
  get records(): number {
    return this.count;
  }

  async dossier(d: Dossier): Promise<void> {
    const parts: string[] = [];
    encodeElement(
      'Dossier',
      this.versie.dossier,
      this.versie.fromDossier(d),
      parts,
      `/Dossier[${this.count + 1}]`,
    );
    parts.push('\n');
    this.count++;
    await this.push(parts.join(''));
  }

  async verwijdering(bsn: string): Promise<void> {
    const parts: string[] = [];
    encodeElement('Verwijdering', this.versie.verwijdering, { burgerservicenr: bsn }, parts);
    parts.push('\n');
    this.count++;
    await this.push(parts.join(''));
  }

  /** Writes the end of the file and waits until the stream has taken all of it. */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.parts.push(`</vb:${ROOT}>\n`);
    await this.flush();
  }

  private push(s: string): Promise<void> | void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= CHUNK_CHARS) return this.flush();
  }

  private async flush(): Promise<void> {
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!this.out.write(text)) await once(this.out, 'drain');
  }
}

/** Writes a whole verzamelbestand to a file from an (async) iterable of dossiers. */
export async function writeVerzamelbestand(
  file: string,
  kop: Kop,
  dossiers: Iterable<Dossier> | AsyncIterable<Dossier>,
  versie: FormaatVersie = NIEUWSTE_VERSIE,
): Promise<number> {
  const out = createWriteStream(file);
  const closed = once(out, 'close');
  try {
    const w = new VerzamelbestandWriter(out, kop, versie);
    for await (const d of dossiers) await w.dossier(d);
    await w.end();
    out.end();
    await closed;
    return w.records;
  } catch (e) {
    out.destroy();
    throw e;
  }
}
