/**
 * The dossier as JSON text, for the store.
 *
 * The stored form is compact and positional: a sequence is a JSON array with one entry per
 * field of its description, in the description's order, instead of an object with the
 * (long, Dutch) element names as keys. The whole dossier is `[1, client, ...]`: the form's
 * version, then the fields of `Dossier`. This keeps the text a third of the size of the
 * keyed form (less to write, to checkpoint and to keep on disk for every delivered client)
 * and lets JSON.stringify run without a replacer function.
 *
 * Within a sequence array:
 * - an absent field is `null`, and absent fields at the end are left off;
 * - a repeated field is an array of its values (an empty list `[]`, a missing one `null`);
 * - a leaf is its runtime value: strings and numbers as they are, bigints (amounts, 18
 *   digits) as a JSON number when the value is a safe integer, else as a decimal string.
 *   Reading knows from the description which leaves are bigints.
 *
 * Text written by earlier versions is the keyed form (JSON.stringify of the model, bigints
 * as decimal strings); it starts with `{` and is still read, so stores written before the
 * compact form keep answering without a migration.
 */
import { Dossier } from './model.js';
import type { AnyField, AnyNode, SequenceNode } from './schema.js';

/** The version of the compact form: the first entry of the stored array. */
export const OPSLAG_VERSIE = 1;

type Encoder = (v: unknown) => unknown;
type Decoder = (v: unknown) => unknown;

const bigintLeaf = new WeakMap<AnyNode, boolean>();

/**
 * Whether a leaf's values are bigints. Asked of the type itself (what it makes of a few
 * lexical values), so that a new bigint type needs no change here.
 */
function isBigintLeaf(node: AnyNode): boolean {
  let r = bigintLeaf.get(node);
  if (r === undefined) {
    r =
      node.kind === 'leaf' &&
      ['0', '1', '10', '100'].some((text) => typeof node.type.parse(text) === 'bigint');
    bigintLeaf.set(node, r);
  }
  return r;
}

// ---------------------------------------------------------------------------------------
// Writing

function bigintToJson(v: unknown): unknown {
  if (typeof v !== 'bigint') return v;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v.toString();
}

/** undefined for a leaf that is written as it is (no call per value). */
function encoderOf(node: AnyNode): Encoder | undefined {
  if (node.kind === 'leaf') return isBigintLeaf(node) ? bigintToJson : undefined;
  return sequenceEncoder(node);
}

function listEncoder(item: Encoder | undefined): Encoder {
  return (v) => {
    const list = v as unknown[];
    if (item === undefined) return list;
    const out = new Array<unknown>(list.length);
    for (let i = 0; i < list.length; i++) out[i] = item(list[i]);
    return out;
  };
}

const sequenceEncoders = new WeakMap<SequenceNode, Encoder>();

function sequenceEncoder(node: SequenceNode): Encoder {
  let enc = sequenceEncoders.get(node);
  if (enc) return enc;
  const keys = node.fields.map((f) => f.key);
  const encoders = node.fields.map((f: AnyField) => {
    const e = encoderOf(f.node);
    return f.max === 'n' ? listEncoder(e) : e;
  });
  const n = keys.length;
  enc = (v) => {
    const o = v as Record<string, unknown>;
    const out: unknown[] = [];
    let length = 0;
    for (let i = 0; i < n; i++) {
      const x = o[keys[i]!];
      if (x === undefined) {
        out.push(null);
        continue;
      }
      const e = encoders[i];
      out.push(e === undefined ? x : e(x));
      length = i + 1;
    }
    out.length = length;
    return out;
  };
  sequenceEncoders.set(node, enc);
  return enc;
}

const encodeDossierFields = sequenceEncoder(Dossier);

/** The stored form of a dossier (compact, see above). */
export function encodeDossier(d: Dossier): string {
  const fields = encodeDossierFields(d) as unknown[];
  fields.unshift(OPSLAG_VERSIE);
  return JSON.stringify(fields);
}

// ---------------------------------------------------------------------------------------
// Reading the compact form

function jsonToBigint(v: unknown): unknown {
  return typeof v === 'number' || typeof v === 'string' ? BigInt(v) : v;
}

function decoderOf(node: AnyNode): Decoder | undefined {
  if (node.kind === 'leaf') return isBigintLeaf(node) ? jsonToBigint : undefined;
  return sequenceDecoder(node);
}

function listDecoder(item: Decoder | undefined): Decoder {
  return (v) => {
    const list = v as unknown[];
    if (item === undefined) return list;
    const out = new Array<unknown>(list.length);
    for (let i = 0; i < list.length; i++) out[i] = item(list[i]);
    return out;
  };
}

const sequenceDecoders = new WeakMap<SequenceNode, (v: unknown, offset?: number) => unknown>();

/** Reads a sequence array; `offset` skips leading entries (the version of the whole form). */
function sequenceDecoder(node: SequenceNode): (v: unknown, offset?: number) => unknown {
  let dec = sequenceDecoders.get(node);
  if (dec) return dec;
  const keys = node.fields.map((f) => f.key);
  const decoders = node.fields.map((f: AnyField) => {
    const d = decoderOf(f.node);
    return f.max === 'n' ? listDecoder(d) : d;
  });
  dec = (v, offset = 0) => {
    const a = v as unknown[];
    const o: Record<string, unknown> = {};
    const n = Math.min(keys.length, a.length - offset);
    for (let i = 0; i < n; i++) {
      const x = a[i + offset];
      if (x === null || x === undefined) continue;
      const d = decoders[i];
      o[keys[i]!] = d === undefined ? x : d(x);
    }
    return o;
  };
  sequenceDecoders.set(node, dec);
  return dec;
}

const decodeDossierFields = sequenceDecoder(Dossier);

// ---------------------------------------------------------------------------------------
// Reading the keyed form of earlier versions

const holdsBigint = new WeakMap<AnyNode, boolean>();

/** Whether a node has a bigint leaf anywhere below it (so that reading can skip the rest). */
function hasBigint(node: AnyNode): boolean {
  let r = holdsBigint.get(node);
  if (r === undefined) {
    r = node.kind === 'leaf' ? isBigintLeaf(node) : node.fields.some((f) => hasBigint(f.node));
    holdsBigint.set(node, r);
  }
  return r;
}

function revive(node: AnyNode, v: unknown): unknown {
  if (node.kind === 'leaf') return typeof v === 'string' ? BigInt(v) : v;
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  for (const f of node.fields) {
    const x = o[f.key];
    if (x === undefined || !hasBigint(f.node)) continue;
    o[f.key] = f.max === 'n' && Array.isArray(x) ? x.map((i) => revive(f.node, i)) : revive(f.node, x);
  }
  return o;
}

// ---------------------------------------------------------------------------------------

/** The error for stored text of an unknown form; it says nothing of the content. */
export class OpslagVormOnbekend extends Error {
  constructor(detail: string) {
    super(`stored dossier: ${detail}`);
    this.name = 'OpslagVormOnbekend';
  }
}

/**
 * Reads what encodeDossier wrote, or the keyed form of earlier versions. The text comes
 * from the hub's own store, so it is trusted to be well-formed.
 */
export function decodeDossier(text: string): Dossier {
  const parsed: unknown = JSON.parse(text);
  if (Array.isArray(parsed)) {
    if (parsed[0] !== OPSLAG_VERSIE) throw new OpslagVormOnbekend('unknown version of the compact form');
    return decodeDossierFields(parsed, 1) as Dossier;
  }
  if (typeof parsed === 'object' && parsed !== null) return revive(Dossier, parsed) as Dossier;
  throw new OpslagVormOnbekend('neither the compact nor the keyed form');
}
