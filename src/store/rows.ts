/**
 * Mapping between table rows (schema.ts) and the objects of the interface (types.ts), and
 * the text encodings the tables use (cluster lists, version lists).
 */
import type { Selectable } from 'kysely';
import { StoreError } from './errors.js';
import type { AfnemerDienstTable, LeveringTable, ProtocolTable } from './schema.js';
import type {
  AfnemerDienst,
  Cluster,
  Dienst,
  DataDienst,
  Levering,
  LeveringSoort,
  LeveringStatus,
  Methode,
  ProtocolEntry,
} from './types.js';

export function nowIso(): string {
  return new Date().toISOString();
}

/** count(*) and bigint columns come back as strings from PostgreSQL. */
export function num(value: number | string | bigint | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : Number(value);
}

/** Clusters as stored in dossier.clusters: codes joined by ','. */
export function encodeClusters(clusters: readonly Cluster[]): string {
  for (const c of clusters) {
    if (typeof c !== 'string' || c.length === 0 || c.includes(',')) {
      throw new StoreError('store: a cluster code must be a non-empty string without a comma');
    }
  }
  return clusters.join(',');
}

export function decodeClusters(text: string): Cluster[] {
  return text === '' ? [] : text.split(',');
}

export function methode(text: string): Methode {
  return text as Methode;
}

export function dataDienst(text: string): DataDienst {
  return text as DataDienst;
}

export function afnemerDienst(
  row: Pick<Selectable<AfnemerDienstTable>, 'dienst' | 'versies'>,
): AfnemerDienst {
  const parsed: unknown = JSON.parse(row.versies);
  if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string')) {
    throw new StoreError('store: afnemer_dienst.versies is not a JSON array of strings');
  }
  return { dienst: row.dienst as Dienst, versies: parsed };
}

export function levering(row: Selectable<LeveringTable>): Levering {
  return {
    id: num(row.id),
    gemeente: row.gemeente,
    soort: row.soort as LeveringSoort,
    bestandHash: row.bestand_hash,
    bestandsnaam: row.bestandsnaam,
    formaatVersie: row.formaat_versie,
    aangemaakt: row.aangemaakt,
    ontvangen: row.ontvangen,
    status: row.status as LeveringStatus,
    samenvatting: row.samenvatting,
    rapport: row.rapport,
    generatieId: row.generatie_id === null ? null : num(row.generatie_id),
    bijgewerkt: row.bijgewerkt,
  };
}

export function protocolEntry(row: Selectable<ProtocolTable>): ProtocolEntry {
  return {
    volgnr: num(row.volgnr),
    tijd: row.tijd,
    bsnSleutel: row.bsn_sleutel,
    inhoud: row.inhoud,
    vorigeHash: row.vorige_hash,
    hash: row.hash,
  };
}
