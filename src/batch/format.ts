/**
 * The verzamelbestand format: the project's own file in which a gemeente delivers its
 * whole data set (`volledig`) or changes to it (`mutatie`). See docs/verzamelbestand.md.
 *
 * A format version is a namespace (`urn:nl:dkd-hub:verzamelbestand:v0100`) with its own
 * XSD (`schemas/verzamelbestand-v0100.xsd`), written from the descriptions below and in
 * domain/model. The file's root element carries the namespace; every element inside it is
 * unqualified, as in Suwi-ML. A reader picks the version by the root's namespace, so two
 * versions can be live at once: each version is one entry in FORMAAT_VERSIES with its
 * record descriptions and its translation to the domain Dossier.
 *
 * Imports domain only.
 */
import { Dossier } from '../domain/model.js';
import { type Infer, req, seq, type SequenceNode } from '../domain/schema.js';
import * as v from '../domain/values.js';
import { XsdWriter } from '../domain/xsd.js';

export const NAMESPACE_PREFIX = 'urn:nl:dkd-hub:verzamelbestand:';
export const ROOT = 'Verzamelbestand';

export type SoortLevering = 'volledig' | 'mutatie';

export const SoortLeveringType = v.stringType('SoortLevering', { enumeration: ['volledig', 'mutatie'] });

/** xs:dateTime with a time zone, as the lexical pattern of XSD; the value must also be a real moment. */
export const DatTijd = v.stringType('DatumTijdMetZone', {
  pattern: '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+\\-][0-9]{2}:[0-9]{2})',
  extra: (s) =>
    Number.isNaN(Date.parse(s)) ||
    new Date(Date.parse(s.slice(0, 10))).toISOString().slice(0, 10) !== s.slice(0, 10)
      ? new v.Violation('datum-bestaat-niet', 'is geen bestaand tijdstip')
      : undefined,
});

export const FormaatversieType = v.stringType('Formaatversie', { length: 5, pattern: 'v[0-9]{4}' });

export const AantalRecords = v.intType('AantalRecords', { totalDigits: 9 });

/** The header (Kop): who delivers what, when, in which version, and how many records follow. */
export const Kop = seq([
  req('CdPartijSuwi', v.CdPartijSuwi, 'CBS-gemeentecode van de leverende gemeente'),
  req(
    'SoortLevering',
    SoortLeveringType,
    'volledig: vervangt de hele gegevensverzameling; mutatie: wijzigt of verwijdert per BSN',
  ),
  req('DatTijdAanmaak', DatTijd, 'Tijdstip waarop de gemeente het bestand heeft aangemaakt'),
  req('Formaatversie', FormaatversieType, 'Versie van dit formaat; gelijk aan die in de namespace'),
  req('AantalRecords', AantalRecords, 'Aantal records (Dossier en Verwijdering) na de kop'),
]);
export type Kop = Infer<typeof Kop>;

/** A deletion of one client's dossier, in a mutatie. */
export const Verwijdering = seq([req('Burgerservicenr', v.Burgerservicenr)]);
export type Verwijdering = Infer<typeof Verwijdering>;

export interface FormaatVersie {
  versie: string;
  namespace: string;
  /** First day (YYYY-MM-DD) the hub accepts files of this version. */
  geldigVanaf: string;
  /** Last day the hub accepts them; set when a newer version has been live for at least a year. */
  geldigTot?: string;
  /** The content of a Dossier record. */
  dossier: SequenceNode;
  verwijdering: SequenceNode;
  kop: SequenceNode;
  /** A decoded Dossier record of this version as the domain Dossier. */
  toDossier(decoded: Record<string, unknown>): Dossier;
  /** The domain Dossier as the value this version's Dossier record encodes. */
  fromDossier(d: Dossier): Record<string, unknown>;
}

/** Version v0100: the record is the domain Dossier as it is. */
export const V0100: FormaatVersie = {
  versie: 'v0100',
  namespace: `${NAMESPACE_PREFIX}v0100`,
  geldigVanaf: '2026-01-01',
  dossier: Dossier,
  verwijdering: Verwijdering,
  kop: Kop,
  toDossier: (d) => d as Dossier,
  fromDossier: (d) => d as unknown as Record<string, unknown>,
};

/** Every version the hub knows, newest last. */
export const FORMAAT_VERSIES: readonly FormaatVersie[] = [V0100];
export const NIEUWSTE_VERSIE: FormaatVersie = FORMAAT_VERSIES[FORMAAT_VERSIES.length - 1]!;

export function versieByNamespace(
  ns: string,
  versies: readonly FormaatVersie[] = FORMAAT_VERSIES,
): FormaatVersie | undefined {
  return versies.find((f) => f.namespace === ns);
}

export function versieByNaam(naam: string): FormaatVersie | undefined {
  return FORMAAT_VERSIES.find((f) => f.versie === naam);
}

/** Whether files of the version are accepted on the given day. */
export function isLive(f: FormaatVersie, now: Date = new Date()): boolean {
  const day = now.toISOString().slice(0, 10);
  return f.geldigVanaf <= day && (f.geldigTot === undefined || day <= f.geldigTot);
}

/** The versions accepted today: by the version rules, the newest and at most its predecessor. */
export function liveVersies(
  now: Date = new Date(),
  versies: readonly FormaatVersie[] = FORMAAT_VERSIES,
): FormaatVersie[] {
  return versies.filter((f) => isLive(f, now));
}

/** The XSD of a format version, written from the same descriptions the reader decodes with. */
export function verzamelbestandXsd(f: FormaatVersie): string {
  const w = new XsdWriter('vb');
  const kop = w.node('Kop', f.kop, '', '', '        ');
  const dossier = w.node(
    'Dossier',
    f.dossier,
    '',
    `            <xs:annotation><xs:documentation>Alle gegevens van één cliënt (volledig), of de nieuwe gegevens van één cliënt (mutatie).</xs:documentation></xs:annotation>\n`,
    '          ',
  );
  const verwijdering = w.node(
    'Verwijdering',
    f.verwijdering,
    '',
    `            <xs:annotation><xs:documentation>Alleen in een mutatie: verwijder het dossier van deze cliënt.</xs:documentation></xs:annotation>\n`,
    '          ',
  );
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<!-- Verzamelbestand ${f.versie} of the DKD hub. Written by src/batch/format.ts; do not edit by hand. -->\n` +
    `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:vb="${f.namespace}"\n` +
    `           targetNamespace="${f.namespace}" elementFormDefault="unqualified"\n` +
    `           attributeFormDefault="unqualified" version="${f.versie}">\n` +
    `  <xs:element name="${ROOT}">\n` +
    `    <xs:complexType>\n` +
    `      <xs:sequence>\n` +
    kop +
    `        <xs:choice minOccurs="0" maxOccurs="unbounded">\n` +
    dossier +
    verwijdering +
    `        </xs:choice>\n` +
    `      </xs:sequence>\n` +
    `    </xs:complexType>\n` +
    `  </xs:element>\n` +
    w.simpleTypes('  ') +
    `</xs:schema>\n`
  );
}
