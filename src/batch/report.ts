/**
 * The processing report (terugmelding) of a verzamelbestand: what the hub did with the
 * file, counts, totals per rule, and per finding the record, element path, rule and
 * whether the record was loaded. Values of personal data are never in it, so the report
 * can be stored, shown and sent like any other operational record.
 */
import { type Finding, safeValue } from '../suwiml/xml/codec.js';

export type RapportStatus = 'gevalideerd' | 'geladen' | 'ongewijzigd' | 'geweigerd';

export interface RapportBevinding {
  /** Record number (1-based, after the Kop); absent for findings about the whole file. */
  record?: number;
  /** Line of the element in the file. */
  regelnr?: number;
  pad: string;
  regel: string;
  melding: string;
  waarde?: string;
  geladen: boolean;
}

export interface Rapport {
  status: RapportStatus;
  modus: 'validate' | 'ingest';
  levering?: number;
  bestand: { naam: string; sha256: string; bytes: number };
  kop?: {
    gemeente: string;
    soort: string;
    formaatversie: string;
    aangemaakt: string;
    aantalRecords: number;
  };
  telling: {
    records: number;
    /** Records that passed every check (loaded, or would be loaded by validate). */
    goed: number;
    overgeslagen: number;
    dossiers: number;
    verwijderingen: number;
    bevindingen: number;
  };
  /** Effect on the gemeente's data set and verwijsindex, after loading. */
  effect?: {
    generatie: number;
    vorigeGeneratie?: number | null;
    dossiers?: number;
    toegevoegd: number;
    gewijzigd?: number;
    verwijderd: number;
    nietGevonden?: number;
  };
  /** Why the whole file was refused, or why nothing changed. */
  bestandsbevindingen: { regel: string; melding: string; regelnr?: number; details?: RapportBevinding[] }[];
  perRegel: Record<string, number>;
  bevindingen: RapportBevinding[];
  /** Findings counted but not listed (the list holds the first MAX_BEVINDINGEN). */
  bevindingenWeggelaten: number;
  gestart: string;
  klaar: string;
}

export const MAX_BEVINDINGEN = 10_000;

export function bevinding(f: Finding, record: number | undefined, geladen: boolean): RapportBevinding {
  const waarde = safeValue(f);
  return {
    ...(record !== undefined && { record }),
    ...(f.line !== undefined && { regelnr: f.line }),
    pad: record !== undefined ? f.path.replace(/^\/(Dossier|Verwijdering)/, `/$1[${record}]`) : f.path,
    regel: f.rule,
    melding: f.message,
    ...(waarde !== undefined && { waarde }),
    geladen,
  };
}

/** What `--json` prints: status, counts and findings per rule. */
export function samenvatting(r: Rapport) {
  return {
    status: r.status,
    ...(r.levering !== undefined && { levering: r.levering }),
    ...(r.kop && { gemeente: r.kop.gemeente, soort: r.kop.soort, formaatversie: r.kop.formaatversie }),
    telling: r.telling,
    ...(r.effect && { effect: r.effect }),
    bestandsbevindingen: r.bestandsbevindingen.map((b) => ({ regel: b.regel, melding: b.melding })),
    perRegel: r.perRegel,
  };
}

const STATUS_TEKST: Record<RapportStatus, string> = {
  gevalideerd: 'gecontroleerd (niets geladen)',
  geladen: 'geladen',
  ongewijzigd: 'ongewijzigd: dit bestand is al eerder geladen',
  geweigerd: 'GEWEIGERD: er is niets geladen',
};

/** The report as readable text (Dutch, as the interface). */
export function rapportAlsTekst(r: Rapport, o: { maxBevindingen?: number } = {}): string {
  const max = o.maxBevindingen ?? Infinity;
  const l: string[] = [];
  l.push(`Terugmelding verzamelbestand`);
  l.push(
    `  bestand:       ${r.bestand.naam} (${r.bestand.bytes} bytes, sha256 ${r.bestand.sha256.slice(0, 16)}...)`,
  );
  if (r.levering !== undefined) l.push(`  levering:      ${r.levering}`);
  if (r.kop) {
    l.push(`  gemeente:      ${r.kop.gemeente}`);
    l.push(`  soort:         ${r.kop.soort}, formaat ${r.kop.formaatversie}, aangemaakt ${r.kop.aangemaakt}`);
    l.push(`  aangekondigd:  ${r.kop.aantalRecords} records`);
  }
  l.push(`  uitkomst:      ${STATUS_TEKST[r.status]}`);
  for (const b of r.bestandsbevindingen) {
    l.push(`  - ${b.regel}: ${b.melding}${b.regelnr !== undefined ? ` (regel ${b.regelnr})` : ''}`);
    for (const d of b.details ?? []) l.push(`      ${d.pad}: ${d.regel}: ${d.melding}`);
  }
  const t = r.telling;
  l.push('');
  l.push(
    `Records: ${t.records}, goed ${t.goed}, overgeslagen ${t.overgeslagen} (dossiers ${t.dossiers}, verwijderingen ${t.verwijderingen})`,
  );
  if (r.effect) {
    const e = r.effect;
    l.push(
      `Effect: generatie ${e.generatie}${e.dossiers !== undefined ? `, ${e.dossiers} dossiers` : ''}; verwijsindex +${e.toegevoegd} / -${e.verwijderd}` +
        (e.gewijzigd !== undefined ? `; gewijzigd ${e.gewijzigd}` : '') +
        (e.nietGevonden ? `; te verwijderen maar niet gevonden ${e.nietGevonden}` : ''),
    );
  }
  const regels = Object.entries(r.perRegel).sort((a, b) => b[1] - a[1]);
  if (regels.length) {
    l.push('');
    l.push('Bevindingen per regel:');
    for (const [regel, n] of regels) l.push(`  ${regel.padEnd(28)} ${n}`);
    l.push('');
    l.push('Bevindingen (record, regel in het bestand, pad, regel, melding, waarde, geladen):');
    for (const b of r.bevindingen.slice(0, max))
      l.push(
        `  ${b.record ?? '-'}\t${b.regelnr ?? '-'}\t${b.pad}\t${b.regel}\t${b.melding}${b.waarde !== undefined ? `\t${b.waarde}` : ''}\t${b.geladen ? 'geladen' : 'overgeslagen'}`,
      );
    const rest = r.bevindingenWeggelaten + Math.max(0, r.bevindingen.length - max);
    if (rest) l.push(`  ... en nog ${rest} bevindingen (zie de totalen per regel en het volledige rapport)`);
  }
  return `${l.join('\n')}\n`;
}
