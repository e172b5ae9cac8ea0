/**
 * IBVerwijsindex v0300, operation IBVerwijsindex: a gemeente registers (IndDkd 1) or
 * withdraws (IndDkd 2) that it holds DKD data for a BSN, per cluster. The answer is an
 * Acknowledgement and/or an FWI; here the FWI is a local, unqualified element.
 */
import { Bron } from '../../domain/model.js';
import { type Infer, req, seq, some } from '../../domain/schema.js';
import { Burgerservicenr, CdClusteringIb, StdIndJN } from '../../domain/values.js';
import { decodeFwi, encodeFwi, type Melding } from '../fwi.js';
import { decodeFields, encodeFields, type Decoded, type Finding } from '../xml/codec.js';
import type { XElement } from '../xml/tree.js';
import { expectRoot, serviceInfo, type ServiceInfo } from './data-service.js';

export const VerwijsindexVraagNode = seq([
  req('Burgerservicenr', Burgerservicenr),
  some('ClusteringIb', seq([req('CdClusteringIb', CdClusteringIb), req('IndDkd', StdIndJN)])),
  req('Bron', Bron),
]);
export type VerwijsindexVraag = Infer<typeof VerwijsindexVraagNode>;

export interface VerwijsindexAntwoord {
  acknowledgement: boolean;
  meldingen: Melding[];
}

export interface VerwijsindexService extends ServiceInfo {
  readonly dienst: 'verwijsindex';
  readonly request: typeof VerwijsindexVraagNode;
  encodeRequest(v: VerwijsindexVraag): string;
  decodeRequest(el: XElement): Decoded<VerwijsindexVraag>;
  encodeAntwoord(a: VerwijsindexAntwoord): string;
  decodeAntwoord(el: XElement): Decoded<VerwijsindexAntwoord>;
}

const info = serviceInfo('IBVerwijsindex', 'v0300', 'IBVerwijsindex');

export const ibVerwijsindexV0300: VerwijsindexService = {
  ...info,
  dienst: 'verwijsindex',
  request: VerwijsindexVraagNode,
  encodeRequest(v) {
    const out = [`<smls:${info.operation} xmlns:smls="${info.namespace}">`];
    encodeFields(VerwijsindexVraagNode.fields, v, out, `/${info.operation}`);
    out.push(`</smls:${info.operation}>`);
    return out.join('');
  },
  decodeRequest(el) {
    const findings: Finding[] = [];
    if (!expectRoot(el, info.namespace, info.operation, findings)) return { ok: false, findings };
    const v = decodeFields(VerwijsindexVraagNode.fields, el, `/${info.operation}`, findings);
    return findings.length ? { ok: false, findings } : { ok: true, value: v as VerwijsindexVraag };
  },
  encodeAntwoord(a) {
    if (!a.acknowledgement && a.meldingen.length === 0)
      throw new Error('an IBVerwijsindex answer needs content');
    return (
      `<smls:${info.responseElement} xmlns:smls="${info.namespace}">` +
      (a.acknowledgement ? '<Acknowledgement/>' : '') +
      (a.meldingen.length ? encodeFwi(a.meldingen, 'FWI') : '') +
      `</smls:${info.responseElement}>`
    );
  },
  decodeAntwoord(el) {
    const findings: Finding[] = [];
    const root = `/${info.responseElement}`;
    if (!expectRoot(el, info.namespace, info.responseElement, findings)) return { ok: false, findings };
    let i = 0;
    const kids = el.children;
    let acknowledgement = false;
    let meldingen: Melding[] = [];
    if (kids[i]?.local === 'Acknowledgement' && kids[i]?.uri === '') {
      const k = kids[i]!;
      if (k.children.length || k.text.trim())
        findings.push({
          path: `${root}/Acknowledgement`,
          rule: 'element-leeg',
          message: 'Acknowledgement moet leeg zijn',
        });
      acknowledgement = true;
      i++;
    }
    if (kids[i]?.local === 'FWI' && kids[i]?.uri === '') {
      meldingen = decodeFwi(kids[i]!, `${root}/FWI`, findings);
      i++;
    }
    if (i < kids.length)
      findings.push({
        path: `${root}/${kids[i]!.local}`,
        rule: 'element-onverwacht',
        message: 'verwacht Acknowledgement of FWI',
        line: kids[i]!.line,
      });
    return findings.length ? { ok: false, findings } : { ok: true, value: { acknowledgement, meldingen } };
  },
};
