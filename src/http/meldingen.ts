/**
 * The FWI messages the hub and the gemeente kit give, each with a stable code. Texts are
 * Dutch, as the interface is, and never carry a BSN or a name: a gemeente is named by its
 * code.
 */
import { melding, type Melding, type MeldingSoort } from '../suwiml/fwi.js';

export interface MeldingDef {
  code: string;
  soort: MeldingSoort;
  tekst: string;
}

export const MELDINGEN = {
  geenXml: { code: 'DKD-F001', soort: 'Fout', tekst: 'Het bericht is geen goedgevormde of toegestane XML' },
  geenSoap: { code: 'DKD-F002', soort: 'Fout', tekst: 'Het bericht is geen geldige SOAP-envelope' },
  addressing: {
    code: 'DKD-F003',
    soort: 'Fout',
    tekst: 'De WS-Addressing-headers ontbreken of zijn ongeldig',
  },
  onbekendeOperatie: { code: 'DKD-F004', soort: 'Fout', tekst: 'Onbekende operatie voor deze dienst' },
  schema: { code: 'DKD-F005', soort: 'Fout', tekst: 'Het verzoek voldoet niet aan het schema van de dienst' },
  bsn: { code: 'DKD-F006', soort: 'Fout', tekst: 'Het Burgerservicenr is ongeldig' },
  teGroot: { code: 'DKD-F007', soort: 'Fout', tekst: 'Het bericht is te groot' },
  onbekendeAfzender: {
    code: 'DKD-F010',
    soort: 'Fout',
    tekst: 'De afzender is niet geïdentificeerd (OIN ontbreekt)',
  },
  afzenderKloptNiet: {
    code: 'DKD-F011',
    soort: 'Fout',
    tekst: 'Het OIN in wsa:From hoort niet bij het certificaat van de afzender',
  },
  intern: { code: 'DKD-F020', soort: 'Fout', tekst: 'Interne fout; probeer het later opnieuw' },
  protocol: {
    code: 'DKD-F021',
    soort: 'Fout',
    tekst: 'De vraag kan niet worden vastgelegd in het protocol en is daarom geweigerd',
  },
  nietBeschikbaar: {
    code: 'DKD-F022',
    soort: 'Fout',
    tekst: 'De gegevens van geen enkele gemeente zijn op dit moment beschikbaar',
  },
  beveiliging: {
    code: 'DKD-F030',
    soort: 'Fout',
    tekst: 'Het bericht voldoet niet aan de beveiligingseisen',
  },
  gemeenteTijd: {
    code: 'DKD-W001',
    soort: 'Waarschuwing',
    tekst: 'Gemeente {g} heeft niet binnen de termijn geantwoord; haar gegevens ontbreken',
  },
  gemeenteFout: {
    code: 'DKD-W002',
    soort: 'Waarschuwing',
    tekst: 'Gemeente {g} kon de vraag niet beantwoorden; haar gegevens ontbreken',
  },
  gemeenteOngeldig: {
    code: 'DKD-W003',
    soort: 'Waarschuwing',
    tekst: 'Gemeente {g} gaf een ongeldig antwoord; haar gegevens ontbreken',
  },
  gemeenteOvergeslagen: {
    code: 'DKD-W004',
    soort: 'Waarschuwing',
    tekst: 'Gemeente {g} is tijdelijk niet bereikbaar; haar gegevens ontbreken',
  },
  uitBestand: {
    code: 'DKD-I001',
    soort: 'Informatie',
    tekst:
      'De gegevens van gemeente {g} komen uit haar verzamelbestand van {d}, omdat haar webservice niet antwoordde',
  },
  aangemeld: { code: 'DKD-I010', soort: 'Informatie', tekst: 'De verwijzing is geregistreerd' },
  afgemeld: { code: 'DKD-I011', soort: 'Informatie', tekst: 'De verwijzing is ingetrokken' },
  onbekendeCluster: { code: 'DKD-F012', soort: 'Fout', tekst: 'Onbekende CdClusteringIb' },
  indDkd: { code: 'DKD-F013', soort: 'Fout', tekst: 'IndDkd moet 1 (ja) of 2 (nee) zijn' },
} as const satisfies Record<string, MeldingDef>;

/** A Melding from a definition, with {g} (gemeentecode) and {d} (date) filled in. */
export function fwi(
  def: MeldingDef,
  bron: string,
  vars: { g?: string; d?: string } = {},
  details: string[] = [],
): Melding {
  const tekst = def.tekst.replace('{g}', vars.g ?? '').replace('{d}', vars.d ?? '');
  return melding(def.soort, def.code, tekst, bron, details);
}
