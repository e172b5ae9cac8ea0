/**
 * The fast path for the records of a verzamelbestand: a decoder, prepared once per format
 * version from the same field descriptions as the generic decoder (domain/schema), that
 * reads a Dossier or Verwijdering record straight from the scanner's buffer into the value
 * `decodeFields` would make, without building an element tree and walking it again.
 *
 * It expects the elements in schema order (`buf.startsWith('<Burgerservicenr>', p)`), takes
 * each leaf's text up to the next `<` and parses it with the field's value type. It takes
 * only a strict, common subset of XML and bails out on anything else, so that the generic
 * path (scanner tree, decodeFields, findings) reads that record exactly as before:
 *
 * - no attributes, namespace declarations or prefixes; no white space inside tags;
 * - no comments, CDATA sections, processing instructions or references (`&`) in a record;
 *   no `]]>` in text; a CR in a leaf's text is read as XML reads it (CR LF and CR become LF);
 * - between elements only space, tab, CR and LF; a leaf has text only, no elements;
 * - every element where the schema expects it, every required one present, every value
 *   valid for its type (a record with a finding is the generic path's to report);
 * - the scanner's element and depth limits (the scanner passes what is left of them).
 *
 * When the record's end is not in the buffer yet, the decoder says FAST_MORE only if what it
 * has seen so far is clean and the rest is text or a tag cut short that the generic path
 * would wait for too: so the generic path never stops on input the fast path waited for,
 * and a refused file is refused at the same point. The differential test
 * (test/batch/fast.test.ts) reads generated and mutated files both ways, in chunks of every
 * size, and requires the same outcome.
 */
import type { AnyField, SequenceNode } from '../domain/schema.js';
import { type ValueType, Violation } from '../domain/values.js';
import type { FormaatVersie } from './format.js';
import { FAST_BAIL, FAST_MORE, type FastRecordPath } from './scan.js';

type Obj = Record<string, unknown>;

interface FieldPlan {
  readonly key: string;
  readonly name: string;
  /** The first character of the name, to pass over other fields without a call. */
  readonly first: number;
  /** `<Name`: the start tag up to its `>` or `/>`. */
  readonly open: string;
  /** `</Name>` */
  readonly close: string;
  readonly required: boolean;
  readonly many: boolean;
  /** The value type of a leaf; undefined for a sequence. */
  readonly type: ValueType<unknown> | undefined;
  readonly seq: SeqPlan | undefined;
  /** This leaf's text is the record's BSN as the duplicate check reads it. */
  readonly bsn: boolean;
}

interface SeqPlan {
  readonly fields: readonly FieldPlan[];
  /** Some field must occur: an empty element of this sequence does not decode. */
  readonly required: boolean;
}

interface RecordPlan {
  readonly local: 'Dossier' | 'Verwijdering';
  /** `<Dossier>` */
  readonly open: string;
  readonly close: string;
  readonly seq: SeqPlan;
}

/**
 * The plan of a sequence. `bsnPath` names the way to the record's BSN: the fields named
 * there, each the first of its name, as RecordChecker's rawBsn finds them.
 */
function planSeq(node: SequenceNode, bsnPath: readonly string[]): SeqPlan {
  return {
    required: node.fields.some((f) => f.min === 1),
    fields: node.fields.map((f: AnyField): FieldPlan => {
      const onPath = bsnPath.length > 0 && bsnPath[0] === f.name;
      const rest = onPath ? bsnPath.slice(1) : [];
      return {
        key: f.key as string,
        name: f.name,
        first: f.name.charCodeAt(0),
        open: flat(`<${f.name}`),
        close: flat(`</${f.name}>`),
        required: f.min === 1,
        many: f.max === 'n',
        type: f.node.kind === 'leaf' ? (f.node.type as ValueType<unknown>) : undefined,
        seq: f.node.kind === 'sequence' ? planSeq(f.node, rest) : undefined,
        bsn: onPath && rest.length === 0,
      };
    }),
  };
}

/**
 * Whether the way to the BSN consists of single fields ending in a leaf: then the first
 * element of each name is the one decoded, and the leaf's text is the raw BSN.
 */
function bsnPathOk(node: SequenceNode, path: readonly string[]): boolean {
  const f = node.fields.find((x) => x.name === path[0]);
  if (!f || f.max !== 1) return false;
  if (path.length === 1) return f.node.kind === 'leaf';
  return f.node.kind === 'sequence' && bsnPathOk(f.node, path.slice(1));
}

function planRecord(local: 'Dossier' | 'Verwijdering', node: SequenceNode): RecordPlan | undefined {
  const bsnPath = local === 'Dossier' ? ['Client', 'Burgerservicenr'] : ['Burgerservicenr'];
  // A version whose BSN lies elsewhere cannot tell the checker the raw BSN: generic only.
  if (!bsnPathOk(node, bsnPath)) return undefined;
  return { local, open: flat(`<${local}>`), close: flat(`</${local}>`), seq: planSeq(node, bsnPath) };
}

/**
 * The string as one flat sequence of characters: a string joined with + or a template is a
 * rope in V8, and comparing against a rope (startsWith) takes a slower way each time.
 */
function flat(s: string): string {
  return [...s].join('');
}

const plans = new WeakMap<FormaatVersie, (RecordPlan | undefined)[]>();

function plansOf(versie: FormaatVersie): readonly RecordPlan[] {
  let p = plans.get(versie);
  if (!p) {
    p = [planRecord('Dossier', versie.dossier), planRecord('Verwijdering', versie.verwijdering)];
    plans.set(versie, p);
  }
  return p.filter((x): x is RecordPlan => x !== undefined);
}

const OK = 0;

/**
 * Decodes records of one format version. One instance serves one scanner; the result of a
 * decode (local name, value, raw BSN) stays in the instance until the next decode.
 */
export class FastRecordDecoder implements FastRecordPath {
  private readonly records: readonly RecordPlan[];
  /** Local name of the last record decoded. */
  local: 'Dossier' | 'Verwijdering' = 'Dossier';
  /** The decoded value of the last record, as decodeFields makes it. */
  value: Obj = {};
  /** The text of the record's BSN element (Client/Burgerservicenr or Burgerservicenr). */
  bsn: string | undefined;
  elements = 0;

  private buf = '';
  private len = 0;
  private p = 0;
  private maxElements = 0;
  private maxLevels = 0;
  private status = OK;
  // The next `&`, CR and `]]>` in the buffer from where a leaf last looked (positions only
  // grow within a buffer, so each character is searched once); -1 for a new buffer.
  private ampAt = -1;
  private crAt = -1;
  private cdataEndAt = -1;
  private lastPos = -1;

  constructor(versie: FormaatVersie) {
    this.records = plansOf(versie);
  }

  decode(buf: string, pos: number, maxElements: number, maxLevels: number): number {
    // The positions found so far hold for this buffer from pos on only if no earlier
    // decode started here or further on (the final read tries a record it waited on again).
    if (buf !== this.buf || pos <= this.lastPos) {
      this.buf = buf;
      this.len = buf.length;
      this.ampAt = this.crAt = this.cdataEndAt = -1;
    }
    this.lastPos = pos;
    this.status = OK;
    this.bsn = undefined;
    let rec: RecordPlan | undefined;
    for (const r of this.records) {
      if (buf.startsWith(r.open, pos)) {
        rec = r;
        break;
      }
    }
    if (rec === undefined) {
      // The start tag may be cut off at the end of the buffer: `<Doss`.
      if (this.len - pos < 16) {
        const tail = buf.slice(pos);
        if (this.records.some((r) => r.open.startsWith(tail))) return FAST_MORE;
      }
      return FAST_BAIL;
    }
    if (maxElements < 1 || maxLevels < 1) return FAST_BAIL;
    this.elements = 1;
    this.maxElements = maxElements;
    this.maxLevels = maxLevels;
    this.p = pos + rec.open.length;
    const value = this.seq(rec.seq, rec.close, 1);
    if (this.status !== OK) return this.status;
    this.local = rec.local;
    this.value = value;
    return this.p;
  }

  /**
   * The content of an element of sequence `plan` at `level`, from this.p (after its start
   * tag) through its end tag `close`; sets status on bail-out or when more input is needed.
   */
  private seq(plan: SeqPlan, close: string, level: number): Obj {
    const buf = this.buf;
    const len = this.len;
    const out: Obj = {};
    const fields = plan.fields;
    let p = this.p;
    if (p >= len || buf.charCodeAt(p) !== 0x3c) p = this.space(p);
    if (p < 0) return out;
    // The first character of the name in the tag at p (NaN at the buffer's end).
    let c = p + 1 < len ? buf.charCodeAt(p + 1) : NaN;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      const items: unknown[] | undefined = f.many ? [] : undefined;
      let count = 0;
      while (count === 0 || items !== undefined) {
        // The field's name, then `>` or `/>`: anything else (another name that starts
        // alike, white space, an attribute, a prefix, the buffer's end) is not this field.
        if (c !== f.first || !buf.startsWith(f.name, p + 1)) break;
        const q = p + 1 + f.name.length;
        const e = q < len ? buf.charCodeAt(q) : NaN;
        let empty: boolean;
        if (e === 0x3e) empty = false;
        else if (e === 0x2f && q + 1 < len && buf.charCodeAt(q + 1) === 0x3e) empty = true;
        else break;
        if (++this.elements > this.maxElements || level >= this.maxLevels) return this.bail(out);
        let v: unknown;
        if (f.type !== undefined) {
          v = empty ? this.emptyLeaf(f, q + 2) : this.leaf(f, q + 1);
        } else if (empty) {
          if (f.seq!.required) return this.bail(out);
          v = emptySeq(f.seq!);
          this.p = q + 2;
        } else {
          this.p = q + 1;
          v = this.seq(f.seq!, f.close, level + 1);
        }
        if (this.status !== OK) return out;
        if (items !== undefined) items.push(v);
        else out[f.key] = v;
        count++;
        p = this.p;
        if (p >= len || buf.charCodeAt(p) !== 0x3c) p = this.space(p);
        if (p < 0) return out;
        c = p + 1 < len ? buf.charCodeAt(p + 1) : NaN;
      }
      if (count === 0 && f.required) return this.fail(out, p, fields);
      if (items !== undefined) out[f.key] = items;
    }
    if (!buf.startsWith(close, p)) return this.fail(out, p, fields);
    this.p = p + close.length;
    return out;
  }

  /** A leaf with text, from `from` (after `<Name>`) through `</Name>`. */
  private leaf(f: FieldPlan, from: number): unknown {
    const buf = this.buf;
    const lt = buf.indexOf('<', from);
    if (lt < 0) return this.more();
    let text = lt === from ? '' : buf.slice(from, lt);
    // A reference or ]]> in the text: the generic path's (it resolves or refuses them).
    if (this.ampAt < from) this.ampAt = this.next('&', from);
    if (this.ampAt < lt) return this.bail(undefined);
    if (this.cdataEndAt < from) this.cdataEndAt = this.next(']]>', from);
    if (this.cdataEndAt < lt) return this.bail(undefined);
    if (this.crAt < from) this.crAt = this.next('\r', from);
    if (this.crAt < lt) text = text.replace(/\r\n?/g, '\n');
    if (!buf.startsWith(f.close, lt)) {
      // `</Na` at the end of the buffer: the generic path would wait for the rest too.
      if (this.len - lt < f.close.length && f.close.startsWith(buf.slice(lt))) return this.more();
      return this.bail(undefined);
    }
    const v = f.type!.parse(text);
    if (v instanceof Violation) return this.bail(undefined);
    if (f.bsn && this.bsn === undefined) this.bsn = text;
    this.p = lt + f.close.length;
    return v;
  }

  /** The position of the next `s` in the buffer from `from`; the buffer's length if none. */
  private next(s: string, from: number): number {
    const i = this.buf.indexOf(s, from);
    return i < 0 ? this.len : i;
  }

  /** `<Name/>`: a leaf with empty text. */
  private emptyLeaf(f: FieldPlan, next: number): unknown {
    const v = f.type!.parse('');
    if (v instanceof Violation) return this.bail(undefined);
    if (f.bsn && this.bsn === undefined) this.bsn = '';
    this.p = next;
    return v;
  }

  /**
   * Skips the white space between elements; the position of the next `<`, or -1 with the
   * status set (other text: bail out; the buffer's end: more).
   */
  private space(p: number): number {
    const buf = this.buf;
    const len = this.len;
    for (;;) {
      if (p >= len) {
        this.status = FAST_MORE;
        return -1;
      }
      const c = buf.charCodeAt(p);
      if (c === 0x3c) return p;
      if (c !== 0x20 && c !== 0x0a && c !== 0x09 && c !== 0x0d) {
        this.status = FAST_BAIL;
        return -1;
      }
      p++;
    }
  }

  /**
   * The element at p is not what the sequence allows there. If p starts a tag cut off by the
   * end of the buffer that the generic path would wait on (part of a start tag of one of the
   * sequence's elements, or an end tag without its `>`), wait for more; else bail out.
   */
  private fail<T>(out: T, p: number, fields: readonly FieldPlan[]): T {
    const rest = this.len - p;
    if (rest < 64) {
      const tail = this.buf.slice(p);
      if (
        tail.indexOf('>') < 0 &&
        (tail.startsWith('</') ||
          fields.some((f) => `${f.open}>`.startsWith(tail) || `${f.open}/>`.startsWith(tail)))
      ) {
        this.status = FAST_MORE;
        return out;
      }
    }
    this.status = FAST_BAIL;
    return out;
  }

  private bail<T>(out: T): T {
    this.status = FAST_BAIL;
    return out;
  }

  private more(): undefined {
    this.status = FAST_MORE;
    return undefined;
  }
}

/** The value of an empty element of a sequence without required fields. */
function emptySeq(plan: SeqPlan): Obj {
  const out: Obj = {};
  for (const f of plan.fields) if (f.many) out[f.key] = [];
  return out;
}
