/**
 * The canonical model of the municipal DKD data set: what one gemeente knows of one
 * client. It holds every element of Bijstandsregelingen v0500 and of
 * GSDDossierReintegratie v0200, plus the participatieladder, which the DKD data set names
 * and v0200 lacks.
 *
 * The structures are described once (see ./schema) with the element names and order of
 * Suwi-ML, and the TypeScript types are inferred from those descriptions. A codec for a
 * service version composes its message from these pieces; translation between versions
 * goes through this model.
 *
 * Imports ./values and ./schema only.
 */
import { type Infer, many, opt, req, seq, some } from './schema.js';
import * as v from './values.js';

// ---------------------------------------------------------------------------------------
// Shared complex types

/** Bron: the party that holds the data (kolom 4 = gemeenten, partij = CBS gemeentecode). */
export const Bron = seq(
  [
    req('CdKolomSuwi', v.CdKolomSuwi),
    req('CdPartijSuwi', v.CdPartijSuwi),
    opt('CdVestigingSuwi', v.CdVestigingSuwi),
  ],
  'Bron',
);
export type Bron = Infer<typeof Bron>;

export const StandaardBedr = seq(
  [
    opt('CdMunteenheid', v.CdMunteenheid),
    opt('CdPositiefNegatief', v.CdPositiefNegatief),
    opt('WaardeBedr', v.WaardeBedr),
    opt('CdPeriodeEenheidGeldigheidBedr', v.CdPeriode),
  ],
  'StandaardBedr',
);
export type StandaardBedr = Infer<typeof StandaardBedr>;

export const StandaardPerc = seq(
  [opt('CdPositiefNegatief', v.CdPositiefNegatief), opt('Percentage', v.Percentage)],
  'StandaardPerc',
);
export type StandaardPerc = Infer<typeof StandaardPerc>;

export const Straatadres = seq(
  [
    opt('Locatieoms', v.NaamAdresNederlandAN70),
    opt('Postcd', v.Postcd),
    opt('Woonplaatsnaam', v.NaamAdresNederlandAN80),
    opt('Gemeentenaam', v.NaamAdresNederlandAN40),
    opt('Straatnaam', v.NaamAdresNederlandAN24),
    opt('Huisnr', v.NummerAdresNederlandN5),
    opt('Huisnrtoevoeging', v.NummerAdresNederlandAN6),
  ],
  'Straatadres',
);
export type Straatadres = Infer<typeof Straatadres>;

/** Partner of the client in a claim: only the BSN. */
export const Partner = seq([req('Burgerservicenr', v.Burgerservicenr)], 'Partner');
export type Partner = Infer<typeof Partner>;

/** Partner of the client in an application, a benefit or special assistance. */
export const PartnerBijstand = seq(
  [
    req('Burgerservicenr', v.Burgerservicenr),
    opt('Voorletters', v.Voorletters),
    opt('Voorvoegsel', v.Voorvoegsels),
    opt('SignificantDeelVanDeAchternaam', v.NaamPersoonA200),
    opt('Geboortedat', v.Datum),
  ],
  'PartnerBijstand',
);
export type PartnerBijstand = Infer<typeof PartnerBijstand>;

export const SzWet = seq([req('CdSzWet', v.CdSzWet)]);
export type SzWet = Infer<typeof SzWet>;

// ---------------------------------------------------------------------------------------
// The client (ClientSuwi's own elements, in the order of Bijstandsregelingen v0500)

export const Client = seq([
  req('Burgerservicenr', v.Burgerservicenr),
  opt('Voornamen', v.NaamPersoonA200),
  opt('Voorletters', v.Voorletters),
  opt('Voorvoegsel', v.Voorvoegsels),
  opt('SignificantDeelVanDeAchternaam', v.NaamPersoonA200),
  opt('Geslacht', v.Geslacht),
  opt('Geboortedat', v.Datum),
  opt('CdLeefvorm', v.CdLeefvorm),
  opt('DomicilieAdres', Straatadres),
  opt('Huisvesting', seq([req('CdRelatieBewonerHuisvesting', v.CdRelatieBewonerHuisvesting)])),
  opt('SchendingInlichtingenplicht', seq([req('DatWaarschSchendInlichtingplicht', v.Datum)])),
  opt(
    'DossierGsd',
    seq([opt('Dossiercd', v.OmschrijvingAN40), opt('DatOpnameGegevensInIbSysteem', v.Datum)]),
  ),
  opt('Bron', Bron),
]);
export type Client = Infer<typeof Client>;

// ---------------------------------------------------------------------------------------
// Cluster Bijstandsregelingen

export const AanvraagUitkering = seq([
  opt('DatAanvraagUitkering', v.Datum),
  req('SzWet', SzWet),
  opt(
    'BeslissingOpAanvraagUitkering',
    seq([
      req('CdBeslissingOpAanvraagUitkering', v.CdBeslissingOpAanvraagUitkering),
      opt('DatDagtekeningBeslisOpAanvrUitk', v.Datum),
    ]),
  ),
  opt('PartnerAanvraagUitkering', PartnerBijstand),
  req('Bron', Bron),
]);
export type AanvraagUitkering = Infer<typeof AanvraagUitkering>;

export const Fraude = seq([
  opt('IndRecidive', v.StdIndJN),
  opt('IndRobuusteIncassoToegepast', v.StdIndJN),
  opt('CdHoogteBestuurlijkeBoete', v.CdHoogteBestuurlijkeBoete),
  opt('CdSrtSanctie', v.CdSrtSanctie),
  opt('ParketnrJustitie', v.ParketnrJustitie),
  opt('CdRecidivetermijn', v.CdRecidivetermijn),
]);
export type Fraude = Infer<typeof Fraude>;

export const Vordering = seq([
  opt('IdentificatienrVordering', v.NummerN15),
  opt('DatBesluitVordering', v.Datum),
  opt('CdRedenVordering', v.CdRedenVordering),
  opt('BedrAanvangVordering', StandaardBedr),
  opt('CdStatusVordering', v.CdStatusVordering),
  opt('BedrSaldoVordering', StandaardBedr),
  opt('DatOnherroepelijkVordering', v.Datum),
  req('SzWet', SzWet),
  many('PartnerVordering', Partner),
  opt('Fraude', Fraude),
  req('Bron', Bron),
]);
export type Vordering = Infer<typeof Vordering>;

export const SpecifiekeGegevensBijzBijstand = seq([
  opt('CdClusterBijzBijstand', v.CdClusterBijzBijstand),
  opt('OmsSrtKostenBijzBijstand', v.OmschrijvingAN100),
  opt('DatBetaalbaarBijzBijstand', v.Datum),
  req('SzWet', SzWet),
  opt('PartnerBijzBijstand', PartnerBijstand),
  req('Bron', Bron),
]);
export type SpecifiekeGegevensBijzBijstand = Infer<typeof SpecifiekeGegevensBijzBijstand>;

export const MaatregelMbtUitkering = seq([
  req('DatBMaatregelMbtUitkering', v.Datum),
  opt('DatEMaatregelMbtUitkering', v.Datum),
  opt(
    'RedenMaatregelMbtBijstandUitk',
    seq([
      opt('CdRedenMaatregelMbtBijstandUitk', v.CdRedenMaatregelMbtBijstandUitk),
      opt('GevolgenMaatregelMbtBijstandUitk', seq([req('BedrVerminderingUitkMbtMaatregel', StandaardBedr)])),
    ]),
  ),
]);
export type MaatregelMbtUitkering = Infer<typeof MaatregelMbtUitkering>;

export const Normbedrag = seq([
  req('CdSrtNormbedrag', v.CdSrtNormbedrag),
  opt('CdMunteenheid', v.CdMunteenheid),
  req('WaardeBedr', v.WaardeBedr),
]);
export type Normbedrag = Infer<typeof Normbedrag>;

export const Uitkeringsperiode = seq([
  req('DatBUitkeringsperiode', v.Datum),
  opt('DatEUitkeringsperiode', v.Datum),
  many('MaatregelMbtUitkering', MaatregelMbtUitkering),
  opt(
    'InkomstenBijstandUitkering',
    seq([
      opt('BedrTotaalInkomstenUitkering', StandaardBedr),
      opt('BedrBetaalbaarGesteldeUitkering', StandaardBedr),
    ]),
  ),
  many('Normbedrag', Normbedrag),
]);
export type Uitkeringsperiode = Infer<typeof Uitkeringsperiode>;

export const Uitkeringsverhouding = seq([
  req('DatBUitkeringsverhouding', v.Datum),
  opt('DatEUitkeringsverhouding', v.Datum),
  req('SzWet', SzWet),
  opt(
    'SpecifiekeGegevensBijstandUitk',
    seq([
      opt('CdAanleidingEindeBijstandUitk', v.CdAanleidingEindeBijstandUitk),
      opt('CdClassificatieBbz', v.CdClassificatieBbz),
      opt('AantKostendelers', v.AantalN2),
    ]),
  ),
  many('InkomstenInvloedOpBijstandUitk', seq([opt('CdSrtOverigeInkomsten', v.CdSrtOverigeInkomsten)])),
  opt(
    'VrijstellingArbeidsplicht',
    seq([
      req('CdVrijstellingArbeidsplichtBijst', v.CdVrijstellingArbeidsplichtBijst),
      opt('DatEVrijstellingArbeidsplicht', v.Datum),
      opt('CdRedenEVrijstArbeidsplichtBijst', v.CdRedenEVrijstArbeidsplichtBijst),
    ]),
  ),
  opt('PartnerUitkeringsverhouding', PartnerBijstand),
  some('Uitkeringsperiode', Uitkeringsperiode),
  req('Bron', Bron),
]);
export type Uitkeringsverhouding = Infer<typeof Uitkeringsverhouding>;

/** What ClientSuwi of Bijstandsregelingen holds beyond the client's own elements. */
export const Bijstandsregelingen = seq([
  many('AanvraagUitkering', AanvraagUitkering),
  many('Vordering', Vordering),
  many('SpecifiekeGegevensBijzBijstand', SpecifiekeGegevensBijzBijstand),
  many('Uitkeringsverhouding', Uitkeringsverhouding),
]);
export type Bijstandsregelingen = Infer<typeof Bijstandsregelingen>;

// ---------------------------------------------------------------------------------------
// Cluster Re-integratie and participatie

export const ReIntegratievoorziening = seq([
  opt('RegistratienrRvGsd', v.RegistratienrRvGsd),
  req('DatBRv', v.Datum),
  opt('DatERv', v.Datum),
  opt('CdTypeRvGsd', v.CdTypeRvGsd),
  opt('OmsRv', v.OmschrijvingAN100),
  opt('Loonkostensubsidie', seq([req('PercLoonwaardeTovWml', StandaardPerc)])),
]);
export type ReIntegratievoorziening = Infer<typeof ReIntegratievoorziening>;

export const AtlRelatie = seq([
  opt('Arbeidsvermogen', seq([req('CdArbeidsvermogen', v.CdArbeidsvermogen)])),
  opt('DoelReintegratievoorziening', seq([req('CdDoelRv', v.CdDoelRv)])),
  many('ReIntegratievoorziening', ReIntegratievoorziening),
  req('Bron', Bron),
]);
export type AtlRelatie = Infer<typeof AtlRelatie>;

/**
 * A rung of the participatieladder as assessed on a date. Not in GSDDossierReintegratie
 * v0200 (its entity was removed in 2018); the DKD data set names it, so the hub keeps it
 * and the verzamelbestand carries it.
 */
export const Participatieladder = seq([
  req(
    'TredeParticipatieladder',
    v.Trede,
    'Trede 1 (geïsoleerd) tot en met 6 (betaald werk zonder ondersteuning)',
  ),
  req('DatVaststellingTrede', v.Datum, 'Datum waarop de trede is vastgesteld'),
  req('Bron', Bron),
]);
export type Participatieladder = Infer<typeof Participatieladder>;

/** What ClientSuwi of GSDDossierReintegratie holds beyond the client's own elements, plus the participatieladder. */
export const Reintegratie = seq([
  many('AtlRelatie', AtlRelatie),
  many('Participatieladder', Participatieladder),
]);
export type Reintegratie = Infer<typeof Reintegratie>;

// ---------------------------------------------------------------------------------------
// The dossier: what one gemeente holds of one client

/**
 * A cluster is present when the gemeente has data of that kind for the client (it is then
 * in the verwijsindex for that cluster), even when the cluster holds only the client.
 */
export const Dossier = seq([
  req('Client', Client),
  opt('Bijstandsregelingen', Bijstandsregelingen),
  opt('Reintegratie', Reintegratie),
]);
export type Dossier = Infer<typeof Dossier>;

/** CdClusteringIb codes of the verwijsindex for the two clusters (code table CdClusteringIb). */
export const CLUSTER = { bijstandsregelingen: '01', reintegratie: '02' } as const;

export function clustersVan(d: Dossier): string[] {
  const c: string[] = [];
  if (d.bijstandsregelingen) c.push(CLUSTER.bijstandsregelingen);
  if (d.reintegratie) c.push(CLUSTER.reintegratie);
  return c;
}

// ---------------------------------------------------------------------------------------
// Helpers for amounts

/** A full StandaardBedr from signed cents: currency, sign, value and optionally the period unit. */
export function bedrag(cents: bigint | number, periode?: string, munteenheid = 'EUR'): StandaardBedr {
  const c = BigInt(cents);
  return {
    cdMunteenheid: v.make(v.CdMunteenheid, munteenheid),
    cdPositiefNegatief: v.make(v.CdPositiefNegatief, c < 0n ? '-' : '+'),
    waardeBedr: v.waardeBedr(c < 0n ? -c : c),
    ...(periode !== undefined && { cdPeriodeEenheidGeldigheidBedr: v.make(v.CdPeriode, periode) }),
  };
}

/** The signed value in cents, or undefined when the amount carries no value. */
export function centen(b: StandaardBedr): bigint | undefined {
  if (b.waardeBedr === undefined) return undefined;
  return b.cdPositiefNegatief === '-' ? -b.waardeBedr : b.waardeBedr;
}
