/**
 * Table types of the store for Kysely. Column names are snake_case; the store maps rows
 * to the camelCase objects of ./types.ts. Every time is ISO 8601 UTC text on both engines
 * (one code path; ISO text in one format sorts like the time it denotes). JSON is text.
 */
import type { ColumnType, Generated } from 'kysely';

/**
 * A bigint column: PostgreSQL's driver returns int8 as a string, SQLite returns a number.
 * Read it through Number(); written as a number.
 */
export type BigIntColumn = ColumnType<number | string | bigint, number, number>;

/** Lifecycle of a generation; see README.md. */
export type GeneratieStatus = 'opbouw' | 'actief' | 'vervallen' | 'verwijderd';

export interface GemeenteTable {
  code: string;
  naam: string;
  oin: string;
  methode: string;
  deadline_ms: number | null;
  created_at: string;
  updated_at: string;
}

export interface GemeenteEndpointTable {
  gemeente: string;
  dienst: string;
  url: string;
  versie: string;
}

export interface AfnemerTable {
  oin: string;
  naam: string;
  created_at: string;
  updated_at: string;
}

export interface AfnemerDienstTable {
  afnemer: string;
  dienst: string;
  /** JSON array of version strings; [] = every supported version. */
  versies: string;
}

/** Verwijsindex entries registered through IBVerwijsindex (bron 'aanmelding'). */
export interface AanmeldingTable {
  bsn: string;
  gemeente: string;
  cluster: string;
  sinds: string;
}

export interface LeveringTable {
  id: Generated<number>;
  gemeente: string;
  soort: string;
  bestand_hash: string;
  bestandsnaam: string | null;
  formaat_versie: string | null;
  aangemaakt: string | null;
  ontvangen: string;
  status: string;
  samenvatting: string | null;
  rapport: string | null;
  generatie_id: number | null;
  bijgewerkt: string;
}

export interface GeneratieTable {
  id: Generated<number>;
  gemeente: string;
  levering_id: number | null;
  status: GeneratieStatus;
  aangemaakt: string;
  /** Last write (heartbeat of a load); cleanup treats an old 'opbouw' generation as orphaned. */
  bijgewerkt: string;
  actief_sinds: string | null;
  vervallen_sinds: string | null;
  /** Dossiers in the generation, kept up to date by every write. */
  aantal: number;
  /** Verwijsindex entries (sum of the dossiers' clusters), kept up to date by every write. */
  aantal_verwijzingen: number;
  /** Change counter: +1 on every transaction that changes the generation's dossiers. */
  wijziging: number;
}

export interface DossierTable {
  generatie_id: number;
  bsn: string;
  /** Cluster codes joined by ','; '' = none. */
  clusters: string;
  /** The dossier as JSON text. */
  data: string;
  levering_id: number | null;
}

export interface ProtocolTable {
  volgnr: BigIntColumn;
  tijd: string;
  bsn_sleutel: string | null;
  inhoud: string;
  vorige_hash: string;
  hash: string;
}

/** One row (id 1): the head of the protocol chain, the lock that serialises appends. */
export interface ProtocolKopTable {
  id: number;
  volgnr: BigIntColumn;
  hash: string;
}

/** A signed message seen (replay protection shared by all hub processes). */
export interface BerichtOntvangenTable {
  sleutel: string;
  /** ISO time until which a repeat is refused. */
  tot: string;
}

export interface Database {
  gemeente: GemeenteTable;
  gemeente_endpoint: GemeenteEndpointTable;
  afnemer: AfnemerTable;
  afnemer_dienst: AfnemerDienstTable;
  aanmelding: AanmeldingTable;
  levering: LeveringTable;
  generatie: GeneratieTable;
  dossier: DossierTable;
  protocol: ProtocolTable;
  protocol_kop: ProtocolKopTable;
  bericht_ontvangen: BerichtOntvangenTable;
}
