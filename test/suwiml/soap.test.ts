import { describe, expect, it } from 'vitest';
import {
  buildEnvelope,
  buildFaultBody,
  faultSummary,
  isFault,
  parseEnvelope,
  SoapFormatError,
} from '../../src/suwiml/soap.js';
import {
  newMessageId,
  oinFromUri,
  readAddressing,
  checkRequestAddressing,
  withOin,
  writeAddressing,
} from '../../src/suwiml/addressing.js';
import { melding } from '../../src/suwiml/fwi.js';
import { bijstandsregelingenV0500 as br } from '../../src/suwiml/services/index.js';
import { parseXml, XmlError } from '../../src/suwiml/xml/tree.js';

const OIN = '00000001234567890000';

function request(version: '1.1' | '1.2') {
  const a = {
    messageId: newMessageId(),
    action: br.actions.request,
    from: `https://uwv.example/dkd?oin=${OIN}`,
    to: 'https://hub.example/Bijstandsregelingen-v0500',
  };
  return {
    a,
    xml: buildEnvelope({
      version,
      headers: writeAddressing(a),
      body: br.encodeRequest('123456782' as never),
    }),
  };
}

describe('SOAP envelopes', () => {
  for (const version of ['1.1', '1.2'] as const) {
    it(`SOAP ${version}: a question with addressing headers reads back`, () => {
      const { a, xml } = request(version);
      const env = parseEnvelope(xml);
      expect(env.version).toBe(version);
      const { value, findings } = readAddressing(env.headers);
      expect(findings).toEqual([]);
      expect(value).toEqual(a);
      expect(checkRequestAddressing(value)).toEqual([]);
      expect(oinFromUri(value.from)).toBe(OIN);
      expect(br.decodeRequest(env.payload)).toEqual({ ok: true, value: { bsn: '123456782' } });
    });

    it(`SOAP ${version}: a fault carries the FWI Fout`, () => {
      const body = buildFaultBody(
        version,
        'Client',
        melding('Fout', 'DKD-F001', 'Ongeldig bericht', 'CN=hub'),
      );
      const env = parseEnvelope(buildEnvelope({ version, body }));
      expect(isFault(env)).toBe(true);
      expect(faultSummary(env)).toMatchObject({ code: 'DKD-F001', tekst: 'Ongeldig bericht' });
    });
  }

  it('says what is missing from the addressing headers', () => {
    const rules = checkRequestAddressing({}).map((f) => f.path);
    expect(rules).toEqual(['/Header/MessageID', '/Header/Action', '/Header/From']);
  });

  it('refuses what is not a usable envelope', () => {
    const bad = [
      '<x/>',
      `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"/>`,
      `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>`,
      `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><a/><b/></soap:Body></soap:Envelope>`,
      `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><a/></soap:Body><x/></soap:Envelope>`,
    ];
    for (const x of bad) expect(() => parseEnvelope(x), x).toThrow(SoapFormatError);
  });

  it('sets and replaces the oin of an address', () => {
    expect(withOin('https://a/b', OIN)).toBe(`https://a/b?oin=${OIN}`);
    expect(withOin(`https://a/b?x=1&oin=1`, OIN)).toBe(`https://a/b?x=1&oin=${OIN}`);
    expect(oinFromUri('https://a/b?oin=123')).toBeUndefined();
  });
});

describe('hostile XML', () => {
  const rule = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      if (e instanceof XmlError) return e.rule;
      throw e;
    }
    return 'accepted';
  };

  it('refuses a DOCTYPE, and with it every entity trick', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>`;
    expect(rule(() => parseXml(bomb))).toBe('dtd-geweigerd');
    const xxe = `<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>`;
    expect(rule(() => parseXml(xxe))).toBe('dtd-geweigerd');
  });

  it('refuses undeclared entities and processing instructions', () => {
    expect(rule(() => parseXml('<a>&foo;</a>'))).toBe('xml-syntax');
    expect(rule(() => parseXml('<a><?php x ?></a>'))).toBe('pi-geweigerd');
  });

  it('keeps to the limits on size, depth, element count and attributes', () => {
    const limits = { maxBytes: 1000, maxDepth: 5, maxElements: 20, maxAttributes: 2, maxMillis: 1000 };
    expect(rule(() => parseXml(`<a>${'x'.repeat(2000)}</a>`, limits))).toBe('limiet-grootte');
    expect(rule(() => parseXml('<a><a><a><a><a><a/></a></a></a></a></a>', limits))).toBe('limiet-diepte');
    expect(rule(() => parseXml(`<a>${'<b/>'.repeat(30)}</a>`, limits))).toBe('limiet-elementen');
    expect(rule(() => parseXml('<a x="1" y="2" z="3"/>', limits))).toBe('limiet-attributen');
  });

  it('does not quote the input in its errors', () => {
    try {
      parseXml('<a>123456782</b>');
    } catch (e) {
      expect((e as Error).message).not.toContain('123456782');
      return;
    }
    expect.unreachable();
  });
});
