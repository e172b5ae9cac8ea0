/**
 * Encoding and decoding of element structures described with domain/schema, the one
 * generic piece every Suwi-ML codec and the verzamelbestand reader build on.
 *
 * Encoding checks every value against its type and throws EncodeError (with the element
 * path, never the value) rather than write a document that breaks the schema. Decoding
 * follows the XSD rules for these deterministic sequences (order, occurrence, no
 * namespace on local elements, no attributes, no stray text, value facets) and returns
 * either the whole value or the list of findings: never a half-filled object.
 */
import type { AnyField, AnyNode, Infer, SequenceNode } from '../../domain/schema.js';
import { ValueError, Violation } from '../../domain/values.js';
import { escapeText, type XElement } from './tree.js';

export interface Finding {
  /** Element path, XPath-like with 1-based positions of repeated elements: /ClientSuwi/Vordering[2]/SzWet/CdSzWet */
  path: string;
  /** Stable rule code: a facet (length, pattern, ...), a domain rule (elfproef, ...) or a structure rule (element-ontbreekt, ...). */
  rule: string;
  /** What is wrong, in Dutch, without the offending value. */
  message: string;
  /** The offending value, cut to 100 characters; personal data when `sensitive`. */
  value?: string;
  /** The value is personal data (BSN, name, address): keep it out of logs and faults. */
  sensitive?: boolean;
  line?: number;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; findings: Finding[] };

export class EncodeError extends Error {
  constructor(
    readonly path: string,
    readonly rule: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'EncodeError';
  }
}

type Obj = Record<string, unknown>;

// ---------------------------------------------------------------------------------------
// Encoding

/** Appends the elements of a sequence to `out`. */
export function encodeFields(fields: readonly AnyField[], value: Obj, out: string[], path = ''): void {
  for (const f of fields) {
    const x = value[f.key];
    const p = `${path}/${f.name}`;
    if (f.max === 'n') {
      const items = x ?? [];
      if (!Array.isArray(items)) throw new EncodeError(p, 'type', 'moet een lijst zijn');
      if (items.length < f.min)
        throw new EncodeError(p, 'element-ontbreekt', 'moet minstens één keer voorkomen');
      for (let i = 0; i < items.length; i++) encodeElement(f.name, f.node, items[i], out, `${p}[${i + 1}]`);
    } else if (x === undefined || x === null) {
      if (f.min === 1) throw new EncodeError(p, 'element-ontbreekt', 'is verplicht');
    } else {
      encodeElement(f.name, f.node, x, out, p);
    }
  }
}

/** Appends one element (start tag, content, end tag) to `out`. */
export function encodeElement(
  name: string,
  node: AnyNode,
  value: unknown,
  out: string[],
  path = `/${name}`,
): void {
  if (node.kind === 'leaf') {
    let text: string;
    try {
      text = node.type.format(value);
    } catch (e) {
      if (e instanceof ValueError) throw new EncodeError(path, e.violation.rule, e.violation.message);
      throw new EncodeError(path, 'type', `heeft geen geldige waarde voor ${node.type.name}`);
    }
    out.push(`<${name}>${escapeText(text)}</${name}>`);
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new EncodeError(path, 'type', 'moet een samengesteld gegeven zijn');
  out.push(`<${name}>`);
  encodeFields(node.fields, value as Obj, out, path);
  out.push(`</${name}>`);
}

/** Encodes a value as one element and returns the XML text. */
export function encodeToString(name: string, node: AnyNode, value: unknown): string {
  const out: string[] = [];
  encodeElement(name, node, value, out);
  return out.join('');
}

// ---------------------------------------------------------------------------------------
// Decoding

function cut(s: string): string {
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}

function finding(
  path: string,
  rule: string,
  message: string,
  el?: XElement,
  value?: string,
  sensitive?: boolean,
): Finding {
  return {
    path,
    rule,
    message,
    ...(value !== undefined && { value: cut(value) }),
    ...(sensitive && { sensitive: true }),
    ...(el && { line: el.line }),
  };
}

function checkNoAttributes(el: XElement, path: string, out: Finding[]): void {
  for (const a of el.attrs) {
    out.push(
      finding(
        `${path}/@${a.name}`,
        'attribuut-onverwacht',
        `attribuut ${a.name} is hier niet toegestaan`,
        el,
      ),
    );
  }
}

/** Decodes the children of `el` as the given sequence; findings go to `out`. */
export function decodeFields(fields: readonly AnyField[], el: XElement, path: string, out: Finding[]): Obj {
  const result: Obj = {};
  const kids = el.children;
  if (el.text.length !== 0 && el.text.trim() !== '')
    out.push(finding(path, 'tekst-onverwacht', 'bevat tekst waar alleen elementen mogen staan', el));
  if (el.attrs.length !== 0) checkNoAttributes(el, path, out);
  let i = 0;
  let stopped = false;
  // This runs for every element of a bulk load: element paths are made only for a
  // sequence below or for a finding, and a single element needs no list of items.
  for (const f of fields) {
    const repeated = f.max === 'n';
    const items: unknown[] | undefined = repeated ? [] : undefined;
    let count = 0;
    while (i < kids.length && (repeated || count < 1)) {
      const k = kids[i]!;
      if (k.local !== f.name) break;
      if (k.uri !== '') {
        out.push(
          finding(
            fieldPath(path, f.name, repeated, count),
            'element-namespace',
            `element ${f.name} hoort geen namespace te hebben`,
            k,
          ),
        );
        stopped = true;
        break;
      }
      const v =
        f.node.kind === 'leaf'
          ? decodeLeaf(f.node, k, path, f.name, repeated, count, out)
          : decodeFields(f.node.fields, k, fieldPath(path, f.name, repeated, count), out);
      if (items) items.push(v);
      else result[f.key] = v;
      count++;
      i++;
    }
    if (stopped) break;
    if (count < f.min) {
      if (i < kids.length) {
        const k = kids[i]!;
        out.push(
          finding(
            `${path}/${k.local}`,
            'element-onverwacht',
            `element ${k.local} staat hier niet; verwacht: ${f.name}`,
            k,
          ),
        );
        stopped = true;
        break;
      }
      out.push(
        finding(`${path}/${f.name}`, 'element-ontbreekt', `verplicht element ${f.name} ontbreekt`, el),
      );
    }
    if (items) result[f.key] = items;
  }
  if (!stopped && i < kids.length) {
    const k = kids[i]!;
    out.push(
      finding(`${path}/${k.local}`, 'element-onverwacht', `element ${k.local} is hier niet toegestaan`, k),
    );
  }
  return result;
}

/** The path of the `index`-th (0-based) occurrence of a field below `path`. */
function fieldPath(path: string, name: string, repeated: boolean, index: number): string {
  return repeated ? `${path}/${name}[${index + 1}]` : `${path}/${name}`;
}

/** decodeNode for a leaf, with its path made only when there is a finding. */
function decodeLeaf(
  node: Extract<AnyNode, { kind: 'leaf' }>,
  el: XElement,
  parent: string,
  name: string,
  repeated: boolean,
  index: number,
  out: Finding[],
): unknown {
  if (el.attrs.length === 0 && el.children.length === 0) {
    const v = node.type.parse(el.text);
    if (!(v instanceof Violation)) return v;
  }
  return decodeNode(node, el, fieldPath(parent, name, repeated, index), out);
}

/** Decodes one element as the given node; findings go to `out`. */
export function decodeNode(node: AnyNode, el: XElement, path: string, out: Finding[]): unknown {
  if (node.kind === 'sequence') return decodeFields(node.fields, el, path, out);
  checkNoAttributes(el, path, out);
  if (el.children.length) {
    const k = el.children[0]!;
    out.push(
      finding(
        `${path}/${k.local}`,
        'element-onverwacht',
        `${path.split('/').pop()} mag geen elementen bevatten`,
        k,
      ),
    );
    return undefined;
  }
  const v = node.type.parse(el.text);
  if (v instanceof Violation) {
    out.push(finding(path, v.rule, v.message, el, el.text, node.type.sensitive));
    return undefined;
  }
  return v;
}

/** Decodes an element as a node: the whole value, or every finding. */
export function decode<N extends AnyNode>(node: N, el: XElement, path = `/${el.local}`): Decoded<Infer<N>> {
  const findings: Finding[] = [];
  const value = decodeNode(node, el, path, findings);
  return findings.length ? { ok: false, findings } : { ok: true, value: value as Infer<N> };
}

/** Decodes the children of an element as a sequence (for roots with their own namespace). */
export function decodeChildren<N extends SequenceNode>(
  node: N,
  el: XElement,
  path: string,
): Decoded<Infer<N>> {
  const findings: Finding[] = [];
  const value = decodeFields(node.fields, el, path, findings);
  return findings.length ? { ok: false, findings } : { ok: true, value: value as Infer<N> };
}

/** A finding's value as it may appear in logs, faults and metrics. */
export function safeValue(f: Finding): string | undefined {
  if (f.value === undefined) return undefined;
  return f.sensitive ? '[persoonsgegeven weggelaten]' : f.value;
}
