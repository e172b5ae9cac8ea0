/**
 * Code tables as data: each is a JSON file in ./codetabellen (code, Dutch description,
 * first and last day of validity), named after the Suwi-ML simple type whose values it
 * lists. A field whose type has a table gets its codes checked against it (known, and
 * valid on the date that matters for the record). Operators replace or extend the files
 * with the official lists; no code lives in the program.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Datum, type Datum as DatumT, datumBereik, Violation } from './values.js';

export interface Code {
  code: string;
  omschrijving: string;
  /** First day the code may be used (YYYYMMDD). */
  ingangsdatum: string;
  /** Last day the code may be used (YYYYMMDD), if it ended. */
  einddatum?: string;
}

export interface Codetabel {
  naam: string;
  omschrijving: string;
  bron: string;
  codes: Code[];
}

export type CodeOordeel = 'geldig' | 'onbekend' | 'niet-geldig-op-datum';

/** The folder with the code tables shipped with the package. */
export function defaultCodetabellenDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'codetabellen');
}

function checkTabel(t: unknown, file: string): Codetabel {
  const fail = (why: string) => new Error(`codetabel ${file}: ${why}`);
  if (typeof t !== 'object' || t === null) throw fail('geen object');
  const o = t as Record<string, unknown>;
  if (typeof o.naam !== 'string' || !Array.isArray(o.codes)) throw fail('naam of codes ontbreekt');
  const seen = new Set<string>();
  for (const c of o.codes as Record<string, unknown>[]) {
    if (typeof c.code !== 'string' || typeof c.omschrijving !== 'string')
      throw fail('code zonder code of omschrijving');
    if (typeof c.ingangsdatum !== 'string' || Datum.parse(c.ingangsdatum) instanceof Violation)
      throw fail(`code ${c.code}: ongeldige ingangsdatum`);
    if (
      c.einddatum !== undefined &&
      (typeof c.einddatum !== 'string' || Datum.parse(c.einddatum) instanceof Violation)
    )
      throw fail(`code ${c.code}: ongeldige einddatum`);
    if (seen.has(c.code)) throw fail(`code ${c.code} staat er twee keer in`);
    seen.add(c.code);
  }
  return {
    naam: o.naam,
    omschrijving: typeof o.omschrijving === 'string' ? o.omschrijving : '',
    bron: typeof o.bron === 'string' ? o.bron : '',
    codes: o.codes as Code[],
  };
}

export class Codetabellen {
  private readonly byName = new Map<string, { tabel: Codetabel; codes: Map<string, Code> }>();

  constructor(tabellen: readonly Codetabel[]) {
    for (const t of tabellen)
      this.byName.set(t.naam, { tabel: t, codes: new Map(t.codes.map((c) => [c.code, c])) });
  }

  static load(dir = defaultCodetabellenDir()): Codetabellen {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    return new Codetabellen(
      files.map((f) => checkTabel(JSON.parse(readFileSync(path.join(dir, f), 'utf8')), f)),
    );
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  has(naam: string): boolean {
    return this.byName.has(naam);
  }

  tabel(naam: string): Codetabel | undefined {
    return this.byName.get(naam)?.tabel;
  }

  code(naam: string, code: string): Code | undefined {
    return this.byName.get(naam)?.codes.get(code);
  }

  /** Codes valid on a day (all codes when no day is given). */
  geldigeCodes(naam: string, op?: DatumT): Code[] {
    const t = this.byName.get(naam);
    if (!t) return [];
    return op === undefined
      ? t.tabel.codes
      : t.tabel.codes.filter((c) => this.oordeel(naam, c.code, op) === 'geldig');
  }

  /**
   * Is the code known, and valid on the date? A partial date counts as valid when any day it
   * may stand for lies in the validity period; an unknown date only asks that the code is known.
   */
  oordeel(naam: string, code: string, op?: DatumT): CodeOordeel {
    const c = this.byName.get(naam)?.codes.get(code);
    if (!c) return 'onbekend';
    if (op === undefined) return 'geldig';
    const r = datumBereik(op);
    if (!r) return 'geldig';
    const ingang = Number(c.ingangsdatum);
    const einde = c.einddatum === undefined ? Infinity : Number(c.einddatum);
    return r.laatst >= ingang && r.vroegst <= einde ? 'geldig' : 'niet-geldig-op-datum';
  }
}
