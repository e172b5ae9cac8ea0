/**
 * Hand-written Suwi-ML documents, one per branch a chain partner or gemeente may send, and
 * broken ones that must give findings (element path, rule, value) and no value at all.
 */
import { describe, expect, it } from 'vitest';
import {
  bijstandsregelingenV0500 as br,
  gsdDossierReintegratieV0200 as re,
  ibVerwijsindexV0300 as vi,
} from '../../src/suwiml/services/index.js';
import { centen } from '../../src/domain/model.js';
import type { Finding } from '../../src/suwiml/xml/codec.js';
import { el } from '../helpers/xml.js';

const NS = 'http://bkwi.nl/SuwiML/Diensten/Bijstandsregelingen/v0500';
const FWI = 'http://bkwi.nl/SuwiML/FWI/v0205';
const bron = '<Bron><CdKolomSuwi>4</CdKolomSuwi><CdPartijSuwi>0363</CdPartijSuwi></Bron>';
const resp = (inner: string) =>
  `<smls:BijstandsregelingenInfoResponse xmlns:smls="${NS}">${inner}</smls:BijstandsregelingenInfoResponse>`;

function findingsOf(r: { ok: boolean; findings?: Finding[]; value?: unknown }): Finding[] {
  expect(r.ok).toBe(false);
  expect(r.value).toBeUndefined();
  return r.findings ?? [];
}

describe('Bijstandsregelingen v0500 answers', () => {
  it('NietsGevonden: the empty answer', () => {
    const r = br.decodeAntwoord(el(resp(`<fwi:NietsGevonden xmlns:fwi="${FWI}"/>`)));
    expect(r).toEqual({ ok: true, value: { soort: 'nietsGevonden' } });
  });

  it('an FWI-only answer with an error and an informational message', () => {
    const r = br.decodeAntwoord(
      el(
        resp(
          `<f:FWI xmlns:f="${FWI}"><Fout><Code>F1</Code><Tekst>mis</Tekst><Detail>a</Detail><Detail>b</Detail><Bron><DN>CN=x</DN></Bron></Fout>` +
            `<Informatie><Code>I1</Code><Tekst>ter info</Tekst><Bron><DN>CN=y</DN></Bron></Informatie></f:FWI>`,
        ),
      ),
    );
    expect(r).toEqual({
      ok: true,
      value: {
        soort: 'fwi',
        meldingen: [
          { soort: 'Fout', code: 'F1', tekst: 'mis', details: ['a', 'b'], bron: 'CN=x' },
          { soort: 'Informatie', code: 'I1', tekst: 'ter info', details: [], bron: 'CN=y' },
        ],
      },
    });
  });

  it('NietGerechtigd as the payload of the Body', () => {
    expect(br.decodeAntwoord(el(`<fwi:NietGerechtigd xmlns:fwi="${FWI}"/>`))).toEqual({
      ok: true,
      value: { soort: 'nietGerechtigd' },
    });
  });

  it('data with partial dates, a negative amount, several partners and a warning', () => {
    const xml = resp(
      `<ClientSuwi><Burgerservicenr>123456782</Burgerservicenr><Geboortedat>19700000</Geboortedat>${bron}` +
        `<Vordering><DatBesluitVordering>20190300</DatBesluitVordering>` +
        `<BedrSaldoVordering><CdMunteenheid>EUR</CdMunteenheid><CdPositiefNegatief>-</CdPositiefNegatief><WaardeBedr>1250</WaardeBedr></BedrSaldoVordering>` +
        `<SzWet><CdSzWet>PW</CdSzWet></SzWet>` +
        `<PartnerVordering><Burgerservicenr>111222333</Burgerservicenr></PartnerVordering>` +
        `<PartnerVordering><Burgerservicenr>100000009</Burgerservicenr></PartnerVordering>` +
        `<Fraude><IndRecidive>1</IndRecidive><ParketnrJustitie>12/345678-19</ParketnrJustitie></Fraude>${bron}</Vordering>` +
        `<Uitkeringsverhouding><DatBUitkeringsverhouding>00000000</DatBUitkeringsverhouding><SzWet><CdSzWet>PW</CdSzWet></SzWet>` +
        `<Uitkeringsperiode><DatBUitkeringsperiode>20200100</DatBUitkeringsperiode><Normbedrag><CdSrtNormbedrag>01</CdSrtNormbedrag><WaardeBedr>109543</WaardeBedr></Normbedrag></Uitkeringsperiode>` +
        `<Uitkeringsperiode><DatBUitkeringsperiode>20200200</DatBUitkeringsperiode></Uitkeringsperiode>${bron}</Uitkeringsverhouding>` +
        `</ClientSuwi><fwi:FWI xmlns:fwi="${FWI}"><Waarschuwing><Code>W1</Code><Tekst>t</Tekst><Bron><DN>CN=hub</DN></Bron></Waarschuwing></fwi:FWI>`,
    );
    const r = br.decodeAntwoord(el(xml));
    if (!r.ok) throw new Error(JSON.stringify(r.findings));
    expect(r.value.soort).toBe('gegevens');
    if (r.value.soort !== 'gegevens') return;
    const d = r.value.dossier;
    expect(d.client.geboortedat).toBe('19700000');
    const v = d.bijstandsregelingen!.vordering[0]!;
    expect(v.datBesluitVordering).toBe('20190300');
    expect(centen(v.bedrSaldoVordering!)).toBe(-1250n);
    expect(v.partnerVordering.map((p) => p.burgerservicenr)).toEqual(['111222333', '100000009']);
    expect(v.fraude).toEqual({ indRecidive: '1', parketnrJustitie: '12/345678-19' });
    const u = d.bijstandsregelingen!.uitkeringsverhouding[0]!;
    expect(u.datBUitkeringsverhouding).toBe('00000000');
    expect(u.uitkeringsperiode).toHaveLength(2);
    expect(u.uitkeringsperiode[0]!.normbedrag[0]!.waardeBedr).toBe(109543n);
    expect(r.value.meldingen).toEqual([
      { soort: 'Waarschuwing', code: 'W1', tekst: 't', details: [], bron: 'CN=hub' },
    ]);
    // and what it decodes to encodes back to the same document
    expect(br.encodeAntwoord(r.value)).toBe(xml);
  });
});

describe('findings for documents that break the schema', () => {
  it('a malformed BSN, with its path and rule, and no value', () => {
    const f = findingsOf(
      br.decodeRequest(
        el(
          `<q:BijstandsregelingenInfo xmlns:q="${NS}"><Burgerservicenr>123456781</Burgerservicenr></q:BijstandsregelingenInfo>`,
        ),
      ),
    );
    expect(f).toEqual([
      expect.objectContaining({
        path: '/BijstandsregelingenInfo/Burgerservicenr',
        rule: 'elfproef',
        value: '123456781',
        sensitive: true,
      }),
    ]);
  });

  it('a wrong element in the question', () => {
    const f = findingsOf(
      br.decodeRequest(
        el(`<q:BijstandsregelingenInfo xmlns:q="${NS}"><Bsn>123456782</Bsn></q:BijstandsregelingenInfo>`),
      ),
    );
    expect(f[0]).toMatchObject({ path: '/BijstandsregelingenInfo/Bsn', rule: 'element-onverwacht' });
  });

  it('a question in the wrong namespace or for another operation', () => {
    expect(
      findingsOf(
        br.decodeRequest(
          el(
            `<q:BijstandsregelingenInfo xmlns:q="urn:x"><Burgerservicenr>123456782</Burgerservicenr></q:BijstandsregelingenInfo>`,
          ),
        ),
      )[0],
    ).toMatchObject({ rule: 'element-onverwacht' });
    expect(
      findingsOf(
        re.decodeRequest(
          el(
            `<q:BijstandsregelingenInfo xmlns:q="${NS}"><Burgerservicenr>123456782</Burgerservicenr></q:BijstandsregelingenInfo>`,
          ),
        ),
      )[0],
    ).toMatchObject({ rule: 'element-onverwacht' });
  });

  it('elements out of order, missing, repeated, qualified, with attributes or text', () => {
    const cases: [string, string, string][] = [
      [
        `<ClientSuwi><Voornamen>Jan</Voornamen><Burgerservicenr>123456782</Burgerservicenr></ClientSuwi>`,
        '/BijstandsregelingenInfoResponse/ClientSuwi/Voornamen',
        'element-onverwacht',
      ],
      [
        `<ClientSuwi><Voornamen>Jan</Voornamen></ClientSuwi>`,
        '/BijstandsregelingenInfoResponse/ClientSuwi/Voornamen',
        'element-onverwacht',
      ],
      [
        `<ClientSuwi></ClientSuwi>`,
        '/BijstandsregelingenInfoResponse/ClientSuwi/Burgerservicenr',
        'element-ontbreekt',
      ],
      [
        `<ClientSuwi><Burgerservicenr>123456782</Burgerservicenr><Geslacht>1</Geslacht><Geslacht>2</Geslacht></ClientSuwi>`,
        '/BijstandsregelingenInfoResponse/ClientSuwi/Geslacht',
        'element-onverwacht',
      ],
      [
        `<ClientSuwi><smls:Burgerservicenr>123456782</smls:Burgerservicenr></ClientSuwi>`,
        '/BijstandsregelingenInfoResponse/ClientSuwi/Burgerservicenr',
        'element-namespace',
      ],
      [
        `<ClientSuwi><Burgerservicenr x="1">123456782</Burgerservicenr></ClientSuwi>`,
        '/BijstandsregelingenInfoResponse/ClientSuwi/Burgerservicenr/@x',
        'attribuut-onverwacht',
      ],
      [
        `<ClientSuwi>tekst<Burgerservicenr>123456782</Burgerservicenr></ClientSuwi>`,
        '/BijstandsregelingenInfoResponse/ClientSuwi',
        'tekst-onverwacht',
      ],
      [
        `<ClientSuwi><Burgerservicenr>123456782</Burgerservicenr><Geboortedat>20230229</Geboortedat></ClientSuwi>`,
        '/BijstandsregelingenInfoResponse/ClientSuwi/Geboortedat',
        'datum-bestaat-niet',
      ],
      [
        `<ClientSuwi><Burgerservicenr>123456782</Burgerservicenr><Uitkeringsverhouding><DatBUitkeringsverhouding>20200101</DatBUitkeringsverhouding><SzWet><CdSzWet>PW</CdSzWet></SzWet>${bron}</Uitkeringsverhouding></ClientSuwi>`,
        '/BijstandsregelingenInfoResponse/ClientSuwi/Uitkeringsverhouding[1]/Bron',
        'element-onverwacht',
      ],
    ];
    for (const [inner, path, rule] of cases) {
      const f = findingsOf(br.decodeAntwoord(el(resp(inner))));
      expect(f, inner).toContainEqual(expect.objectContaining({ path, rule }));
    }
  });

  it('collects every finding of a document, with positions of repeated elements', () => {
    const inner =
      `<ClientSuwi><Burgerservicenr>12345678</Burgerservicenr>` +
      `<Vordering><CdRedenVordering>1</CdRedenVordering><SzWet><CdSzWet>PW</CdSzWet></SzWet>${bron}</Vordering>` +
      `<Vordering><SzWet><CdSzWet>TOOLONG</CdSzWet></SzWet>${bron}</Vordering></ClientSuwi>`;
    const f = findingsOf(br.decodeAntwoord(el(resp(inner))));
    expect(f.map((x) => [x.path, x.rule])).toEqual([
      ['/BijstandsregelingenInfoResponse/ClientSuwi/Burgerservicenr', 'length'],
      ['/BijstandsregelingenInfoResponse/ClientSuwi/Vordering[1]/CdRedenVordering', 'length'],
      ['/BijstandsregelingenInfoResponse/ClientSuwi/Vordering[2]/SzWet/CdSzWet', 'maxLength'],
    ]);
  });

  it('an answer with two kinds of content, or none', () => {
    expect(
      findingsOf(
        br.decodeAntwoord(
          el(resp(`<fwi:NietsGevonden xmlns:fwi="${FWI}"/><fwi:NietsGevonden xmlns:fwi="${FWI}"/>`)),
        ),
      )[0],
    ).toMatchObject({ rule: 'element-onverwacht' });
    expect(findingsOf(br.decodeAntwoord(el(resp(''))))[0]).toMatchObject({ rule: 'element-ontbreekt' });
    expect(findingsOf(br.decodeAntwoord(el(resp(`<f:FWI xmlns:f="${FWI}"/>`))))[0]).toMatchObject({
      rule: 'element-ontbreekt',
    });
  });
});

describe('GSDDossierReintegratie v0200', () => {
  it('reads re-integration with wage cost subsidy', () => {
    const ns = 'http://bkwi.nl/SuwiML/Diensten/GSDDossierReintegratie/v0200';
    const r = re.decodeAntwoord(
      el(
        `<s:GSDReintegratieInfoResponse xmlns:s="${ns}"><ClientSuwi><Burgerservicenr>123456782</Burgerservicenr>` +
          `<AtlRelatie><Arbeidsvermogen><CdArbeidsvermogen>02</CdArbeidsvermogen></Arbeidsvermogen>` +
          `<ReIntegratievoorziening><DatBRv>20210101</DatBRv><CdTypeRvGsd>01</CdTypeRvGsd><Loonkostensubsidie><PercLoonwaardeTovWml><Percentage>05500</Percentage></PercLoonwaardeTovWml></Loonkostensubsidie></ReIntegratievoorziening>` +
          `${bron}</AtlRelatie></ClientSuwi></s:GSDReintegratieInfoResponse>`,
      ),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.findings));
    if (r.value.soort !== 'gegevens') throw new Error('no data');
    const rv = r.value.dossier.reintegratie!.atlRelatie[0]!.reIntegratievoorziening[0]!;
    expect(rv.loonkostensubsidie?.percLoonwaardeTovWml.percentage).toBe('05500');
  });
  it('refuses the v0500 address in a v0200 answer', () => {
    const ns = 'http://bkwi.nl/SuwiML/Diensten/GSDDossierReintegratie/v0200';
    const f = findingsOf(
      re.decodeAntwoord(
        el(
          `<s:GSDReintegratieInfoResponse xmlns:s="${ns}"><ClientSuwi><Burgerservicenr>123456782</Burgerservicenr><CdLeefvorm>01</CdLeefvorm></ClientSuwi></s:GSDReintegratieInfoResponse>`,
        ),
      ),
    );
    expect(f[0]).toMatchObject({
      path: '/GSDReintegratieInfoResponse/ClientSuwi/CdLeefvorm',
      rule: 'element-onverwacht',
    });
  });
});

describe('IBVerwijsindex v0300', () => {
  const ns = 'http://bkwi.nl/SuwiML/Diensten/IBVerwijsindex/v0300';
  it('reads a registration for two clusters', () => {
    const r = vi.decodeRequest(
      el(
        `<v:IBVerwijsindex xmlns:v="${ns}"><Burgerservicenr>123456782</Burgerservicenr><ClusteringIb><CdClusteringIb>01</CdClusteringIb><IndDkd>1</IndDkd></ClusteringIb><ClusteringIb><CdClusteringIb>02</CdClusteringIb><IndDkd>2</IndDkd></ClusteringIb><Bron><CdKolomSuwi>4</CdKolomSuwi><CdPartijSuwi>0599</CdPartijSuwi></Bron></v:IBVerwijsindex>`,
      ),
    );
    expect(r).toEqual({
      ok: true,
      value: {
        burgerservicenr: '123456782',
        clusteringIb: [
          { cdClusteringIb: '01', indDkd: '1' },
          { cdClusteringIb: '02', indDkd: '2' },
        ],
        bron: { cdKolomSuwi: 4, cdPartijSuwi: '0599' },
      },
    });
  });
  it('needs at least one ClusteringIb and a Bron', () => {
    const f = findingsOf(
      vi.decodeRequest(
        el(
          `<v:IBVerwijsindex xmlns:v="${ns}"><Burgerservicenr>123456782</Burgerservicenr></v:IBVerwijsindex>`,
        ),
      ),
    );
    expect(f.map((x) => x.path)).toEqual(['/IBVerwijsindex/ClusteringIb', '/IBVerwijsindex/Bron']);
  });
  it('reads an answer with an unqualified FWI', () => {
    const r = vi.decodeAntwoord(
      el(
        `<v:IBVerwijsindexResponse xmlns:v="${ns}"><Acknowledgement/><FWI><Waarschuwing><Code>W</Code><Tekst>t</Tekst><Bron><DN>d</DN></Bron></Waarschuwing></FWI></v:IBVerwijsindexResponse>`,
      ),
    );
    expect(r.ok && r.value.acknowledgement && r.value.meldingen.length).toBe(1);
  });
});
