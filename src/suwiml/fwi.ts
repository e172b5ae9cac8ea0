/**
 * FWI v0205: Fout, Waarschuwing and Informatie messages, and the bare answers
 * NietsGevonden, NietGerechtigd and NietVanToepassing. The FWI element and Fout are global
 * elements in the FWI namespace; the elements inside a Melding are unqualified.
 */
import { many, req, seq } from '../domain/schema.js';
import { Tekst, make } from '../domain/values.js';
import { NS } from './ns.js';
import { decodeFields, encodeFields, type Finding } from './xml/codec.js';
import type { XElement } from './xml/tree.js';

export type MeldingSoort = 'Fout' | 'Waarschuwing' | 'Informatie';
export const MELDING_SOORTEN: readonly MeldingSoort[] = ['Fout', 'Waarschuwing', 'Informatie'];

export interface Melding {
  soort: MeldingSoort;
  code: string;
  tekst: string;
  details: string[];
  /** Distinguished name of the party that gives the message. */
  bron: string;
}

const MeldingNode = seq([
  req('Code', Tekst),
  req('Tekst', Tekst),
  many('Detail', Tekst),
  req('Bron', seq([req('DN', Tekst)])),
]);

export function melding(
  soort: MeldingSoort,
  code: string,
  tekst: string,
  bron: string,
  details: string[] = [],
): Melding {
  return { soort, code, tekst, details, bron };
}

function meldingValue(m: Melding) {
  return {
    code: make(Tekst, m.code),
    tekst: make(Tekst, m.tekst),
    detail: m.details.map((d) => make(Tekst, d)),
    bron: { dN: make(Tekst, m.bron) },
  };
}

/** The content of a Melding (Code, Tekst, Detail*, Bron). */
export function encodeMeldingContent(m: Melding, out: string[]): void {
  encodeFields(MeldingNode.fields, meldingValue(m), out, `/${m.soort}`);
}

/**
 * An FWI element holding the messages. `name` is `fwi:FWI` (a reference to the global
 * element, as in the data services) or `FWI` (a local element, as in IBVerwijsindex).
 */
export function encodeFwi(meldingen: readonly Melding[], name: 'fwi:FWI' | 'FWI' = 'fwi:FWI'): string {
  if (meldingen.length === 0) throw new Error('FWI needs at least one Melding');
  const out: string[] = [name === 'fwi:FWI' ? `<fwi:FWI xmlns:fwi="${NS.fwi}">` : '<FWI>'];
  for (const m of meldingen) {
    out.push(`<${m.soort}>`);
    encodeMeldingContent(m, out);
    out.push(`</${m.soort}>`);
  }
  out.push(`</${name}>`);
  return out.join('');
}

/** The global fwi:Fout element, as used in SOAP fault details. */
export function encodeFout(m: Melding): string {
  const out: string[] = [`<fwi:Fout xmlns:fwi="${NS.fwi}">`];
  encodeMeldingContent(m, out);
  out.push('</fwi:Fout>');
  return out.join('');
}

/** A bare element of the FWI namespace: NietsGevonden, NietGerechtigd, NietVanToepassing. */
export function encodeBare(local: 'NietsGevonden' | 'NietGerechtigd' | 'NietVanToepassing'): string {
  return `<fwi:${local} xmlns:fwi="${NS.fwi}"/>`;
}

export function isFwiElement(el: XElement, local: string): boolean {
  return el.uri === NS.fwi && el.local === local;
}

/** Decodes one Melding element (Fout, Waarschuwing or Informatie). */
export function decodeMelding(el: XElement, soort: MeldingSoort, path: string, out: Finding[]): Melding {
  const v = decodeFields(MeldingNode.fields, el, path, out) as {
    code?: string;
    tekst?: string;
    detail?: string[];
    bron?: { dN?: string };
  };
  return { soort, code: v.code ?? '', tekst: v.tekst ?? '', details: v.detail ?? [], bron: v.bron?.dN ?? '' };
}

/** Decodes the children of an FWI element: one or more Fout, Waarschuwing or Informatie. */
export function decodeFwi(el: XElement, path: string, out: Finding[]): Melding[] {
  const meldingen: Melding[] = [];
  if (el.text.trim() !== '')
    out.push({ path, rule: 'tekst-onverwacht', message: 'FWI bevat tekst', line: el.line });
  el.children.forEach((k, i) => {
    const p = `${path}/${k.local}[${i + 1}]`;
    if (k.uri !== '' || !(MELDING_SOORTEN as readonly string[]).includes(k.local)) {
      out.push({
        path: p,
        rule: 'element-onverwacht',
        message: `element ${k.local} hoort niet in FWI`,
        line: k.line,
      });
      return;
    }
    meldingen.push(decodeMelding(k, k.local as MeldingSoort, p, out));
  });
  if (el.children.length === 0)
    out.push({
      path,
      rule: 'element-ontbreekt',
      message: 'FWI moet minstens één melding bevatten',
      line: el.line,
    });
  return meldingen;
}
