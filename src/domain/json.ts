/**
 * The dossier as JSON text, for the store. Amounts are bigints (18 digits do not fit a
 * double) and travel as decimal strings; reading walks the description, so only the
 * fields that are bigints in the model become bigints again.
 */
import { Dossier } from './model.js';
import type { AnyNode } from './schema.js';

export function dossierToJson(d: Dossier): string {
  return JSON.stringify(d, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

const holdsBigint = new WeakMap<AnyNode, boolean>();

/** Whether a node has a bigint leaf anywhere below it (so that reading can skip the rest). */
function hasBigint(node: AnyNode): boolean {
  let r = holdsBigint.get(node);
  if (r === undefined) {
    r = node.kind === 'leaf' ? node.type.name === 'WaardeBedr' : node.fields.some((f) => hasBigint(f.node));
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

/** Reads what dossierToJson wrote. The text comes from the hub's own store, so it is trusted to be well-formed. */
export function dossierFromJson(text: string): Dossier {
  return revive(Dossier, JSON.parse(text)) as Dossier;
}
