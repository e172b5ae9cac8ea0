/**
 * Writes XML Schema from the descriptions of ./schema: the types of the hub's own WSDL and
 * of the verzamelbestand. Simple types become named restrictions with the facets of the
 * Suwi-ML basis schema (declared once per schema); sequences are written inline, with the
 * occurrence of every element. What XSD cannot say (the elfproef, a date that exists) is
 * noted as documentation.
 */
import type { AnyField, AnyNode, SequenceNode } from './schema.js';
import type { ValueType } from './values.js';

const EXTRA: Record<string, string> = {
  Burgerservicenr: 'Voldoet bovendien aan de elfproef.',
  Datum: 'Maand en/of dag 00 wanneer onbekend; een bekende datum bestaat (geen 31 april).',
};

function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** Collects named simple types while writing; `prefix` is the schema's own prefix for references. */
export class XsdWriter {
  private readonly simple = new Map<string, ValueType<unknown>>();

  constructor(private readonly prefix: string) {}

  /** The content model of a sequence, as an `xs:sequence`. */
  sequence(node: SequenceNode, indent = ''): string {
    const inner = node.fields.map((f) => this.element(f, `${indent}  `)).join('');
    return `${indent}<xs:sequence>\n${inner}${indent}</xs:sequence>\n`;
  }

  /** One element declaration, with its type inline (sequences) or by name (simple types). */
  element(f: AnyField, indent = ''): string {
    const occ = `${f.min === 0 ? ' minOccurs="0"' : ''}${f.max === 'n' ? ' maxOccurs="unbounded"' : ''}`;
    const doc = f.doc
      ? `${indent}  <xs:annotation><xs:documentation>${attr(f.doc)}</xs:documentation></xs:annotation>\n`
      : '';
    return this.node(f.name, f.node, occ, doc, indent);
  }

  node(name: string, node: AnyNode, occ = '', doc = '', indent = ''): string {
    if (node.kind === 'leaf') {
      this.simple.set(node.type.name, node.type);
      if (!doc)
        return `${indent}<xs:element name="${name}" type="${this.prefix}:${node.type.name}"${occ}/>\n`;
      return `${indent}<xs:element name="${name}" type="${this.prefix}:${node.type.name}"${occ}>\n${doc}${indent}</xs:element>\n`;
    }
    return (
      `${indent}<xs:element name="${name}"${occ}>\n${doc}${indent}  <xs:complexType>\n` +
      this.sequence(node, `${indent}    `) +
      `${indent}  </xs:complexType>\n${indent}</xs:element>\n`
    );
  }

  /** The named simple types used so far. */
  simpleTypes(indent = ''): string {
    return [...this.simple.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((t) => simpleType(t, indent))
      .join('');
  }
}

export function simpleType(t: ValueType<unknown>, indent = ''): string {
  const f = t.facets;
  const i2 = `${indent}    `;
  const facets: string[] = [];
  if (f.length !== undefined) facets.push(`<xs:length value="${f.length}"/>`);
  if (f.minLength !== undefined) facets.push(`<xs:minLength value="${f.minLength}"/>`);
  if (f.maxLength !== undefined) facets.push(`<xs:maxLength value="${f.maxLength}"/>`);
  if (f.pattern !== undefined) facets.push(`<xs:pattern value="${attr(f.pattern)}"/>`);
  for (const e of f.enumeration ?? []) facets.push(`<xs:enumeration value="${attr(e)}"/>`);
  if (f.minInclusive !== undefined) facets.push(`<xs:minInclusive value="${f.minInclusive}"/>`);
  if (f.maxInclusive !== undefined) facets.push(`<xs:maxInclusive value="${f.maxInclusive}"/>`);
  if (f.totalDigits !== undefined) facets.push(`<xs:totalDigits value="${f.totalDigits}"/>`);
  const extra = EXTRA[t.name];
  return (
    `${indent}<xs:simpleType name="${t.name}">\n` +
    (extra
      ? `${indent}  <xs:annotation><xs:documentation>${attr(extra)}</xs:documentation></xs:annotation>\n`
      : '') +
    `${indent}  <xs:restriction base="xs:${f.base}">\n` +
    facets.map((x) => `${i2}${x}\n`).join('') +
    `${indent}  </xs:restriction>\n${indent}</xs:simpleType>\n`
  );
}
