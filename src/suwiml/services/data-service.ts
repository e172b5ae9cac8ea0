/**
 * What the two data services (Bijstandsregelingen, GSDDossierReintegratie) have in common:
 * a question with one Burgerservicenr, and an answer that is the data (ClientSuwi,
 * optionally followed by an FWI), an FWI alone, NietsGevonden, or NietGerechtigd (a bare
 * FWI element as the Body's payload). A service version supplies its ClientSuwi structure
 * and the mapping between it and the domain Dossier; everything else is shared here.
 */
import type { Dossier } from '../../domain/model.js';
import { req, seq, type SequenceNode } from '../../domain/schema.js';
import { Burgerservicenr, type Bsn } from '../../domain/values.js';
import type { DataDienst } from '../../store/types.js';
import { decodeFwi, encodeBare, encodeFwi, isFwiElement, type Melding } from '../fwi.js';
import { decodeFields, encodeFields, type Decoded, type Finding } from '../xml/codec.js';
import type { XElement } from '../xml/tree.js';

export type DataAntwoord =
  | { soort: 'gegevens'; dossier: Dossier; meldingen: Melding[] }
  | { soort: 'fwi'; meldingen: Melding[] }
  | { soort: 'nietsGevonden' }
  | { soort: 'nietGerechtigd' };

export interface ServiceInfo {
  /** Service name as in the IB's WSDL, e.g. `Bijstandsregelingen`. */
  readonly naam: string;
  readonly versie: string;
  /** Endpoint path and WSDL service name, e.g. `Bijstandsregelingen-v0500`. */
  readonly path: string;
  readonly namespace: string;
  readonly operation: string;
  readonly responseElement: string;
  readonly actions: { readonly request: string; readonly response: string; readonly fault: string };
}

export interface DataService extends ServiceInfo {
  readonly dienst: DataDienst;
  /** The structure of ClientSuwi in this version. */
  readonly clientSuwi: SequenceNode;
  readonly request: SequenceNode;
  encodeRequest(bsn: Bsn): string;
  decodeRequest(el: XElement): Decoded<{ bsn: Bsn }>;
  encodeAntwoord(a: DataAntwoord): string;
  decodeAntwoord(el: XElement): Decoded<DataAntwoord>;
  /** The part of a dossier this version carries: what decode(encode(d)) gives back. */
  project(d: Dossier): Dossier;
}

export function serviceInfo(naam: string, versie: string, operation: string): ServiceInfo {
  const path = `${naam}-${versie}`;
  const base = `http://bkwi.nl/SuwiML/Diensten/${path}`;
  return {
    naam,
    versie,
    path,
    namespace: `http://bkwi.nl/SuwiML/Diensten/${naam}/${versie}`,
    operation,
    responseElement: `${operation}Response`,
    actions: {
      request: `${base}/${operation}`,
      response: `${base}/${operation}Response`,
      fault: `${base}/Fout`,
    },
  };
}

export const BsnVraag = seq([req('Burgerservicenr', Burgerservicenr)]);

/** Checks that `el` is the named element of the service namespace. */
export function expectRoot(el: XElement, ns: string, local: string, out: Finding[]): boolean {
  if (el.uri === ns && el.local === local) return true;
  out.push({
    path: `/${el.local}`,
    rule: 'element-onverwacht',
    message: `verwacht element ${local} in namespace ${ns}`,
    line: el.line,
  });
  return false;
}

interface Mapping {
  toClientSuwi(d: Dossier): Record<string, unknown>;
  fromClientSuwi(c: Record<string, unknown>): Dossier;
}

export function dataService(
  info: ServiceInfo,
  dienst: DataDienst,
  clientSuwi: SequenceNode,
  map: Mapping,
): DataService {
  const open = `<smls:${info.responseElement} xmlns:smls="${info.namespace}">`;
  const close = `</smls:${info.responseElement}>`;
  return {
    ...info,
    dienst,
    clientSuwi,
    request: BsnVraag,
    encodeRequest(bsn) {
      const out = [`<smls:${info.operation} xmlns:smls="${info.namespace}">`];
      encodeFields(BsnVraag.fields, { burgerservicenr: bsn }, out, `/${info.operation}`);
      out.push(`</smls:${info.operation}>`);
      return out.join('');
    },
    decodeRequest(el) {
      const findings: Finding[] = [];
      if (!expectRoot(el, info.namespace, info.operation, findings)) return { ok: false, findings };
      const v = decodeFields(BsnVraag.fields, el, `/${info.operation}`, findings) as { burgerservicenr: Bsn };
      return findings.length ? { ok: false, findings } : { ok: true, value: { bsn: v.burgerservicenr } };
    },
    encodeAntwoord(a) {
      switch (a.soort) {
        case 'nietGerechtigd':
          return encodeBare('NietGerechtigd');
        case 'nietsGevonden':
          return `${open}${encodeBare('NietsGevonden')}${close}`;
        case 'fwi':
          return `${open}${encodeFwi(a.meldingen)}${close}`;
        case 'gegevens': {
          const out = [open, '<ClientSuwi>'];
          encodeFields(clientSuwi.fields, map.toClientSuwi(a.dossier), out, '/ClientSuwi');
          out.push('</ClientSuwi>');
          if (a.meldingen.length) out.push(encodeFwi(a.meldingen));
          out.push(close);
          return out.join('');
        }
      }
    },
    decodeAntwoord(el) {
      const findings: Finding[] = [];
      if (isFwiElement(el, 'NietGerechtigd')) {
        if (el.children.length || el.text.trim())
          findings.push({
            path: '/NietGerechtigd',
            rule: 'element-leeg',
            message: 'NietGerechtigd moet leeg zijn',
          });
        return findings.length ? { ok: false, findings } : { ok: true, value: { soort: 'nietGerechtigd' } };
      }
      const root = `/${info.responseElement}`;
      if (!expectRoot(el, info.namespace, info.responseElement, findings)) return { ok: false, findings };
      if (el.text.trim() !== '')
        findings.push({ path: root, rule: 'tekst-onverwacht', message: 'bevat losse tekst' });
      const [first, second, ...rest] = el.children;
      let value: DataAntwoord | undefined;
      if (!first) {
        findings.push({
          path: root,
          rule: 'element-ontbreekt',
          message: 'het antwoord is leeg',
          line: el.line,
        });
      } else if (first.uri === '' && first.local === 'ClientSuwi') {
        const c = decodeFields(clientSuwi.fields, first, `${root}/ClientSuwi`, findings);
        let meldingen: Melding[] = [];
        if (second) {
          if (isFwiElement(second, 'FWI')) meldingen = decodeFwi(second, `${root}/FWI`, findings);
          else
            findings.push({
              path: `${root}/${second.local}`,
              rule: 'element-onverwacht',
              message: `na ClientSuwi mag alleen fwi:FWI volgen`,
              line: second.line,
            });
        }
        if (rest.length)
          findings.push({
            path: `${root}/${rest[0]!.local}`,
            rule: 'element-onverwacht',
            message: 'te veel elementen',
          });
        if (!findings.length) value = { soort: 'gegevens', dossier: map.fromClientSuwi(c), meldingen };
      } else if (isFwiElement(first, 'FWI')) {
        const meldingen = decodeFwi(first, `${root}/FWI`, findings);
        value = { soort: 'fwi', meldingen };
      } else if (isFwiElement(first, 'NietsGevonden')) {
        if (first.children.length || first.text.trim())
          findings.push({
            path: `${root}/NietsGevonden`,
            rule: 'element-leeg',
            message: 'NietsGevonden moet leeg zijn',
          });
        value = { soort: 'nietsGevonden' };
      } else {
        findings.push({
          path: `${root}/${first.local}`,
          rule: 'element-onverwacht',
          message: 'verwacht ClientSuwi, fwi:FWI of fwi:NietsGevonden',
          line: first.line,
        });
      }
      if (value && value.soort !== 'gegevens' && second)
        findings.push({
          path: `${root}/${second.local}`,
          rule: 'element-onverwacht',
          message: 'te veel elementen',
        });
      return findings.length || !value ? { ok: false, findings } : { ok: true, value };
    },
    project(d) {
      return map.fromClientSuwi(map.toClientSuwi(d));
    },
  };
}

/** Copies the given keys that are present. */
export function pickKeys(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  for (const k of keys) if (o[k] !== undefined) r[k] = o[k];
  return r;
}
