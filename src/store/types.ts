/**
 * The storage interface of the hub. One interface, two engines (SQLite through
 * better-sqlite3 as the embedded default, PostgreSQL when DATABASE_URL is set), one code
 * path through Kysely. Everything the hub keeps goes through here: the gemeente registry,
 * chain-partner authorizations, the verwijsindex, delivered data sets in generations,
 * deliveries (leveringen) with their reports, and the protocol.
 *
 * This module imports nothing of ours: dossiers are stored as opaque JSON text, written
 * and read by the batch and routing layers.
 */

export type Methode = 'batch' | 'webservice' | 'combinatie';
export const METHODEN: readonly Methode[] = ['batch', 'webservice', 'combinatie'];

/** The data services a gemeente answers. */
export type DataDienst = 'bijstandsregelingen' | 'reintegratie';
/** Every Suwi-ML service the hub serves. */
export type Dienst = DataDienst | 'verwijsindex';
export const DIENSTEN: readonly Dienst[] = ['bijstandsregelingen', 'reintegratie', 'verwijsindex'];

export interface GemeenteEndpoint {
  dienst: DataDienst;
  url: string;
  /** Interface version of the gemeente's own service, e.g. `v0500` or `v0200`. */
  versie: string;
}

export interface Gemeente {
  /** CBS municipality code = CdPartijSuwi, 4 digits. */
  code: string;
  naam: string;
  /** OIN, 20 digits. */
  oin: string;
  methode: Methode;
  /** The gemeente's own deadline in ms inside the overall deadline; null = the hub's default. */
  deadlineMs: number | null;
  endpoints: GemeenteEndpoint[];
  createdAt: string;
  updatedAt: string;
}

export interface GemeenteInput {
  code: string;
  naam: string;
  oin: string;
  methode: Methode;
  deadlineMs?: number | null;
  /** When given, replaces all endpoints of the gemeente. */
  endpoints?: GemeenteEndpoint[];
}

export interface AfnemerDienst {
  dienst: Dienst;
  /** Versions the party may ask; empty = every supported version. */
  versies: string[];
}

export interface Afnemer {
  oin: string;
  naam: string;
  diensten: AfnemerDienst[];
  createdAt: string;
  updatedAt: string;
}

export interface AfnemerInput {
  oin: string;
  naam: string;
  /** Replaces all authorizations of the party. */
  diensten: AfnemerDienst[];
}

/** CdClusteringIb: which part of the data set a verwijzing is about. */
export type Cluster = string;

/** Where a verwijzing comes from: registered through IBVerwijsindex, or derived from a delivered file. */
export type VerwijzingBron = 'aanmelding' | 'levering';

export interface Verwijzing {
  gemeente: string;
  cluster: Cluster;
  bron: VerwijzingBron;
  /** ISO time the entry was registered, or the time the generation holding it was activated. */
  sinds: string;
}

export interface AanmeldingResult {
  /** 'toegevoegd' when the entry is new, 'bestond' when it was already there, 'verwijderd' when withdrawn, 'onbekend' when a withdrawal found nothing. */
  effect: 'toegevoegd' | 'bestond' | 'verwijderd' | 'onbekend';
}

export type LeveringSoort = 'volledig' | 'mutatie';
export type LeveringStatus = 'ontvangen' | 'verwerken' | 'geladen' | 'ongewijzigd' | 'geweigerd' | 'mislukt';

export interface Levering {
  id: number;
  gemeente: string;
  soort: LeveringSoort;
  /** SHA-256 (hex) of the file as received. */
  bestandHash: string;
  bestandsnaam: string | null;
  formaatVersie: string | null;
  /** Creation time the file itself announces (ISO), if known. */
  aangemaakt: string | null;
  ontvangen: string;
  status: LeveringStatus;
  /** Counts and totals of the processing report, as JSON text (see batch/report). */
  samenvatting: string | null;
  /** The full processing report (terugmelding) as JSON text. */
  rapport: string | null;
  /** The generation this delivery produced (volledig) or changed (mutatie). */
  generatieId: number | null;
  bijgewerkt: string;
}

export interface LeveringInput {
  gemeente: string;
  soort: LeveringSoort;
  bestandHash: string;
  bestandsnaam?: string | null;
  formaatVersie?: string | null;
  aangemaakt?: string | null;
  status?: LeveringStatus;
}

export interface LeveringUpdate {
  status?: LeveringStatus;
  samenvatting?: string | null;
  rapport?: string | null;
  generatieId?: number | null;
  formaatVersie?: string | null;
  aangemaakt?: string | null;
  soort?: LeveringSoort;
  gemeente?: string;
  /** The file's SHA-256, when it was not known yet as the delivery was made ('' until then). */
  bestandHash?: string;
}

export interface DossierRow {
  bsn: string;
  /** Clusters the dossier has data for (CdClusteringIb codes), e.g. ['01', '02']. */
  clusters: Cluster[];
  /** The dossier as JSON text. */
  data: string;
}

export interface StoredDossier extends DossierRow {
  gemeente: string;
  generatieId: number;
  leveringId: number | null;
  /** When the generation holding this dossier was activated (ISO). */
  actiefSinds: string;
}

export interface MutatieOp {
  bsn: string;
  /** null deletes the client's dossier. */
  dossier: DossierRow | null;
}

export interface MutatieResult {
  generatieId: number;
  toegevoegd: number;
  gewijzigd: number;
  verwijderd: number;
  /** Deletions of a BSN that was not there. */
  nietGevonden: number;
}

export interface ActivatieResult {
  generatieId: number;
  vorigeGeneratieId: number | null;
  /** Verwijsindex effect: BSNs new in this generation, and BSNs no longer present. */
  toegevoegd: number;
  verwijderd: number;
  aantal: number;
}

/** A protocol entry as the audit layer hands it to the store; the store adds the chain. */
export interface ProtocolInput {
  tijd: string;
  /** Keyed hash of the BSN (never the BSN itself), or null for entries without a person. */
  bsnSleutel: string | null;
  /** The entry's content as canonical JSON text; the hash chain covers exactly this text. */
  inhoud: string;
}

export interface ProtocolEntry extends ProtocolInput {
  volgnr: number;
  vorigeHash: string;
  hash: string;
}

/** The engine-independent store. Every method is safe to call concurrently. */
export interface Store {
  readonly engine: 'sqlite' | 'postgres';

  // Registry
  upsertGemeente(input: GemeenteInput): Promise<Gemeente>;
  getGemeente(code: string): Promise<Gemeente | undefined>;
  getGemeenteByOin(oin: string): Promise<Gemeente | undefined>;
  listGemeenten(): Promise<Gemeente[]>;
  removeGemeente(code: string): Promise<boolean>;

  upsertAfnemer(input: AfnemerInput): Promise<Afnemer>;
  getAfnemer(oin: string): Promise<Afnemer | undefined>;
  listAfnemers(): Promise<Afnemer[]>;
  removeAfnemer(oin: string): Promise<boolean>;

  // Verwijsindex
  /** Registers (indDkd true) or withdraws (false) one entry registered through IBVerwijsindex. */
  aanmelden(bsn: string, gemeente: string, cluster: Cluster, indDkd: boolean): Promise<AanmeldingResult>;
  /** Every gemeente that holds data for the BSN: registrations plus the active generations of deliveries. */
  verwijzingen(bsn: string): Promise<Verwijzing[]>;
  /** Count of entries per gemeente and bron, for operators. */
  verwijsindexTelling(): Promise<{ gemeente: string; bron: VerwijzingBron; aantal: number }[]>;

  // Deliveries
  createLevering(input: LeveringInput): Promise<Levering>;
  updateLevering(id: number, update: LeveringUpdate): Promise<Levering>;
  getLevering(id: number): Promise<Levering | undefined>;
  listLeveringen(gemeente?: string, limit?: number): Promise<Levering[]>;
  /** The most recent delivery of this gemeente with this file hash that was loaded (status geladen). */
  findGeladenLevering(gemeente: string, bestandHash: string): Promise<Levering | undefined>;

  // Generations of delivered data sets
  /** Starts a new generation for a full replacement; invisible to readers until activated. */
  beginGeneratie(gemeente: string, leveringId: number | null): Promise<number>;
  /** Adds dossiers to a generation that is being built. Call repeatedly in batches. */
  writeDossiers(generatieId: number, rows: DossierRow[]): Promise<void>;
  /**
   * Takes dossiers out of a generation that is being built (BSNs not in it are passed
   * over); returns how many went. For a load that finds a duplicate after writing it.
   */
  removeDossiers(generatieId: number, bsns: string[]): Promise<number>;
  /** Makes the generation the gemeente's active set in one transaction; the previous one is retired. */
  activateGeneratie(generatieId: number): Promise<ActivatieResult>;
  /** Drops a generation that was never activated (a refused or failed load). */
  abandonGeneratie(generatieId: number): Promise<void>;
  /** Applies changes to the gemeente's active set in one transaction (creating a set if none). */
  applyMutatie(gemeente: string, leveringId: number | null, ops: MutatieOp[]): Promise<MutatieResult>;
  /** The active generation of a gemeente, if any. */
  activeGeneratie(
    gemeente: string,
  ): Promise<{ id: number; leveringId: number | null; actiefSinds: string; aantal: number } | undefined>;
  /** The dossiers for a BSN in the active generations of the given gemeenten (all when omitted). */
  getDossiers(bsn: string, gemeenten?: string[]): Promise<StoredDossier[]>;
  /** Every dossier of the active generation of a gemeente, in BSN order, in pages. */
  listDossiers(gemeente: string, afterBsn: string | null, limit: number): Promise<StoredDossier[]>;
  /** Removes retired and abandoned generations and their rows; returns how many generations went. */
  cleanup(): Promise<number>;

  // Protocol (protocollering): append-only, hash-chained
  appendProtocol(entry: ProtocolInput): Promise<ProtocolEntry>;
  protocolByBsn(bsnSleutel: string): Promise<ProtocolEntry[]>;
  /** Every entry in order, in pages. */
  protocolPage(afterVolgnr: number, limit: number): Promise<ProtocolEntry[]>;
  /** The chain's head: the last entry's volgnr and hash, kept apart from the entries. */
  protocolHead(): Promise<{ volgnr: number; hash: string }>;

  // Replay protection shared by every process on this store
  /**
   * Records a message key until `tot` (ISO time); true the first time, false while an
   * earlier record of the same key has not expired. `nu` is the current ISO time.
   */
  berichtOntvangen(sleutel: string, tot: string, nu: string): Promise<boolean>;
  /** Forgets the records that expired before `nu`; returns how many. */
  vergeetBerichten(nu: string): Promise<number>;

  /** Schema version after migrations. */
  schemaVersion(): Promise<string>;
  close(): Promise<void>;
}
