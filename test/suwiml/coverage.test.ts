/**
 * The model holds every element of the published ClientSuwi of Bijstandsregelingen v0500
 * and GSDDossierReintegratie v0200, in the published order and with the published
 * occurrence. The published XSD (../shared/reference/suwiml) is read here as data and
 * walked from ClientSuwi down, following the named complex types of the service and of the
 * basis schema; the project's descriptions are walked the same way, and both lists of
 * element paths must be equal.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import type { AnyField, AnyNode } from '../../src/domain/schema.js';
import { ClientSuwiV0500 } from '../../src/suwiml/services/bijstandsregelingen-v0500.js';
import { ClientSuwiV0200 } from '../../src/suwiml/services/gsddossierreintegratie-v0200.js';
import { requireReference, schemaFor } from '../helpers/reference.js';

const XS = 'http://www.w3.org/2001/XMLSchema';

function children(el: Element, local: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling)
    if (n.nodeType === 1 && (n as Element).namespaceURI === XS && (n as Element).localName === local)
      out.push(n as Element);
  return out;
}

function parse(file: string): Element {
  return new DOMParser().parseFromString(readFileSync(file, 'utf8'), 'text/xml').documentElement!;
}

/** Named complex types of the service (its ComplexTypes folder) and of the basis schema. */
function complexTypes(serviceDir: string): Map<string, Element> {
  const types = new Map<string, Element>();
  const root = parse(path.join(serviceDir, 'BodyReaction.xsd'));
  const files = children(root, 'include').map((i) =>
    path.join(serviceDir, i.getAttribute('schemaLocation')!),
  );
  const basis = path.join(serviceDir, '..', '..', '..', 'Basisschema', 'v0801-b01', 'ComplexTypes');
  for (const f of ['StandaardBedr.xsd', 'StandaardPerc.xsd']) files.push(path.join(basis, f));
  for (const f of files) {
    let doc: Element;
    try {
      doc = parse(f);
    } catch {
      continue;
    }
    for (const ct of children(doc, 'complexType')) types.set(ct.getAttribute('name')!, ct);
  }
  return types;
}

interface Row {
  path: string;
  min: string;
  max: string;
}

function walkXsd(el: Element, prefix: string, types: Map<string, Element>, out: Row[]): void {
  const name = el.getAttribute('name')!;
  const p = `${prefix}/${name}`;
  out.push({
    path: p,
    min: el.getAttribute('minOccurs') || '1',
    max: el.getAttribute('maxOccurs') === 'unbounded' ? 'n' : '1',
  });
  const typeRef = el.getAttribute('type');
  const ct = children(el, 'complexType')[0] ?? (typeRef ? types.get(typeRef.split(':')[1]!) : undefined);
  if (!ct) return;
  // An anonymous type that extends a named one without adding anything (PartnerAanvraagUitkering).
  const base = children(children(ct, 'complexContent')[0] ?? ct, 'extension')[0]?.getAttribute('base');
  const sequence = children(base ? types.get(base.split(':')[1]!)! : ct, 'sequence')[0];
  if (!sequence) throw new Error(`${p}: a complex type without a sequence`);
  for (const child of children(sequence, 'element')) walkXsd(child, p, types, out);
}

function walkModel(field: AnyField, prefix: string, out: Row[]): void {
  const p = `${prefix}/${field.name}`;
  out.push({ path: p, min: String(field.min), max: field.max === 'n' ? 'n' : '1' });
  const node = field.node as AnyNode;
  if (node.kind === 'sequence') for (const f of node.fields) walkModel(f, p, out);
}

function published(servicePath: string, response: string): Row[] {
  const xsd = schemaFor(servicePath, 'reaction');
  const root = parse(xsd);
  const responseEl = children(root, 'element').find((e) => e.getAttribute('name') === response)!;
  const choice = children(children(responseEl, 'complexType')[0]!, 'choice')[0]!;
  const clientSuwi = children(children(choice, 'sequence')[0]!, 'element').find(
    (e) => e.getAttribute('name') === 'ClientSuwi',
  )!;
  const rows: Row[] = [];
  walkXsd(clientSuwi, '', complexTypes(path.dirname(xsd)), rows);
  return rows;
}

function ours(fields: readonly AnyField[]): Row[] {
  const rows: Row[] = [{ path: '/ClientSuwi', min: '1', max: '1' }];
  for (const f of fields) walkModel(f, '/ClientSuwi', rows);
  return rows;
}

describe('the model holds every published element of ClientSuwi', () => {
  requireReference();

  it('Bijstandsregelingen v0500: same elements, order and occurrence', () => {
    const theirs = published('Bijstandsregelingen-v0500', 'BijstandsregelingenInfoResponse');
    expect(theirs.length).toBeGreaterThan(100);
    expect(ours(ClientSuwiV0500.fields)).toEqual(theirs);
  });

  it('GSDDossierReintegratie v0200: same elements, order and occurrence', () => {
    const theirs = published('GSDDossierReintegratie-v0200', 'GSDReintegratieInfoResponse');
    expect(theirs.map((r) => r.path)).toContain(
      '/ClientSuwi/AtlRelatie/ReIntegratievoorziening/Loonkostensubsidie/PercLoonwaardeTovWml/Percentage',
    );
    expect(ours(ClientSuwiV0200.fields)).toEqual(theirs);
  });
});
