import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateChainsTo } from '../../src/security/identity.js';
import {
  signEnvelope,
  verifyEnvelope,
  WSS,
  WsSecurityError,
  type VerifyResult,
} from '../../src/security/wssecurity.js';
import { readAddressing } from '../../src/suwiml/addressing.js';
import { NS } from '../../src/suwiml/ns.js';
import { buildEnvelope, envNs, parseEnvelope } from '../../src/suwiml/soap.js';
import { makePki, question, type TestPki } from './fixtures.js';

let pki: TestPki;
let other: TestPki;
beforeAll(async () => {
  [pki, other] = await Promise.all([makePki([]), makePki([], 'dkd-pki-ander-')]);
});
afterAll(() => {
  pki.cleanup();
  other.cleanup();
});

const EXC = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA1 = 'http://www.w3.org/2000/09/xmldsig#sha1';
const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const BSN = '123456782';

function signed(version: '1.1' | '1.2' = '1.1', extra: { now?: Date; ttlSeconds?: number } = {}): string {
  return signEnvelope(question(version, { bsn: BSN }), { ...pki.pem('uwv'), ...extra });
}

function refused(r: VerifyResult, rule: string): void {
  expect(r.ok ? 'geaccepteerd' : r.rule).toBe(rule);
  if (!r.ok) {
    expect(r.message).not.toContain(BSN);
    expect(r.message).not.toMatch(/[A-Za-z0-9+/]{40,}/);
  }
}

/**
 * Re-signs a signed envelope with xml-crypto directly, independently of signEnvelope: the
 * same Security header, but a signature with the references and algorithms a test chooses.
 */
function resign(
  xml: string,
  o: { ids: string[]; digest?: string; signature?: string; transform?: string; c14n?: string },
): string {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const sig = doc.getElementsByTagNameNS(NS.ds, 'Signature')[0]!;
  sig.parentNode!.removeChild(sig);
  const { keyPem } = pki.pem('uwv');
  const sx = new SignedXml({
    privateKey: keyPem,
    signatureAlgorithm: o.signature ?? RSA_SHA256,
    canonicalizationAlgorithm: o.c14n ?? EXC,
    getKeyInfoContent: () =>
      `<wsse:SecurityTokenReference xmlns:wsse="${NS.wsse}"><wsse:Reference URI="#x509" ValueType="${WSS.x509v3}"/></wsse:SecurityTokenReference>`,
  });
  for (const id of o.ids)
    sx.addReference({
      xpath: `//*[@*[local-name(.)='Id']='${id}']`,
      transforms: [o.transform ?? EXC],
      digestAlgorithm: o.digest ?? SHA256,
    });
  sx.computeSignature(new XMLSerializer().serializeToString(doc), {
    prefix: 'ds',
    location: { reference: `//*[local-name(.)='Security']`, action: 'append' },
  });
  return sx.getSignedXml();
}

const ALL_IDS = ['body', 'timestamp', 'wsa-action', 'wsa-messageid', 'wsa-from', 'wsa-to'];

describe('WS-Security: ondertekenen en controleren (Digikoppeling 2W-BE-S)', () => {
  for (const version of ['1.1', '1.2'] as const) {
    it(`SOAP ${version}: een ondertekend bericht wordt geaccepteerd, met de OIN en MessageID van de afzender`, () => {
      const xml = signed(version);
      const r = verifyEnvelope(xml);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.oin).toBe(pki.oins.uwv);
      expect(r.signedIds).toEqual(ALL_IDS);
      expect(r.certificate.fingerprint256).toBe(new X509Certificate(pki.pem('uwv').certPem).fingerprint256);
      expect(r.certificatePem).toContain('BEGIN CERTIFICATE');
      expect(r.expires!.getTime() - r.created.getTime()).toBe(300_000);
      expect(r.replayUntil.getTime()).toBe(r.created.getTime() + 360_000);
      // The envelope stays a normal envelope for the codecs.
      const env = parseEnvelope(xml);
      expect(env.version).toBe(version);
      expect(readAddressing(env.headers).value.messageId).toBe(r.messageId);
      expect(env.payload.local).toBe('BijstandsregelingenInfo');
    });

    it(`SOAP ${version}: de Security-header heeft mustUnderstand in de namespace van de envelope`, () => {
      const env = parseEnvelope(signed(version));
      const sec = env.headers.find((h) => h.uri === NS.wsse && h.local === 'Security')!;
      const mu = sec.attrs.find((a) => a.local === 'mustUnderstand')!;
      expect(mu.uri).toBe(envNs(version));
      expect(mu.value).toBe('1');
      expect(sec.children.map((c) => c.local)).toEqual(['Timestamp', 'BinarySecurityToken', 'Signature']);
      const bst = sec.children[1]!;
      expect(bst.attrs.find((a) => a.local === 'ValueType')?.value).toBe(WSS.x509v3);
      expect(bst.attrs.find((a) => a.local === 'EncodingType')?.value).toBe(WSS.base64Binary);
      expect(env.body.attrs.find((a) => a.uri === NS.wsu && a.local === 'Id')?.value).toBe('body');
    });
  }

  it('een envelope zonder Header krijgt er een', () => {
    const bare = buildEnvelope({ version: '1.2', body: '<x:Vraag xmlns:x="urn:x">1</x:Vraag>' });
    const r = verifyEnvelope(signEnvelope(bare, pki.pem('hub')));
    expect(r.ok && r.signedIds).toEqual(['body', 'timestamp']);
    expect(r.ok && r.oin).toBe(pki.oins.hub);
  });

  it('tekens die xmldom anders zou lezen (CR, U+2028, U+0085) komen ongeschonden over', () => {
    const text = 'a\r b\u2028c\u0085d & <e> "f"';
    const body = `<x:Tekst xmlns:x="urn:x">a&#13; b\u2028c\u0085d &amp; &lt;e&gt; "f"</x:Tekst>`;
    const xml = signEnvelope(buildEnvelope({ version: '1.1', body }), pki.pem('hub'));
    expect(parseEnvelope(xml).payload.text).toBe(text);
    expect(verifyEnvelope(xml).ok).toBe(true);
  });

  it('ttlSeconds 0 schrijft geen Expires; het bericht blijft maxAgeSeconds geldig', () => {
    const xml = signed('1.1', { ttlSeconds: 0 });
    expect(xml).not.toContain('Expires');
    const r = verifyEnvelope(xml);
    expect(r.ok && r.expires).toBeUndefined();
  });

  it('weigert te ondertekenen met een sleutel die niet bij het certificaat hoort', () => {
    expect(() =>
      signEnvelope(question('1.1'), { keyPem: pki.pem('hub').keyPem, certPem: pki.pem('uwv').certPem }),
    ).toThrow(WsSecurityError);
  });

  it('weigert een envelope die al een Security-header heeft', () => {
    expect(() => signEnvelope(signed(), pki.pem('hub'))).toThrow(/al een wsse:Security/);
  });
});

describe('WS-Security: wat geweigerd wordt', () => {
  it('een bericht zonder handtekening: ws-security-ontbreekt', () => {
    refused(verifyEnvelope(question('1.1')), 'ws-security-ontbreekt');
  });

  it('zonder handtekening mag alleen als dat uitdrukkelijk zo is ingesteld', () => {
    const r = verifyEnvelope(question('1.1', { messageId: 'urn:uuid:1' }), { requireSignature: false });
    expect(r).toEqual({ ok: true, signed: false, messageId: 'urn:uuid:1' });
    // A signature that is there is still checked.
    const bad = signed().replace(
      `<Burgerservicenr>${BSN}</Burgerservicenr>`,
      '<Burgerservicenr>111222333</Burgerservicenr>',
    );
    refused(verifyEnvelope(bad, { requireSignature: false }), 'handtekening-ongeldig');
  });

  it('een gewijzigde Body: handtekening-ongeldig', () => {
    const xml = signed().replace(
      `<Burgerservicenr>${BSN}</Burgerservicenr>`,
      '<Burgerservicenr>111222333</Burgerservicenr>',
    );
    refused(verifyEnvelope(xml), 'handtekening-ongeldig');
  });

  it('een gewijzigde addressing-header: handtekening-ongeldig', () => {
    const xml = signed().replace('?oin=00000001999920001000', '?oin=00000001999930001000');
    refused(verifyEnvelope(xml), 'handtekening-ongeldig');
  });

  it('een gewijzigde Timestamp: handtekening-ongeldig', () => {
    const xml = signed();
    const expires = /<wsu:Expires>([^<]+)<\/wsu:Expires>/.exec(xml)![1]!;
    const later = new Date(Date.parse(expires) + 3_600_000).toISOString();
    refused(verifyEnvelope(xml.replace(expires, later)), 'handtekening-ongeldig');
  });

  it('een gewijzigde SignedInfo of SignatureValue: handtekening-ongeldig', () => {
    const xml = signed();
    const digest = /<ds:DigestValue>([^<]+)<\/ds:DigestValue>/.exec(xml)![1]!;
    const flipped = (digest[0] === 'A' ? 'B' : 'A') + digest.slice(1);
    refused(verifyEnvelope(xml.replace(digest, flipped)), 'handtekening-ongeldig');
    const sv = /<ds:SignatureValue>([^<]+)<\/ds:SignatureValue>/.exec(xml)![1]!;
    refused(
      verifyEnvelope(xml.replace(sv, (sv[0] === 'A' ? 'B' : 'A') + sv.slice(1))),
      'handtekening-ongeldig',
    );
    // SignedInfo pointing at the Body by another route is still a changed SignedInfo.
    refused(verifyEnvelope(xml.replace('URI="#wsa-to"', 'URI="#wsa-from"')), 'handtekening-ongeldig');
  });

  it('een ander certificaat in het BinarySecurityToken: handtekening-ongeldig', () => {
    const xml = signed();
    const mine = new X509Certificate(pki.pem('uwv').certPem).raw.toString('base64');
    const theirs = new X509Certificate(other.pem('uwv').certPem).raw.toString('base64');
    refused(verifyEnvelope(xml.replace(mine, theirs)), 'handtekening-ongeldig');
  });

  it('een handtekening die de Body niet dekt: handtekening-dekt-niet', () => {
    const xml = resign(signed(), { ids: ALL_IDS.filter((i) => i !== 'body') });
    refused(verifyEnvelope(xml), 'handtekening-dekt-niet');
    expect(verifyEnvelope(xml).ok || (verifyEnvelope(xml) as { message: string }).message).toContain('Body');
  });

  it('een handtekening die de Timestamp of een addressing-header niet dekt: handtekening-dekt-niet', () => {
    refused(
      verifyEnvelope(resign(signed(), { ids: ALL_IDS.filter((i) => i !== 'timestamp') })),
      'handtekening-dekt-niet',
    );
    const r = verifyEnvelope(resign(signed(), { ids: ALL_IDS.filter((i) => i !== 'wsa-to') }));
    refused(r, 'handtekening-dekt-niet');
    expect(!r.ok && r.message).toContain('wsa:To');
  });

  it('dezelfde handtekening opnieuw gemaakt met xml-crypto wordt geaccepteerd (controle op de test zelf)', () => {
    expect(verifyEnvelope(resign(signed(), { ids: ALL_IDS })).ok).toBe(true);
  });

  it('een verouderde Timestamp: timestamp-verlopen', () => {
    refused(verifyEnvelope(signed('1.1', { now: new Date(Date.now() - 10 * 60_000) })), 'timestamp-verlopen');
    // Expires passed although Created is recent enough.
    refused(
      verifyEnvelope(signed('1.1', { now: new Date(Date.now() - 150_000), ttlSeconds: 30 })),
      'timestamp-verlopen',
    );
    // No Expires: maxAgeSeconds decides.
    const old = signed('1.1', { now: new Date(Date.now() - 200_000), ttlSeconds: 0 });
    expect(verifyEnvelope(old).ok).toBe(true);
    refused(verifyEnvelope(old, { maxAgeSeconds: 60 }), 'timestamp-verlopen');
  });

  it('een Timestamp in de toekomst: timestamp-toekomst; binnen de klokmarge mag', () => {
    refused(verifyEnvelope(signed('1.1', { now: new Date(Date.now() + 5 * 60_000) })), 'timestamp-toekomst');
    expect(verifyEnvelope(signed('1.1', { now: new Date(Date.now() + 30_000) })).ok).toBe(true);
  });

  it('SHA-1 wordt geweigerd: algoritme-niet-toegestaan', () => {
    refused(
      verifyEnvelope(resign(signed(), { ids: ALL_IDS, signature: RSA_SHA1, digest: SHA1 })),
      'algoritme-niet-toegestaan',
    );
    refused(verifyEnvelope(resign(signed(), { ids: ALL_IDS, digest: SHA1 })), 'algoritme-niet-toegestaan');
    refused(
      verifyEnvelope(resign(signed(), { ids: ALL_IDS, signature: RSA_SHA1 })),
      'algoritme-niet-toegestaan',
    );
  });

  it('inclusieve canonicalisatie wordt geweigerd: algoritme-niet-toegestaan', () => {
    const C14N = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
    refused(verifyEnvelope(resign(signed(), { ids: ALL_IDS, c14n: C14N })), 'algoritme-niet-toegestaan');
    refused(verifyEnvelope(resign(signed(), { ids: ALL_IDS, transform: C14N })), 'algoritme-niet-toegestaan');
  });

  describe('signature wrapping: dubbel-id', () => {
    const EVIL =
      '<smls:BijstandsregelingenInfo xmlns:smls="http://bkwi.nl/SuwiML/Diensten/Bijstandsregelingen/v0500"><Burgerservicenr>111222333</Burgerservicenr></smls:BijstandsregelingenInfo>';
    const body = (xml: string) => /<soap:Body[\s\S]*<\/soap:Body>/.exec(xml)![0];

    it('de ondertekende Body in een header verstopt, een nieuwe Body ervoor in de plaats', () => {
      const xml = signed();
      const original = body(xml);
      const attack = xml
        .replace(original, `<soap:Body>${EVIL}</soap:Body>`)
        .replace('</soap:Header>', `<x:Wrapper xmlns:x="urn:aanval">${original}</x:Wrapper></soap:Header>`);
      refused(verifyEnvelope(attack), 'dubbel-id');
    });

    it('de ondertekende Body direct als header, een nieuwe Body ervoor in de plaats', () => {
      const xml = signed();
      const original = body(xml);
      const attack = xml
        .replace(original, `<soap:Body>${EVIL}</soap:Body>`)
        .replace('</soap:Header>', `${original}</soap:Header>`);
      refused(verifyEnvelope(attack), 'dubbel-id');
    });

    it('een nieuwe Body met dezelfde wsu:Id als de verstopte ondertekende', () => {
      const xml = signed();
      const original = body(xml);
      const attack = xml
        .replace(original, `<soap:Body wsu:Id="body">${EVIL}</soap:Body>`)
        .replace('</soap:Header>', `<x:Wrapper xmlns:x="urn:aanval">${original}</x:Wrapper></soap:Header>`);
      refused(verifyEnvelope(attack), 'dubbel-id');
    });

    it('een id die als ander id-attribuut nog eens voorkomt', () => {
      const xml = signed().replace('<Burgerservicenr>', '<Burgerservicenr ID="wsa-to">');
      refused(verifyEnvelope(xml), 'dubbel-id');
    });

    it('de ondertekende Timestamp verstopt, een nieuwe in de Security-header', () => {
      const xml = signed();
      const ts = /<wsu:Timestamp[\s\S]*?<\/wsu:Timestamp>/.exec(xml)![0];
      const fresh = `<wsu:Timestamp wsu:Id="ts2"><wsu:Created>${new Date().toISOString()}</wsu:Created></wsu:Timestamp>`;
      const attack = xml
        .replace(ts, fresh)
        .replace('</soap:Header>', `<x:W xmlns:x="urn:aanval">${ts}</x:W></soap:Header>`);
      refused(verifyEnvelope(attack), 'dubbel-id');
    });
  });

  it('een tweede ds:Signature (in de Body): handtekening-ongeldig', () => {
    const xml = signed();
    const sig = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(xml)![0];
    refused(verifyEnvelope(xml.replace('</soap:Body>', `${sig}</soap:Body>`)), 'handtekening-ongeldig');
  });

  it('zonder Timestamp: timestamp-ontbreekt', () => {
    const xml = signed();
    const ts = /<wsu:Timestamp[\s\S]*?<\/wsu:Timestamp>/.exec(xml)![0];
    refused(verifyEnvelope(xml.replace(ts, '')), 'timestamp-ontbreekt');
  });

  it('zonder verwijzing naar het token of met een kapot token: token-ongeldig', () => {
    const xml = signed();
    const ki = /<ds:KeyInfo>[\s\S]*<\/ds:KeyInfo>/.exec(xml)![0];
    refused(verifyEnvelope(xml.replace(ki, '')), 'token-ongeldig');
    const b64 = new X509Certificate(pki.pem('uwv').certPem).raw.toString('base64');
    refused(verifyEnvelope(xml.replace(b64, 'AAAA')), 'token-ongeldig');
  });

  it('een DOCTYPE komt niet eens bij xmldom: xml-geweigerd', () => {
    const xml = signed().replace(
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>',
    );
    refused(verifyEnvelope(xml), 'xml-geweigerd');
  });

  it('geen SOAP: soap-envelope', () => {
    refused(verifyEnvelope('<a/>'), 'soap-envelope');
  });
});

describe('andere sleutels (openssl)', () => {
  const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dkd-openssl-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function selfSigned(name: string, newkey: string[]): { keyPem: string; certPem: string } {
    const key = path.join(dir, `${name}.key`);
    const cert = path.join(dir, `${name}.pem`);
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        ...newkey,
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        '/C=NL/O=Test/serialNumber=00000001999950001000/CN=' + name,
      ],
      { stdio: 'ignore' },
    );
    return { keyPem: readFileSync(key, 'utf8'), certPem: readFileSync(cert, 'utf8') };
  }

  it.skipIf(!hasOpenssl)('een EC-sleutel ondertekent met ECDSA-SHA256 en wordt geaccepteerd', () => {
    const r = verifyEnvelope(
      signEnvelope(
        question('1.2'),
        selfSigned('ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']),
      ),
    );
    expect(r.ok && r.signatureAlgorithm).toBe('http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256');
    expect(r.ok && r.oin).toBe('00000001999950001000');
  });

  it.skipIf(!hasOpenssl)('een RSA-sleutel van 1024 bits: algoritme-niet-toegestaan', () => {
    refused(
      verifyEnvelope(signEnvelope(question('1.1'), selfSigned('rsa1024', ['-newkey', 'rsa:1024']))),
      'algoritme-niet-toegestaan',
    );
  });
});

describe('certificateChainsTo', () => {
  it('waar voor de eigen CA, onwaar voor een andere CA', () => {
    const r = verifyEnvelope(signed());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(certificateChainsTo(r.certificate, [pki.caPem])).toBe(true);
    expect(certificateChainsTo(r.certificate, [other.caPem])).toBe(false);
    expect(certificateChainsTo(r.certificate, [other.caPem + pki.caPem])).toBe(true);
    expect(certificateChainsTo(r.certificate, [])).toBe(false);
  });

  it('onwaar buiten de geldigheid, en voor een certificaat dat geen CA is', () => {
    const cert = new X509Certificate(pki.pem('uwv').certPem);
    expect(certificateChainsTo(cert, pki.caPem, { now: new Date(Date.now() + 4 * 365 * 86_400_000) })).toBe(
      false,
    );
    expect(certificateChainsTo(cert, pki.pem('hub').certPem)).toBe(false);
  });
});
