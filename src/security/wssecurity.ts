/**
 * WS-Security as Digikoppeling 2W-BE-S asks: the sender signs the SOAP Body, a
 * wsu:Timestamp and every WS-Addressing header with one XML Signature (exclusive c14n,
 * SHA-256 digests, RSA-SHA256), and sends its certificate as a BinarySecurityToken that the
 * signature's KeyInfo refers to directly.
 *
 * Canonicalisation, digests and signature values are xml-crypto's (with @xmldom/xmldom);
 * this module only builds the header, chooses what is referenced, and checks the structure
 * around the signature: each Reference resolves to exactly one element, that element is the
 * real Body, the Timestamp in the Security header or a header block of this envelope
 * (against signature wrapping), and everything that must be signed is.
 *
 * Untrusted input always passes the guarded reader (no DTD, limits) before xmldom sees it.
 * Refusals carry a stable rule code and a Dutch text that never quotes the message.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { DOMParser, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { NS } from '../suwiml/ns.js';
import { parseXml, SOAP_LIMITS, XmlError, type XmlLimits } from '../suwiml/xml/tree.js';
import {
  DIGEST,
  EXC_C14N,
  SIGNATURE,
  isAllowedDigest,
  isAllowedSignature,
  keyTypeOf,
  restrictAlgorithms,
} from './algorithms.js';
import { oinFromCertificate, validAt } from './identity.js';

export const WSS = {
  x509v3: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3',
  base64Binary:
    'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary',
} as const;

const XMLNS = 'http://www.w3.org/2000/xmlns/';
const SOAP_NS: readonly string[] = [NS.soap11, NS.soap12];
/** The attribute names xml-crypto resolves a Reference URI by (any namespace). */
const ID_ATTRS = new Set(['Id', 'ID', 'id']);
const NCNAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const MIN_RSA_BITS = 2048;

/** Our own answers may be larger than a question; still no DTD reaches xmldom. */
const SIGN_LIMITS: XmlLimits = {
  ...SOAP_LIMITS,
  maxBytes: 64 * 1024 * 1024,
  maxElements: 2_000_000,
  maxMillis: 30_000,
};

/** Signing failed: not an envelope, a key that does not fit the certificate, and so on. */
export class WsSecurityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WsSecurityError';
  }
}

// ---------------------------------------------------------------------------------------
// Signing

export interface SignOptions {
  /** Private key (PEM); RSA signs with RSA-SHA256, EC with ECDSA-SHA256. */
  keyPem: string | Buffer;
  /** The certificate of that key (PEM), sent as the BinarySecurityToken. */
  certPem: string | Buffer;
  /** Lifetime written as wsu:Expires (default 300); 0 writes no Expires. */
  ttlSeconds?: number;
  now?: Date;
}

/**
 * Signs an envelope: adds (creating the Header if there is none) a `wsse:Security` header
 * with `mustUnderstand="1"`, holding a wsu:Timestamp, the BinarySecurityToken and a
 * ds:Signature over the Body, the Timestamp and every WS-Addressing header block. The Body
 * gets `wsu:Id="body"` when it has no id; addressing headers keep theirs.
 */
export function signEnvelope(envelopeXml: string, options: SignOptions): string {
  parseXml(envelopeXml, SIGN_LIMITS);
  let key: KeyObject;
  let cert: X509Certificate;
  try {
    key = createPrivateKey(options.keyPem);
  } catch {
    throw new WsSecurityError('de ondertekensleutel is geen bruikbare (onversleutelde) PEM-sleutel');
  }
  try {
    cert = new X509Certificate(options.certPem);
  } catch {
    throw new WsSecurityError('het ondertekencertificaat is geen PEM-certificaat');
  }
  if (!cert.checkPrivateKey(key))
    throw new WsSecurityError('de ondertekensleutel hoort niet bij het certificaat');
  const signatureAlgorithm =
    key.asymmetricKeyType === 'rsa'
      ? SIGNATURE.rsaSha256
      : key.asymmetricKeyType === 'ec'
        ? SIGNATURE.ecdsaSha256
        : undefined;
  if (!signatureAlgorithm) throw new WsSecurityError('alleen RSA- en EC-sleutels kunnen ondertekenen');

  const doc = parseDom(envelopeXml);
  const env = doc.documentElement;
  if (!env || env.localName !== 'Envelope' || !SOAP_NS.includes(env.namespaceURI ?? ''))
    throw new WsSecurityError('het bericht is geen SOAP-envelope (1.1 of 1.2)');
  const envNs = env.namespaceURI!;
  const parts = elementChildren(env);
  let header = parts[0] && is(parts[0], envNs, 'Header') ? parts[0] : undefined;
  const body = parts[header ? 1 : 0];
  if (!body || !is(body, envNs, 'Body')) throw new WsSecurityError('de envelope heeft geen Body');
  if (!header) {
    header = doc.createElementNS(envNs, qualified(env.prefix, 'Header'));
    env.insertBefore(header, body);
  }
  if (elementChildren(header).some((h) => is(h, NS.wsse, 'Security')))
    throw new WsSecurityError('het bericht heeft al een wsse:Security-header');

  const taken = new Map<string, number>();
  for (const el of allElements(doc)) for (const id of idValues(el)) taken.set(id, (taken.get(id) ?? 0) + 1);
  if ([...taken.values()].some((n) => n > 1)) throw new WsSecurityError('het bericht heeft dubbele ids');
  const newId = (base: string): string => {
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
    taken.set(id, 1);
    return id;
  };
  const ensureWsuId = (el: Element, base: string): string => {
    const existing = el.getAttributeNS(NS.wsu, 'Id');
    if (existing) {
      if (!NCNAME.test(existing)) throw new WsSecurityError('een wsu:Id is geen geldige naam');
      return existing;
    }
    const id = newId(base);
    if (!wsuInScope(el)) el.setAttributeNS(XMLNS, 'xmlns:wsu', NS.wsu);
    el.setAttributeNS(NS.wsu, 'wsu:Id', id);
    return id;
  };

  const bodyId = ensureWsuId(body, 'body');
  const wsaIds = elementChildren(header)
    .filter((h) => h.namespaceURI === NS.wsa)
    .map((h) => ensureWsuId(h, `wsa-${(h.localName ?? 'header').toLowerCase()}`));
  const tsId = newId('timestamp');
  const bstId = newId('x509');

  const security = doc.createElementNS(NS.wsse, 'wsse:Security');
  security.setAttributeNS(XMLNS, 'xmlns:wsse', NS.wsse);
  security.setAttributeNS(XMLNS, 'xmlns:wsu', NS.wsu);
  let envPrefix = env.prefix;
  if (!envPrefix) {
    // A default-namespace envelope: mustUnderstand still needs a prefix.
    envPrefix = 'soapenv';
    security.setAttributeNS(XMLNS, `xmlns:${envPrefix}`, envNs);
  }
  security.setAttributeNS(envNs, `${envPrefix}:mustUnderstand`, '1');

  const now = options.now ?? new Date();
  const ttl = options.ttlSeconds ?? 300;
  const timestamp = doc.createElementNS(NS.wsu, 'wsu:Timestamp');
  timestamp.setAttributeNS(NS.wsu, 'wsu:Id', tsId);
  const created = doc.createElementNS(NS.wsu, 'wsu:Created');
  created.appendChild(doc.createTextNode(now.toISOString()));
  timestamp.appendChild(created);
  if (ttl > 0) {
    const expires = doc.createElementNS(NS.wsu, 'wsu:Expires');
    expires.appendChild(doc.createTextNode(new Date(now.getTime() + ttl * 1000).toISOString()));
    timestamp.appendChild(expires);
  }
  security.appendChild(timestamp);

  const bst = doc.createElementNS(NS.wsse, 'wsse:BinarySecurityToken');
  bst.setAttribute('EncodingType', WSS.base64Binary);
  bst.setAttribute('ValueType', WSS.x509v3);
  bst.setAttributeNS(NS.wsu, 'wsu:Id', bstId);
  bst.appendChild(doc.createTextNode(cert.raw.toString('base64')));
  security.appendChild(bst);
  header.appendChild(security);

  const prepared = forXmlCrypto(new XMLSerializer().serializeToString(doc));
  const sx = new SignedXml({
    privateKey: key,
    signatureAlgorithm,
    canonicalizationAlgorithm: EXC_C14N,
    idMode: 'wssecurity',
    getKeyInfoContent: () =>
      `<wsse:SecurityTokenReference xmlns:wsse="${NS.wsse}">` +
      `<wsse:Reference URI="#${bstId}" ValueType="${WSS.x509v3}"/>` +
      `</wsse:SecurityTokenReference>`,
  });
  restrictAlgorithms(sx);
  for (const id of [bodyId, tsId, ...wsaIds])
    sx.addReference({
      xpath: `//*[@*[local-name(.)='Id' and namespace-uri(.)='${NS.wsu}']='${id}']`,
      transforms: [EXC_C14N],
      digestAlgorithm: DIGEST.sha256,
    });
  sx.computeSignature(prepared, {
    prefix: 'ds',
    location: {
      reference: `//*[local-name(.)='Security' and namespace-uri(.)='${NS.wsse}']`,
      action: 'append',
    },
  });
  return sx.getSignedXml();
}

// ---------------------------------------------------------------------------------------
// Verifying

export type VerifyRule =
  | 'xml-geweigerd'
  | 'soap-envelope'
  | 'ws-security-ontbreekt'
  | 'ws-security-dubbel'
  | 'handtekening-ongeldig'
  | 'handtekening-dekt-niet'
  | 'timestamp-ontbreekt'
  | 'timestamp-ongeldig'
  | 'timestamp-verlopen'
  | 'timestamp-toekomst'
  | 'token-ongeldig'
  | 'algoritme-niet-toegestaan'
  | 'dubbel-id'
  | 'messageid-ontbreekt'
  | 'bericht-herhaald';

export interface VerifyRefusal {
  ok: false;
  rule: VerifyRule;
  /** Dutch, for the FWI Fout and the log; never quotes the message. */
  message: string;
}

export interface VerifiedSignature {
  ok: true;
  signed: true;
  /** The signer's certificate (from the BinarySecurityToken). */
  certificate: X509Certificate;
  certificatePem: string;
  /** The OIN in the certificate's subject serialNumber, if it has one. */
  oin?: string;
  created: Date;
  expires?: Date;
  /** After this moment the message would be refused as stale anyway: how long a replay guard must remember it. */
  replayUntil: Date;
  /** The wsu:Ids the signature covers, in SignedInfo order. */
  signedIds: string[];
  /** The (signed) wsa:MessageID. */
  messageId?: string;
  signatureAlgorithm: string;
}

/** With `requireSignature: false`: an envelope without a WS-Security signature. */
export interface UnsignedEnvelope {
  ok: true;
  signed: false;
  messageId?: string;
}

export type VerifyResult = VerifiedSignature | UnsignedEnvelope | VerifyRefusal;

export interface VerifyOptions {
  now?: Date;
  /** How old a Timestamp's Created may be, in seconds (default 300). */
  maxAgeSeconds?: number;
  /** Allowed clock difference with the sender, in seconds (default 60). */
  clockSkewSeconds?: number;
  /** Default true. When false an envelope without wsse:Security passes as unsigned; a present signature is still checked. */
  requireSignature?: boolean;
  /** Limits of the guarded reader (default SOAP_LIMITS). */
  limits?: XmlLimits;
}

function refuse(rule: VerifyRule, message: string): VerifyRefusal {
  return { ok: false, rule, message };
}

/**
 * Checks the WS-Security signature of an envelope. It does not decide whether the signer
 * may speak for the caller: compare `oin` with the TLS client certificate and wsa:From, and
 * check `certificateChainsTo(result.certificate, trustedCas)`; replay is for a ReplayGuard.
 */
export function verifyEnvelope(
  envelopeXml: string | Buffer,
  options?: VerifyOptions & { requireSignature?: true },
): VerifiedSignature | VerifyRefusal;
export function verifyEnvelope(envelopeXml: string | Buffer, options: VerifyOptions): VerifyResult;
export function verifyEnvelope(envelopeXml: string | Buffer, options: VerifyOptions = {}): VerifyResult {
  const raw = typeof envelopeXml === 'string' ? envelopeXml : envelopeXml.toString('utf8');
  try {
    parseXml(raw, options.limits ?? SOAP_LIMITS);
  } catch (e) {
    if (e instanceof XmlError) return refuse('xml-geweigerd', e.message);
    throw e;
  }
  // Line ends as every XML 1.0 reader sees them; then the same text for our checks and xml-crypto.
  const text = forXmlCrypto(raw.replace(/\r\n?/g, '\n'));
  let doc: Document;
  try {
    doc = parseDom(text);
  } catch {
    return refuse('xml-geweigerd', 'geen goedgevormde XML');
  }
  const requireSignature = options.requireSignature ?? true;
  const now = options.now ?? new Date();
  const skewMs = (options.clockSkewSeconds ?? 60) * 1000;
  const maxAgeMs = (options.maxAgeSeconds ?? 300) * 1000;

  const env = doc.documentElement;
  if (!env || env.localName !== 'Envelope' || !SOAP_NS.includes(env.namespaceURI ?? ''))
    return refuse('soap-envelope', 'het bericht is geen SOAP-envelope (1.1 of 1.2)');
  const envNs = env.namespaceURI!;
  const parts = elementChildren(env);
  const header = parts[0] && is(parts[0], envNs, 'Header') ? parts[0] : undefined;
  const body = parts[header ? 1 : 0];
  if (!body || !is(body, envNs, 'Body')) return refuse('soap-envelope', 'de envelope heeft geen Body');
  const headers = header ? elementChildren(header) : [];
  const messageIdEl = headers.find((h) => is(h, NS.wsa, 'MessageID'));
  const messageId = messageIdEl?.textContent?.trim() || undefined;
  const all = allElements(doc);
  const signatures = all.filter((e) => is(e, NS.ds, 'Signature'));
  const securities = headers.filter((h) => is(h, NS.wsse, 'Security'));
  const unsigned: UnsignedEnvelope = { ok: true, signed: false, ...(messageId && { messageId }) };

  if (securities.length > 1)
    return refuse('ws-security-dubbel', 'het bericht heeft meer dan één wsse:Security-header');
  const security = securities[0];
  if (!security || signatures.length === 0) {
    if (!requireSignature && signatures.length === 0) return unsigned;
    if (!security)
      return refuse(
        'ws-security-ontbreekt',
        'het bericht heeft geen wsse:Security-header met een handtekening',
      );
    return refuse('ws-security-ontbreekt', 'de wsse:Security-header bevat geen ds:Signature');
  }
  const signature = signatures[0]!;
  if (signatures.length > 1 || signature.parentNode !== security)
    return refuse(
      'handtekening-ongeldig',
      'het bericht moet precies één ds:Signature hebben, direct in wsse:Security',
    );
  if (all.filter((e) => e.localName === 'SignedInfo').length !== 1)
    return refuse('handtekening-ongeldig', 'het bericht moet precies één SignedInfo hebben');

  // The algorithms, from SignedInfo as written.
  const sigKids = elementChildren(signature);
  const signedInfo = sigKids[0];
  if (
    !signedInfo ||
    !is(signedInfo, NS.ds, 'SignedInfo') ||
    !sigKids[1] ||
    !is(sigKids[1], NS.ds, 'SignatureValue')
  )
    return refuse(
      'handtekening-ongeldig',
      'ds:Signature heeft niet de vorm SignedInfo, SignatureValue, KeyInfo',
    );
  const siKids = elementChildren(signedInfo);
  const c14n = siKids[0];
  const method = siKids[1];
  if (!c14n || !is(c14n, NS.ds, 'CanonicalizationMethod') || !method || !is(method, NS.ds, 'SignatureMethod'))
    return refuse('handtekening-ongeldig', 'SignedInfo mist CanonicalizationMethod of SignatureMethod');
  if (c14n.getAttribute('Algorithm') !== EXC_C14N)
    return refuse('algoritme-niet-toegestaan', 'alleen exclusieve canonicalisatie (exc-c14n) is toegestaan');
  const signatureAlgorithm = method.getAttribute('Algorithm') ?? '';
  if (!isAllowedSignature(signatureAlgorithm) || elementChildren(method).length > 0)
    return refuse(
      'algoritme-niet-toegestaan',
      'het handtekeningalgoritme is niet toegestaan (alleen RSA of ECDSA met SHA-224 of sterker)',
    );
  const references = siKids.slice(2);
  if (references.length === 0 || references.some((r) => !is(r, NS.ds, 'Reference')))
    return refuse('handtekening-ongeldig', 'SignedInfo bevat geen (geldige) Reference');
  const uris: string[] = [];
  for (const ref of references) {
    const uri = ref.getAttribute('URI') ?? '';
    if (!uri.startsWith('#') || !NCNAME.test(uri.slice(1)))
      return refuse(
        'handtekening-ongeldig',
        'een Reference verwijst niet met #id naar een element van dit bericht',
      );
    const [transforms, digestMethod, digestValue, ...rest] = elementChildren(ref);
    if (!transforms || !is(transforms, NS.ds, 'Transforms'))
      return refuse(
        'algoritme-niet-toegestaan',
        'elke Reference moet exclusieve canonicalisatie als transform hebben',
      );
    const ts = elementChildren(transforms);
    if (ts.length !== 1 || !is(ts[0]!, NS.ds, 'Transform') || ts[0]!.getAttribute('Algorithm') !== EXC_C14N)
      return refuse('algoritme-niet-toegestaan', 'een Reference mag alleen de transform exc-c14n hebben');
    if (
      !digestMethod ||
      !is(digestMethod, NS.ds, 'DigestMethod') ||
      !digestValue ||
      !is(digestValue, NS.ds, 'DigestValue') ||
      rest.length
    )
      return refuse(
        'handtekening-ongeldig',
        'een Reference heeft niet de vorm Transforms, DigestMethod, DigestValue',
      );
    if (!isAllowedDigest(digestMethod.getAttribute('Algorithm')))
      return refuse(
        'algoritme-niet-toegestaan',
        'het digest-algoritme is niet toegestaan (alleen SHA-224 of sterker)',
      );
    if (uris.includes(uri.slice(1)))
      return refuse('handtekening-ongeldig', 'twee References verwijzen naar hetzelfde element');
    uris.push(uri.slice(1));
  }

  // Ids: unique, and every reference lands on the Body, the Timestamp or a header block of THIS envelope.
  const byId = new Map<string, Element[]>();
  const wsuIds = new Map<string, number>();
  for (const el of all) {
    for (const id of new Set(idValues(el))) byId.set(id, [...(byId.get(id) ?? []), el]);
    const w = el.getAttributeNS(NS.wsu, 'Id');
    if (w) wsuIds.set(w, (wsuIds.get(w) ?? 0) + 1);
  }
  if ([...wsuIds.values()].some((n) => n > 1))
    return refuse('dubbel-id', 'twee elementen hebben dezelfde wsu:Id (signature wrapping)');
  const secKids = elementChildren(security);
  const timestamps = secKids.filter((k) => is(k, NS.wsu, 'Timestamp'));
  if (timestamps.length === 0)
    return refuse('timestamp-ontbreekt', 'de wsse:Security-header heeft geen wsu:Timestamp');
  if (timestamps.length > 1)
    return refuse('timestamp-ongeldig', 'de wsse:Security-header heeft meer dan één wsu:Timestamp');
  const timestamp = timestamps[0]!;
  const signed = new Set<Element>();
  for (const id of uris) {
    const els = byId.get(id) ?? [];
    if (els.length === 0)
      return refuse('handtekening-ongeldig', 'een Reference verwijst naar een element dat niet bestaat');
    if (els.length > 1)
      return refuse(
        'dubbel-id',
        'een Reference verwijst naar een id die meer dan eens voorkomt (signature wrapping)',
      );
    const el = els[0]!;
    if (!allowedTarget(el, { body, timestamp, header, security, signature }))
      return refuse(
        'dubbel-id',
        'de handtekening dekt een element dat niet de Body of een header van dit bericht is (signature wrapping)',
      );
    signed.add(el);
  }
  if (!signed.has(body)) return refuse('handtekening-dekt-niet', 'de handtekening dekt de SOAP Body niet');
  if (!signed.has(timestamp))
    return refuse('handtekening-dekt-niet', 'de handtekening dekt de wsu:Timestamp niet');
  for (const h of headers)
    if (h.namespaceURI === NS.wsa && !signed.has(h))
      return refuse('handtekening-dekt-niet', `de handtekening dekt ${wsaName(h)} niet`);

  // The token: a direct reference from KeyInfo to an X.509 BinarySecurityToken in this Security header.
  const token = readToken(sigKids, byId, security);
  if (!token.ok) return token;
  const certificate = token.certificate;
  if (!validAt(certificate, now))
    return refuse(
      'token-ongeldig',
      'het certificaat in het BinarySecurityToken is op dit moment niet geldig',
    );
  const keyType = certificate.publicKey.asymmetricKeyType;
  if (keyType !== keyTypeOf(signatureAlgorithm))
    return refuse(
      'algoritme-niet-toegestaan',
      'het handtekeningalgoritme past niet bij de sleutel van het certificaat',
    );
  const bits = certificate.publicKey.asymmetricKeyDetails?.modulusLength;
  if (keyType === 'rsa' && (bits ?? 0) < MIN_RSA_BITS)
    return refuse('algoritme-niet-toegestaan', `een RSA-sleutel moet minstens ${MIN_RSA_BITS} bits hebben`);

  // The cryptography, by xml-crypto, over the same text.
  const sx = new SignedXml({ publicCert: certificate.publicKey, getCertFromKeyInfo: () => null });
  restrictAlgorithms(sx);
  // xml-crypto scans the whole document once per reference per id attribute name; only
  // `Id` (wsu:Id) is used by 2W-BE-S, and the uniqueness of Id, ID and id over the whole
  // document was checked above, so one scan per reference finds the same element.
  sx.idAttributes = ['Id'];
  try {
    sx.loadSignature(signature as never);
    if (!sx.checkSignature(text))
      return refuse(
        'handtekening-ongeldig',
        'een ondertekend element is na het ondertekenen gewijzigd (digest klopt niet)',
      );
  } catch {
    return refuse('handtekening-ongeldig', 'de handtekening klopt niet');
  }
  if (sx.getSignedReferences().length !== uris.length)
    return refuse('handtekening-ongeldig', 'niet alle References zijn gecontroleerd');

  // The Timestamp, now that it is known to be the sender's.
  const tsKids = elementChildren(timestamp);
  const createdEls = tsKids.filter((k) => is(k, NS.wsu, 'Created'));
  const expiresEls = tsKids.filter((k) => is(k, NS.wsu, 'Expires'));
  if (createdEls.length === 0) return refuse('timestamp-ontbreekt', 'wsu:Timestamp heeft geen wsu:Created');
  if (createdEls.length > 1 || expiresEls.length > 1 || tsKids[0] !== createdEls[0])
    return refuse('timestamp-ongeldig', 'wsu:Timestamp heeft niet de vorm Created, Expires');
  const created = parseDateTime(createdEls[0]!.textContent);
  const expires = expiresEls[0] ? parseDateTime(expiresEls[0].textContent) : undefined;
  if (!created || (expiresEls[0] && !expires))
    return refuse('timestamp-ongeldig', 'wsu:Created of wsu:Expires is geen geldige tijd met tijdzone');
  if (expires && expires.getTime() <= created.getTime())
    return refuse('timestamp-ongeldig', 'wsu:Expires ligt niet na wsu:Created');
  const t = now.getTime();
  if (created.getTime() > t + skewMs) return refuse('timestamp-toekomst', 'wsu:Created ligt in de toekomst');
  if (expires && t > expires.getTime() + skewMs)
    return refuse('timestamp-verlopen', 'het bericht is verlopen (wsu:Expires)');
  if (t > created.getTime() + maxAgeMs + skewMs)
    return refuse(
      'timestamp-verlopen',
      `het bericht is ouder dan ${Math.round(maxAgeMs / 1000)} seconden (wsu:Created)`,
    );
  const until = Math.min(expires?.getTime() ?? Infinity, created.getTime() + maxAgeMs) + skewMs;

  const oin = oinFromCertificate(certificate);
  return {
    ok: true,
    signed: true,
    certificate,
    certificatePem: certificate.toString(),
    ...(oin !== undefined && { oin }),
    created,
    ...(expires && { expires }),
    replayUntil: new Date(until),
    signedIds: uris,
    ...(messageId && { messageId }),
    signatureAlgorithm,
  };
}

function allowedTarget(
  el: Element,
  c: {
    body: Element;
    timestamp: Element;
    header: Element | undefined;
    security: Element;
    signature: Element;
  },
): boolean {
  if (el === c.body || el === c.timestamp) return true;
  // A Body or Timestamp anywhere else is the signed original moved aside for a new one.
  if (el.localName === 'Body' && SOAP_NS.includes(el.namespaceURI ?? '')) return false;
  if (is(el, NS.wsu, 'Timestamp')) return false;
  if (el === c.security || el === c.signature) return false;
  return el.parentNode === c.header || el.parentNode === c.security;
}

function readToken(
  sigKids: Element[],
  byId: Map<string, Element[]>,
  security: Element,
): { ok: true; certificate: X509Certificate } | VerifyRefusal {
  const keyInfo = sigKids.find((k) => is(k, NS.ds, 'KeyInfo'));
  const str = keyInfo ? elementChildren(keyInfo) : [];
  if (str.length !== 1 || !is(str[0]!, NS.wsse, 'SecurityTokenReference'))
    return refuse('token-ongeldig', 'KeyInfo moet één wsse:SecurityTokenReference bevatten');
  const refs = elementChildren(str[0]!);
  if (refs.length !== 1 || !is(refs[0]!, NS.wsse, 'Reference'))
    return refuse(
      'token-ongeldig',
      'alleen een directe verwijzing (wsse:Reference) naar het BinarySecurityToken is toegestaan',
    );
  const ref = refs[0]!;
  const uri = ref.getAttribute('URI') ?? '';
  const valueType = ref.getAttribute('ValueType');
  if (!uri.startsWith('#') || !NCNAME.test(uri.slice(1)) || (valueType && valueType !== WSS.x509v3))
    return refuse('token-ongeldig', 'de verwijzing naar het token is geen #id van een X.509v3-token');
  const els = byId.get(uri.slice(1)) ?? [];
  if (els.length > 1)
    return refuse('dubbel-id', 'de id van het token komt meer dan eens voor (signature wrapping)');
  const bst = els[0];
  if (!bst || !is(bst, NS.wsse, 'BinarySecurityToken') || bst.parentNode !== security)
    return refuse(
      'token-ongeldig',
      'de verwijzing wijst niet naar een BinarySecurityToken in de wsse:Security-header',
    );
  const encoding = bst.getAttribute('EncodingType');
  if (bst.getAttribute('ValueType') !== WSS.x509v3 || (encoding && encoding !== WSS.base64Binary))
    return refuse('token-ongeldig', 'het BinarySecurityToken is geen base64 X.509v3-certificaat');
  const b64 = (bst.textContent ?? '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64))
    return refuse('token-ongeldig', 'het BinarySecurityToken is geen geldige base64');
  try {
    return { ok: true, certificate: new X509Certificate(Buffer.from(b64, 'base64')) };
  } catch {
    return refuse('token-ongeldig', 'het BinarySecurityToken bevat geen leesbaar X.509-certificaat');
  }
}

// ---------------------------------------------------------------------------------------
// DOM helpers

/** xmldom with XML 1.0 line ends (it applies the XML 1.1 ones by default, which change text). */
function parseDom(xml: string): Document {
  let failed = false;
  let doc: Document;
  try {
    doc = new DOMParser({
      normalizeLineEndings: (s) => s.replace(/\r\n?/g, '\n'),
      onError: (level) => {
        if (level !== 'warning') failed = true;
      },
    }).parseFromString(xml, 'text/xml');
  } catch {
    throw new XmlError('xml-syntax', 'geen goedgevormde XML');
  }
  if (failed || !doc.documentElement) throw new XmlError('xml-syntax', 'geen goedgevormde XML');
  return doc;
}

/**
 * xml-crypto parses with its own xmldom, which normalises line ends the XML 1.1 way: a
 * literal U+0085 or U+2028 would become a line feed there, and so a digest other than any
 * XML 1.0 signer's. As character references they are the same characters but reach the
 * parser intact; so is a CR (which only a character reference can have put in the text).
 * CDATA sections and comments cannot hold references and are left as they are.
 */
function forXmlCrypto(xml: string): string {
  return xml
    .split(/(<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->)/)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part.replace(/[\r\u0085\u2028]/g, (c) => `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`),
    )
    .join('');
}

function elementChildren(el: Element): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
}

function allElements(doc: Document): Element[] {
  const out: Element[] = [];
  const stack: Element[] = doc.documentElement ? [doc.documentElement] : [];
  while (stack.length) {
    const el = stack.pop()!;
    out.push(el);
    const kids = elementChildren(el);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return out;
}

function is(el: Element, ns: string, local: string): boolean {
  return el.namespaceURI === ns && el.localName === local;
}

/** The values of the attributes xml-crypto treats as ids (Id, ID, id in any namespace). */
function idValues(el: Element): string[] {
  const out: string[] = [];
  for (const a of Array.from(el.attributes))
    if (a.localName && ID_ATTRS.has(a.localName) && a.namespaceURI !== XMLNS) out.push(a.value);
  return out;
}

function wsuInScope(el: Element): boolean {
  for (let n: Element | null = el; n; n = n.parentNode as Element | null) {
    if (n.nodeType !== 1) break;
    const v = n.getAttribute('xmlns:wsu');
    if (v !== null) {
      if (v !== NS.wsu) throw new WsSecurityError('het voorvoegsel wsu is aan een andere namespace gebonden');
      return true;
    }
  }
  return false;
}

function qualified(prefix: string | null, local: string): string {
  return prefix ? `${prefix}:${local}` : local;
}

const WSA_NAMES = new Set(['Action', 'MessageID', 'From', 'To', 'ReplyTo', 'FaultTo', 'RelatesTo']);

/** A header's name for a message, only when it is one of the known ones (no content in texts). */
function wsaName(h: Element): string {
  return h.localName && WSA_NAMES.has(h.localName) ? `wsa:${h.localName}` : 'een WS-Addressing-header';
}

function parseDateTime(s: string | null | undefined): Date | undefined {
  const v = (s ?? '').trim();
  if (!DATETIME.test(v)) return undefined;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}
