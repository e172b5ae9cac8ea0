/**
 * SOAP 1.1 and 1.2 envelopes: reading a request or answer into header blocks and the one
 * payload element of the Body, and writing envelopes and faults. Faults carry the FWI
 * `Fout` element in their detail, as the Transactiestandaard asks.
 */
import { encodeFout, type Melding } from './fwi.js';
import { NS } from './ns.js';
import { escapeText, parseXml, SOAP_LIMITS, XmlError, type XElement, type XmlLimits } from './xml/tree.js';

export type SoapVersion = '1.1' | '1.2';

export interface Envelope {
  version: SoapVersion;
  root: XElement;
  /** The children of soap:Header (empty when there is none). */
  headers: XElement[];
  body: XElement;
  /** The single element inside the Body. */
  payload: XElement;
}

/** A message that is XML but not a usable SOAP envelope. */
export class SoapFormatError extends Error {
  constructor(
    readonly rule: string,
    message: string,
    readonly version?: SoapVersion,
  ) {
    super(message);
    this.name = 'SoapFormatError';
  }
}

export function envNs(version: SoapVersion): string {
  return version === '1.1' ? NS.soap11 : NS.soap12;
}

export function contentType(version: SoapVersion, action?: string): string {
  if (version === '1.1') return 'text/xml; charset=utf-8';
  return `application/soap+xml; charset=utf-8${action ? `; action="${action}"` : ''}`;
}

/** The SOAP version a Content-Type announces, if any. */
export function versionFromContentType(ct: string | undefined): SoapVersion | undefined {
  if (!ct) return undefined;
  const t = ct.toLowerCase();
  if (t.startsWith('application/soap+xml')) return '1.2';
  if (t.startsWith('text/xml')) return '1.1';
  return undefined;
}

/** Reads an envelope under the limits. Throws XmlError (not XML, or hostile) or SoapFormatError. */
export function parseEnvelope(input: string | Buffer, limits: XmlLimits = SOAP_LIMITS): Envelope {
  const root = parseXml(input, limits);
  let version: SoapVersion;
  if (root.uri === NS.soap11) version = '1.1';
  else if (root.uri === NS.soap12) version = '1.2';
  else throw new SoapFormatError('soap-envelope', 'het bericht is geen SOAP-envelope (1.1 of 1.2)');
  if (root.local !== 'Envelope')
    throw new SoapFormatError('soap-envelope', 'het root-element is geen Envelope', version);
  const parts = root.children;
  let i = 0;
  let headers: XElement[] = [];
  if (parts[i]?.local === 'Header' && parts[i]?.uri === root.uri) {
    headers = parts[i]!.children;
    i++;
  }
  const body = parts[i];
  if (!body || body.local !== 'Body' || body.uri !== root.uri)
    throw new SoapFormatError('soap-body', 'de envelope heeft geen Body', version);
  if (i + 1 < parts.length)
    throw new SoapFormatError('soap-envelope', 'na de Body mag niets meer volgen', version);
  if (body.text.trim() !== '') throw new SoapFormatError('soap-body', 'de Body bevat losse tekst', version);
  if (body.children.length !== 1)
    throw new SoapFormatError(
      'soap-body',
      body.children.length ? 'de Body bevat meer dan één element' : 'de Body is leeg',
      version,
    );
  return { version, root, headers, body, payload: body.children[0]! };
}

export interface EnvelopeParts {
  version: SoapVersion;
  /** Header blocks as XML text (may be empty). */
  headers?: string;
  body: string;
  /** Attributes for the Body element, e.g. a wsu:Id for signing. */
  bodyAttrs?: string;
}

/** Writes an envelope. The wsa and wsu prefixes are declared on the root for the header blocks. */
export function buildEnvelope(p: EnvelopeParts): string {
  const e = p.version === '1.1' ? 'soap' : 'env';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<${e}:Envelope xmlns:${e}="${envNs(p.version)}" xmlns:wsa="${NS.wsa}" xmlns:wsu="${NS.wsu}">` +
    (p.headers ? `<${e}:Header>${p.headers}</${e}:Header>` : '') +
    `<${e}:Body${p.bodyAttrs ? ` ${p.bodyAttrs}` : ''}>${p.body}</${e}:Body>` +
    `</${e}:Envelope>`
  );
}

export type FaultCode = 'Client' | 'Server';

/** The content of a Body holding a Fault with the FWI Fout as detail. */
export function buildFaultBody(version: SoapVersion, code: FaultCode, fout: Melding): string {
  const reason = escapeText(`${fout.code}: ${fout.tekst}`);
  const detail = encodeFout(fout);
  if (version === '1.1') {
    return `<soap:Fault><faultcode>soap:${code}</faultcode><faultstring xml:lang="nl">${reason}</faultstring><detail>${detail}</detail></soap:Fault>`;
  }
  const c = code === 'Client' ? 'env:Sender' : 'env:Receiver';
  return `<env:Fault><env:Code><env:Value>${c}</env:Value></env:Code><env:Reason><env:Text xml:lang="nl">${reason}</env:Text></env:Reason><env:Detail>${detail}</env:Detail></env:Fault>`;
}

/** True when the payload is a SOAP Fault. */
export function isFault(env: Envelope): boolean {
  return env.payload.local === 'Fault' && env.payload.uri === envNs(env.version);
}

/** Reads the FWI Fout (code and text) from a fault, if present. */
export function faultSummary(env: Envelope): { code?: string; tekst?: string; reason?: string } {
  const f = env.payload;
  const find = (el: XElement, local: string): XElement | undefined => {
    if (el.local === local) return el;
    for (const k of el.children) {
      const r = find(k, local);
      if (r) return r;
    }
    return undefined;
  };
  const fout = find(f, 'Fout');
  const code = fout?.children.find((k) => k.local === 'Code')?.text;
  const tekst = fout?.children.find((k) => k.local === 'Tekst')?.text;
  const reason = (find(f, 'faultstring') ?? find(f, 'Text'))?.text;
  return {
    ...(code !== undefined && { code }),
    ...(tekst !== undefined && { tekst }),
    ...(reason !== undefined && { reason }),
  };
}

export { XmlError };
