/**
 * The checks of one record of a verzamelbestand: the structure and values through the
 * generic decoder (lengths, patterns, the elfproef, dates that exist, amounts) unless the
 * reader's fast path has decoded the record already (then it has no findings of that kind
 * and the value is the same), then the
 * rules XSD cannot say, on the decoded dossier: end not before begin, complete and
 * sensible amounts, codes known and valid on their record's date, the Bron of the
 * delivering gemeente, a partner who is not the client, and a BSN once per file.
 *
 * Rule codes are stable (docs/verzamelbestand.md lists them); messages are Dutch and never
 * hold the value.
 */
import type { Codetabellen } from '../domain/codetabellen.js';
import type { Dossier } from '../domain/model.js';
import type { AnyField, SequenceNode } from '../domain/schema.js';
import { type Datum, eindVoorBegin } from '../domain/values.js';
import { decodeFields, type Finding } from '../suwiml/xml/codec.js';
import type { XElement } from '../suwiml/xml/tree.js';
import type { FormaatVersie, SoortLevering } from './format.js';
import type { DecodedRecord, RecordElement } from './reader.js';

/** The date of a record that its codes must be valid on, by element name, nearest first. */
const PEILDATUM_VELDEN = new Set([
  'DatAanvraagUitkering',
  'DatBesluitVordering',
  'DatBetaalbaarBijzBijstand',
  'DatBUitkeringsverhouding',
  'DatBUitkeringsperiode',
  'DatBMaatregelMbtUitkering',
  'DatBRv',
  'DatVaststellingTrede',
]);

/** Amounts that are never negative. */
const NIET_NEGATIEF = new Set([
  'BedrAanvangVordering',
  'BedrBetaalbaarGesteldeUitkering',
  'BedrVerminderingUitkMbtMaatregel',
]);

/** Types whose values identify organisations; checked against the registry, not a code table. */
const GEEN_TABEL = new Set(['CdPartijSuwi', 'CdVestigingSuwi']);

export type Gecontroleerd =
  | { soort: 'dossier'; bsn: string; dossier: Dossier; findings: Finding[] }
  | { soort: 'verwijdering'; bsn: string; findings: Finding[] }
  | { soort: 'fout'; findings: Finding[] };

/** The finding of a BSN that an earlier record of the file has (`path` is its element). */
export function dubbelBevinding(bsn: string, path: string, line: number): Finding {
  return {
    path,
    rule: 'bsn-dubbel',
    message: 'dit BSN staat al in een eerder record van het bestand',
    value: bsn,
    sensitive: true,
    line,
  };
}

export class RecordChecker {
  /** BSNs seen in the file so far. */
  readonly seen = new BsnSet();
  /**
   * Of the record checked last: its raw BSN as a number (0 when it has none that the
   * duplicate check reads), whether that BSN was seen before in this checker, and the path
   * and line a duplicate finding names. A reader of part of a file (./ingest's halves) uses
   * them to find duplicates across the parts.
   */
  last = { bsn: 0, dubbel: false, pad: '', line: 0 };

  constructor(
    private readonly o: {
      codes: Codetabellen;
      versie: FormaatVersie;
      gemeente: string;
      soort: SoortLevering;
    },
  ) {}

  check(r: RecordElement): Gecontroleerd {
    this.last = { bsn: 0, dubbel: false, pad: '', line: 0 };
    if (r.decoded !== undefined) return this.checkDecoded(r);
    const { el } = r;
    const findings: Finding[] = [];
    if (el.uri !== '' || (el.local !== 'Dossier' && el.local !== 'Verwijdering')) {
      findings.push({
        path: `/${el.local}`,
        rule: 'record-onbekend',
        message: `element ${el.local} is geen record (Dossier of Verwijdering)`,
        line: el.line,
      });
      return { soort: 'fout', findings };
    }
    if (el.local === 'Verwijdering') {
      const v = decodeFields(this.o.versie.verwijdering.fields, el, '/Verwijdering', findings) as {
        burgerservicenr?: string;
      };
      if (this.o.soort === 'volledig')
        findings.push({
          path: '/Verwijdering',
          rule: 'verwijdering-in-volledig',
          message: 'een volledige levering kan geen verwijderingen bevatten',
          line: el.line,
        });
      this.duplicate(rawBsn(el, false), '/Verwijdering/Burgerservicenr', el.line, findings);
      if (findings.length || v.burgerservicenr === undefined) return { soort: 'fout', findings };
      return { soort: 'verwijdering', bsn: v.burgerservicenr, findings };
    }
    const value = decodeFields(this.o.versie.dossier.fields, el, '/Dossier', findings);
    const bsn = rawBsn(el, true);
    if (findings.length === 0) {
      this.rules(this.o.versie.dossier, value, new PathStack('/Dossier'), undefined, bsn ?? '', findings);
      for (const f of findings) f.line ??= el.line;
    }
    this.duplicate(bsn, '/Dossier/Client/Burgerservicenr', el.line, findings);
    if (findings.length) return { soort: 'fout', findings };
    const dossier = this.o.versie.toDossier(value);
    return { soort: 'dossier', bsn: dossier.client.burgerservicenr, dossier, findings };
  }

  /** The same as check for a record the fast path decoded: no decoding findings, the rest alike. */
  private checkDecoded(r: DecodedRecord): Gecontroleerd {
    const findings: Finding[] = [];
    if (r.local === 'Verwijdering') {
      const v = r.decoded as { burgerservicenr?: string };
      if (this.o.soort === 'volledig')
        findings.push({
          path: '/Verwijdering',
          rule: 'verwijdering-in-volledig',
          message: 'een volledige levering kan geen verwijderingen bevatten',
          line: r.line,
        });
      this.duplicate(r.bsn, '/Verwijdering/Burgerservicenr', r.line, findings);
      if (findings.length || v.burgerservicenr === undefined) return { soort: 'fout', findings };
      return { soort: 'verwijdering', bsn: v.burgerservicenr, findings };
    }
    const value = r.decoded;
    const bsn = r.bsn;
    this.rules(this.o.versie.dossier, value, new PathStack('/Dossier'), undefined, bsn ?? '', findings);
    for (const f of findings) f.line ??= r.line;
    this.duplicate(bsn, '/Dossier/Client/Burgerservicenr', r.line, findings);
    if (findings.length) return { soort: 'fout', findings };
    const dossier = this.o.versie.toDossier(value);
    return { soort: 'dossier', bsn: dossier.client.burgerservicenr, dossier, findings };
  }

  private duplicate(bsn: string | undefined, path: string, line: number, out: Finding[]): void {
    if (bsn === undefined || !/^[0-9]{9}$/.test(bsn)) return;
    const n = Number(bsn);
    if (n === 0) return;
    const dubbel = !this.seen.add(n);
    this.last = { bsn: n, dubbel, pad: path, line };
    if (dubbel) out.push(dubbelBevinding(bsn, path, line));
  }

  /** The rules on a decoded sequence and everything below it; `at` is the element path so far. */
  private rules(
    node: SequenceNode,
    value: Record<string, unknown>,
    at: PathStack,
    peildatum: Datum | undefined,
    clientBsn: string,
    out: Finding[],
  ): void {
    const plan = planOf(node, this.o.codes);
    for (const k of plan.peilKeys) {
      if (value[k] !== undefined) {
        peildatum = value[k] as Datum;
        break;
      }
    }
    if (plan.typeName === 'Bron' && value.cdPartijSuwi !== this.o.gemeente)
      out.push({
        path: at.path('CdPartijSuwi'),
        rule: 'bron-andere-gemeente',
        message: 'de Bron noemt een andere gemeente dan de Kop',
        value: String(value.cdPartijSuwi),
      });
    else if (
      (plan.typeName === 'Partner' || plan.typeName === 'PartnerBijstand') &&
      value.burgerservicenr === clientBsn
    )
      out.push({
        path: at.path('Burgerservicenr'),
        rule: 'partner-is-client',
        message: 'de partner heeft het BSN van de cliënt zelf',
        value: clientBsn,
        sensitive: true,
      });
    else if (plan.typeName === 'StandaardBedr' && value.waardeBedr !== undefined) {
      if (value.cdMunteenheid === undefined || value.cdPositiefNegatief === undefined)
        out.push({
          path: at.path(),
          rule: 'bedrag-onvolledig',
          message: 'een bedrag met een waarde heeft ook een munteenheid en een teken',
        });
      else if (
        NIET_NEGATIEF.has(at.last()) &&
        value.cdPositiefNegatief === '-' &&
        (value.waardeBedr as bigint) > 0n
      )
        out.push({
          path: at.path(),
          rule: 'bedrag-negatief',
          message: 'dit bedrag kan niet negatief zijn',
          value: `-${String(value.waardeBedr)}`,
        });
    }
    for (const p of plan.fields) {
      const x = value[p.key];
      if (x === undefined) continue;
      if (p.seq) {
        if (p.many) {
          const items = x as Record<string, unknown>[];
          for (let i = 0; i < items.length; i++) {
            at.push(p.name, i + 1);
            this.rules(p.seq, items[i]!, at, peildatum, clientBsn, out);
            at.pop();
          }
        } else {
          at.push(p.name, 0);
          this.rules(p.seq, x as Record<string, unknown>, at, peildatum, clientBsn, out);
          at.pop();
        }
      } else if (p.beginKey !== undefined) {
        const begin = value[p.beginKey] as Datum | undefined;
        if (begin !== undefined && eindVoorBegin(begin, x as Datum))
          out.push({
            path: at.path(p.name),
            rule: 'einde-voor-begin',
            message: `de einddatum ligt voor de begindatum (DatB${p.name.slice(4)})`,
            value: String(x),
          });
      } else if (p.tabel !== undefined) {
        const items = p.many ? (x as unknown[]) : [x];
        for (let i = 0; i < items.length; i++) {
          const code = String(items[i]);
          const oordeel = this.o.codes.oordeel(p.tabel, code, peildatum);
          if (oordeel === 'geldig') continue;
          const path = at.path(p.many ? `${p.name}[${i + 1}]` : p.name);
          out.push(
            oordeel === 'onbekend'
              ? {
                  path,
                  rule: 'code-onbekend',
                  message: `code staat niet in de codetabel ${p.tabel}`,
                  value: code,
                }
              : {
                  path,
                  rule: 'code-niet-geldig-op-datum',
                  message: `code uit ${p.tabel} is niet geldig op de datum van het gegeven`,
                  value: code,
                },
          );
        }
      }
    }
  }
}

/**
 * A set of BSNs as numbers in an open-addressing table of 32-bit integers: 4 to 8 bytes per
 * BSN where a JavaScript Set takes several times that, which matters at a million clients
 * against a memory budget of 300 MB. Zero marks a free slot (000000000 is no BSN).
 */
export class BsnSet {
  private table: Int32Array = new Int32Array(1 << 16);
  private count = 0;

  /** Adds the BSN; false when it was there already. */
  add(bsn: number): boolean {
    if (this.count * 2 >= this.table.length) this.grow();
    const added = BsnSet.insert(this.table, bsn);
    if (added) this.count++;
    return added;
  }

  get size(): number {
    return this.count;
  }

  has(bsn: number): boolean {
    const table = this.table;
    const mask = table.length - 1;
    let i = Math.imul(bsn, 0x9e3779b1) >>> (Math.clz32(table.length) + 1);
    for (;;) {
      const k = table[i]!;
      if (k === 0) return false;
      if (k === bsn) return true;
      i = (i + 1) & mask;
    }
  }

  /** The table itself (to send to another thread); `BsnSet.of` makes a set of it again. */
  get tabel(): Int32Array {
    return this.table;
  }

  static of(table: Int32Array): BsnSet {
    const s = new BsnSet();
    s.table = table;
    let n = 0;
    for (const k of table) if (k !== 0) n++;
    s.count = n;
    return s;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    for (const k of old) if (k !== 0) BsnSet.insert(this.table, k);
  }

  private static insert(table: Int32Array, key: number): boolean {
    const mask = table.length - 1;
    // Fibonacci hashing: the high bits of the product mix every digit of the key.
    let i = Math.imul(key, 0x9e3779b1) >>> (Math.clz32(table.length) + 1);
    for (;;) {
      const k = table[i]!;
      if (k === 0) {
        table[i] = key;
        return true;
      }
      if (k === key) return false;
      i = (i + 1) & mask;
    }
  }
}

/** The element path of the walk, kept as names and positions; a string only when a finding needs one. */
class PathStack {
  private readonly names: string[] = [];
  private readonly positions: number[] = [];
  constructor(private readonly root: string) {}
  push(name: string, position: number): void {
    this.names.push(name);
    this.positions.push(position);
  }
  pop(): void {
    this.names.pop();
    this.positions.pop();
  }
  last(): string {
    return this.names[this.names.length - 1] ?? '';
  }
  path(child?: string): string {
    let s = this.root;
    for (let i = 0; i < this.names.length; i++)
      s += `/${this.names[i]}${this.positions[i] ? `[${this.positions[i]}]` : ''}`;
    return child === undefined ? s : `${s}/${child}`;
  }
}

interface FieldPlan {
  name: string;
  key: string;
  many: boolean;
  seq?: SequenceNode;
  /** For an end date: the key of its begin date in the same sequence. */
  beginKey?: string;
  /** For a coded value: its code table. */
  tabel?: string;
}

interface Plan {
  typeName: string | undefined;
  peilKeys: string[];
  fields: FieldPlan[];
}

const plans = new WeakMap<Codetabellen, WeakMap<SequenceNode, Plan>>();

/** What the rules need to know of a sequence, worked out once per sequence and code tables. */
function planOf(node: SequenceNode, codes: Codetabellen): Plan {
  let byNode = plans.get(codes);
  if (!byNode) plans.set(codes, (byNode = new WeakMap()));
  let plan = byNode.get(node);
  if (plan) return plan;
  const keys = new Set(node.fields.map((f) => f.key as string));
  plan = {
    typeName: node.typeName,
    peilKeys: node.fields.filter((f) => PEILDATUM_VELDEN.has(f.name)).map((f) => f.key),
    fields: node.fields.flatMap((f: AnyField): FieldPlan[] => {
      const base = { name: f.name, key: f.key as string, many: f.max === 'n' };
      if (f.node.kind === 'sequence') return [{ ...base, seq: f.node }];
      const type = f.node.type.name;
      const beginKey = `datB${f.name.slice(4)}`;
      if (type === 'Datum' && f.name.startsWith('DatE') && keys.has(beginKey)) return [{ ...base, beginKey }];
      if (!GEEN_TABEL.has(type) && codes.has(type)) return [{ ...base, tabel: type }];
      return [];
    }),
  };
  byNode.set(node, plan);
  return plan;
}

/** The BSN text of a record as written, whether or not the record decodes. */
function rawBsn(el: XElement, dossier: boolean): string | undefined {
  const holder = dossier ? el.children.find((c) => c.local === 'Client') : el;
  return holder?.children.find((c) => c.local === 'Burgerservicenr')?.text;
}
