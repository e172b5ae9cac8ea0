import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Dossier } from '../../src/domain/model.js';
import { DATA_SERVICES, ibVerwijsindexV0300 } from '../../src/suwiml/services/index.js';
import { melding, MELDING_SOORTEN } from '../../src/suwiml/fwi.js';
import { decode, encodeToString } from '../../src/suwiml/xml/codec.js';
import { nodeArb, valueArb } from '../helpers/arbitraries.js';
import { el } from '../helpers/xml.js';
import { Tekst } from '../../src/domain/values.js';

const meldingArb = fc
  .record({
    soort: fc.constantFrom(...MELDING_SOORTEN),
    code: valueArb(Tekst),
    tekst: valueArb(Tekst),
    details: fc.array(valueArb(Tekst), { maxLength: 2 }),
    bron: valueArb(Tekst),
  })
  .map((m) => melding(m.soort, m.code, m.tekst, m.bron, m.details));

describe('round trip of the domain model', () => {
  it('decode(encode(dossier)) equals the dossier', () => {
    fc.assert(
      fc.property(nodeArb(Dossier, 2), (d) => {
        const xml = encodeToString('Dossier', Dossier, d);
        const back = decode(Dossier, el(xml));
        if (!back.ok) throw new Error(JSON.stringify(back.findings));
        expect(back.value).toEqual(d);
      }),
      { numRuns: 150 },
    );
  });
});

for (const svc of DATA_SERVICES) {
  describe(`round trip of ${svc.path}`, () => {
    it('ClientSuwi: decode(encode(x)) equals x', () => {
      fc.assert(
        fc.property(nodeArb(svc.clientSuwi, 2), (c) => {
          const xml = encodeToString('ClientSuwi', svc.clientSuwi, c);
          const back = decode(svc.clientSuwi, el(xml));
          if (!back.ok) throw new Error(JSON.stringify(back.findings));
          expect(back.value).toEqual(c);
        }),
        { numRuns: 150 },
      );
    });

    it('answers with data and FWI: decode(encode(a)) equals the projection of a', () => {
      fc.assert(
        fc.property(nodeArb(Dossier, 2), fc.array(meldingArb, { maxLength: 2 }), (d, meldingen) => {
          const xml = svc.encodeAntwoord({ soort: 'gegevens', dossier: d, meldingen });
          const back = svc.decodeAntwoord(el(xml));
          if (!back.ok) throw new Error(JSON.stringify(back.findings));
          expect(back.value).toEqual({ soort: 'gegevens', dossier: svc.project(d), meldingen });
        }),
        { numRuns: 100 },
      );
    });

    it('the other answers and the question survive a round trip', () => {
      fc.assert(
        fc.property(fc.array(meldingArb, { minLength: 1, maxLength: 3 }), (meldingen) => {
          const back = svc.decodeAntwoord(el(svc.encodeAntwoord({ soort: 'fwi', meldingen })));
          expect(back).toEqual({ ok: true, value: { soort: 'fwi', meldingen } });
        }),
      );
      for (const soort of ['nietsGevonden', 'nietGerechtigd'] as const)
        expect(svc.decodeAntwoord(el(svc.encodeAntwoord({ soort })))).toEqual({ ok: true, value: { soort } });
      fc.assert(
        fc.property(nodeArb(svc.request) as fc.Arbitrary<{ burgerservicenr: string }>, (q) => {
          const back = svc.decodeRequest(el(svc.encodeRequest(q.burgerservicenr as never)));
          expect(back).toEqual({ ok: true, value: { bsn: q.burgerservicenr } });
        }),
      );
    });
  });
}

describe('round trip of IBVerwijsindex-v0300', () => {
  it('question and answer', () => {
    fc.assert(
      fc.property(nodeArb(ibVerwijsindexV0300.request, 3), (q) => {
        const back = ibVerwijsindexV0300.decodeRequest(el(ibVerwijsindexV0300.encodeRequest(q)));
        expect(back).toEqual({ ok: true, value: q });
      }),
    );
    fc.assert(
      fc.property(fc.boolean(), fc.array(meldingArb, { maxLength: 2 }), (ack, meldingen) => {
        fc.pre(ack || meldingen.length > 0);
        const a = { acknowledgement: ack, meldingen };
        expect(ibVerwijsindexV0300.decodeAntwoord(el(ibVerwijsindexV0300.encodeAntwoord(a)))).toEqual({
          ok: true,
          value: a,
        });
      }),
    );
  });
});
