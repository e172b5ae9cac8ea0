/**
 * Hostile input: thousands of malformed and hostile envelopes thrown at the hub's SOAP
 * endpoints, signed envelopes mangled on their way to the signature check, and hostile
 * files at the verzamelbestand reader. Nothing crashes, nothing hangs: each is a clean
 * fault (an FWI Fout with a DKD code), a refusal, or an XmlError finding.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { buildHub } from '../../src/http/hub.js';
import { protocolKey, protocolWriter } from '../../src/audit/protocol.js';
import { XmlScanner } from '../../src/batch/scan.js';
import { FILE_LIMITS, SOAP_LIMITS, UPLOAD_LIMITS } from '../../src/security/limits.js';
import { signEnvelope, verifyEnvelope } from '../../src/security/wssecurity.js';
import { newMessageId, writeAddressing } from '../../src/suwiml/addressing.js';
import { buildEnvelope, isFault, parseEnvelope } from '../../src/suwiml/soap.js';
import { bijstandsregelingenV0500 as br } from '../../src/suwiml/services/index.js';
import { XmlError, type XmlLimits } from '../../src/suwiml/xml/tree.js';
import type { Store } from '../../src/store/types.js';
import { openTestStore } from '../helpers/store.js';
import { BSN, dossier, loadDataset } from '../helpers/dossiers.js';
import { OIN } from '../helpers/hub.js';
import { makePki, type TestPki } from './fixtures.js';

let store: Store;
let app: FastifyInstance;
let pki: TestPki;

function valid(bsn: string = BSN.alleenBatch, messageId = newMessageId()): string {
  return buildEnvelope({
    version: '1.1',
    headers: writeAddressing({
      messageId,
      action: br.actions.request,
      from: `https://uwv.example/dkd?oin=${OIN.uwv}`,
      to: 'https://hub.example/Bijstandsregelingen-v0500',
    }),
    body: br.encodeRequest(bsn as never),
    bodyAttrs: 'wsu:Id="body"',
  });
}

const BOMB =
  '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
  Array.from(
    { length: 9 },
    (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`,
  ).join('') +
  ']><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&lol9;</soap:Body></soap:Envelope>';

/** Hostile constructs, each parameterised so that fast-check varies them. */
const hostile: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.constant(BOMB),
  fc
    .constantFrom('file:///etc/passwd', 'http://127.0.0.1:1/x', 'expect://id')
    .map(
      (sys) =>
        `<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "${sys}">]>${valid().replace('<wsa:Action', '&x;<wsa:Action')}`,
    ),
  fc.constant('<!DOCTYPE e [<!ENTITY % p SYSTEM "http://127.0.0.1:1/p.dtd"> %p;]><e/>'),
  fc.integer({ min: 40, max: 20_000 }).map((n) => `${'<a>'.repeat(n)}${'</a>'.repeat(n)}`),
  fc
    .integer({ min: 40, max: 3000 })
    .map((n) =>
      valid().replace('<Burgerservicenr>', `${'<x>'.repeat(n)}${'</x>'.repeat(n)}<Burgerservicenr>`),
    ),
  fc
    .integer({ min: 10_000, max: 120_000 })
    .map((n) => valid().replace('</soap:Header>', `${'<x/>'.repeat(n)}</soap:Header>`)),
  fc
    .integer({ min: 30, max: 400 })
    .map((n) =>
      valid().replace(
        '<soap:Body',
        `<soap:Body ${Array.from({ length: n }, (_, i) => `a${i}="${i}"`).join(' ')}`,
      ),
    ),
  fc.integer({ min: 1, max: 3 }).map((n) => `${valid()}${'x'.repeat(n * 600_000)}`),
  fc.constant(valid().replace('<soap:Envelope', '<?evil instruction?><soap:Envelope')),
  fc.constant(
    valid().replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0" encoding="UTF-16"?>'),
  ),
  fc.uint8Array({ minLength: 1, maxLength: 2000 }).map((b) => Buffer.from(b)),
  fc.constant(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(valid())])),
  fc.constant(valid().replace(BSN.alleenBatch, '<![CDATA[' + BSN.alleenBatch + ']]>')),
  fc.constant(valid().replace('xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"', 'xmlns:soap=""')),
  fc.constant(valid().replaceAll('wsa:', 'undeclared:')),
);

/** A valid envelope, mangled: a slice removed, text inserted, a slice repeated, a byte flipped. */
const mangled: fc.Arbitrary<string> = fc
  .tuple(
    fc.nat(),
    fc.nat(),
    fc.constantFrom(
      '<',
      '>',
      '&',
      ']]>',
      '<!--',
      '"',
      "'",
      '\u0000',
      '\uFFFF',
      '&#0;',
      '&amp',
      '</',
      '<a',
      'é',
    ),
    fc.constantFrom('delete', 'insert', 'repeat', 'swap'),
  )
  .map(([a, b, ins, op]) => {
    const s = valid();
    const i = a % s.length;
    const j = Math.min(s.length, i + (b % 200));
    if (op === 'delete') return s.slice(0, i) + s.slice(j);
    if (op === 'insert') return s.slice(0, i) + ins + s.slice(i);
    if (op === 'repeat') return s.slice(0, j) + s.slice(i, j) + s.slice(j);
    return s.slice(0, i) + s.slice(j) + s.slice(i, j);
  });

const contentTypes = fc.constantFrom(
  'text/xml; charset=utf-8',
  'application/soap+xml; charset=utf-8',
  'application/json',
  'text/plain',
  'multipart/form-data; boundary=x',
);

beforeAll(async () => {
  store = await openTestStore();
  pki = await makePki([]);
  await store.upsertGemeente({
    code: '0363',
    naam: 'Amsterdam',
    oin: OIN.gemeente('0363'),
    methode: 'batch',
  });
  await loadDataset(store, '0363', [dossier(BSN.alleenBatch, '0363')]);
  await store.upsertAfnemer({
    oin: OIN.uwv,
    naam: 'UWV',
    diensten: [{ dienst: 'bijstandsregelingen', versies: [] }],
  });
  app = await buildHub({
    store,
    hubOin: OIN.hub,
    insecureDev: true,
    protocol: protocolWriter(store, protocolKey('hostile-test-protocolsleutel-0123456789')),
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  pki?.cleanup();
});

/** The hub's answer to one request is a clean SOAP answer or a fault with an FWI code. */
async function throwAt(payload: string | Buffer, contentType = 'text/xml; charset=utf-8') {
  const res = await app.inject({
    method: 'POST',
    url: `/${br.path}`,
    headers: { 'content-type': contentType },
    payload,
  });
  expect([200, 400, 500, 413]).toContain(res.statusCode);
  const env = parseEnvelope(res.body);
  if (res.statusCode !== 200) {
    expect(isFault(env)).toBe(true);
    expect(res.body).toMatch(/<Code>DKD-F0\d\d<\/Code>/);
  }
  return res;
}

describe('vijandige invoer op de SOAP-endpoints', () => {
  it('an entity bomb is refused (DKD-F001) at once, and the hub stays up', async () => {
    const t0 = performance.now();
    const res = await throwAt(BOMB);
    const ms = performance.now() - t0;
    expect(res.body).toContain('DKD-F001');
    expect(res.body).toContain('dtd-geweigerd');
    console.info(`entity bomb refused in ${ms.toFixed(1)} ms`);
    const ok = await throwAt(valid());
    expect(ok.statusCode).toBe(200);
  });

  it('an external entity is refused and nothing is fetched or read', async () => {
    const res = await throwAt(
      `<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]><e>&x;</e>`,
    );
    expect(res.body).toContain('DKD-F001');
    expect(res.body).not.toContain('root:');
  });

  it('too deep, too many elements, too many attributes, too large: each its own refusal', async () => {
    const deep = await throwAt(
      `${'<a>'.repeat(SOAP_LIMITS.maxDepth + 1)}${'</a>'.repeat(SOAP_LIMITS.maxDepth + 1)}`,
    );
    expect(deep.body).toContain('limiet-diepte');
    const many = await throwAt(
      valid().replace('</soap:Header>', `${'<x/>'.repeat(SOAP_LIMITS.maxElements)}</soap:Header>`),
    );
    expect(many.body).toContain('limiet-elementen');
    const attrs = await throwAt(
      valid().replace(
        '<soap:Body',
        `<soap:Body ${Array.from({ length: SOAP_LIMITS.maxAttributes + 1 }, (_, i) => `a${i}="1"`).join(' ')}`,
      ),
    );
    expect(attrs.body).toMatch(/limiet-attributen|DKD-F001/);
    const big = await throwAt(`${valid()}${' '.repeat(SOAP_LIMITS.maxBytes)}`);
    expect(big.body).toContain('DKD-F007');
  });

  it('thousands of malformed and hostile envelopes: each a clean fault, no crash, no hang', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(hostile, mangled, fc.string({ maxLength: 300 })),
        contentTypes,
        async (p, ct) => {
          runs++;
          await throwAt(p, ct);
        },
      ),
      { numRuns: 2500 },
    );
    expect(runs).toBe(2500);
    expect((await throwAt(valid())).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });
});

describe('vijandige handtekeningen', () => {
  it('a signed envelope mangled in transit is refused by the check, never accepted, never a crash', () => {
    const keys = pki.pem('uwv');
    const signed = signEnvelope(valid(), keys);
    expect(verifyEnvelope(signed).ok).toBe(true);
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.constantFrom('<', 'x', '&', '"', ' ', '0'), (a, b, ins) => {
        const i = a % signed.length;
        const j = Math.min(signed.length, i + 1 + (b % 40));
        const variant = signed.slice(0, i) + ins + signed.slice(j);
        if (variant === signed) return;
        const r = verifyEnvelope(variant);
        // Only a change outside everything signed (or a no-op in XML terms) may still verify.
        if (r.ok)
          expect(parseEnvelope(variant).payload.children.map((c) => c.text)).toContain(BSN.alleenBatch);
      }),
      { numRuns: 400 },
    );
  });
});

describe('vijandige bestanden voor de lezer van verzamelbestanden', () => {
  function scan(text: string, limits: XmlLimits): 'gelezen' | string {
    const s = new XmlScanner({ limits, emitDepth: 2, onElement: () => undefined });
    try {
      for (let i = 0; i < text.length; i += 4096) s.write(text.slice(i, i + 4096));
      s.end();
      return 'gelezen';
    } catch (e) {
      if (e instanceof XmlError) return e.rule;
      throw e;
    }
  }

  it('the upload and file limits refuse a DTD and an entity bomb', () => {
    expect(scan(BOMB, UPLOAD_LIMITS)).toBe('dtd-geweigerd');
    expect(scan(BOMB, FILE_LIMITS)).toBe('dtd-geweigerd');
    const deep = UPLOAD_LIMITS.maxDepth + 1;
    expect(scan(`${'<a>'.repeat(deep)}${'</a>'.repeat(deep)}`, FILE_LIMITS)).toBe('limiet-diepte');
  });

  it('thousands of hostile files: each read or refused with a finding, never a crash', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostile.map((h) => (Buffer.isBuffer(h) ? h.toString('utf8') : h)),
          mangled,
          fc.string({ maxLength: 300 }),
        ),
        (text) => {
          expect(typeof scan(text, FILE_LIMITS)).toBe('string');
        },
      ),
      { numRuns: 2000 },
    );
  });
});
