/**
 * The Store on Kysely: one implementation for SQLite and PostgreSQL. See README.md for the
 * tables, the generation lifecycle and the concurrency rules this code keeps.
 */
import { sql } from 'kysely';
import type { Kysely, Selectable, Updateable } from 'kysely';
import {
  chunks,
  executeCompiled,
  inWriteTransaction,
  StatementCache,
  yieldToEventLoop,
} from './connection.js';
import type { Connections } from './connection.js';
import { isUniqueViolation, StoreError, toStoreError } from './errors.js';
import type { Engine } from './migrations.js';
import { protocolHash } from './protocol.js';
import {
  afnemerDienst,
  dataDienst,
  decodeClusters,
  encodeClusters,
  levering,
  methode,
  nowIso,
  num,
  protocolEntry,
} from './rows.js';
import type { Database, GemeenteTable, GeneratieStatus, LeveringTable } from './schema.js';
import type {
  ActivatieResult,
  Afnemer,
  AfnemerInput,
  AanmeldingResult,
  Cluster,
  DossierRow,
  Gemeente,
  GemeenteInput,
  Levering,
  LeveringInput,
  LeveringUpdate,
  MutatieOp,
  MutatieResult,
  ProtocolEntry,
  ProtocolInput,
  Store,
  StoredDossier,
  Verwijzing,
  VerwijzingBron,
} from './types.js';

/** Rows per multi-row INSERT: 5 parameters a row stays far below both engines' limits. */
const INSERT_CHUNK = 500;
/** BSNs per IN (...) list. */
const LOOKUP_CHUNK = 500;
/** Dossiers deleted per transaction by cleanup and abandon. */
const PURGE_CHUNK = 5000;
/** SQLite: dossiers per range when activation compares two generations. */
const COMPARE_CHUNK = 20000;
/** Optimistic activation attempts before the counts are taken inside the transaction. */
const OPTIMISTIC_ATTEMPTS = 3;
/** Attempts in all (the last ones count inside the transaction). */
const MAX_ACTIVATION_ATTEMPTS = 10;
/** A generation left in 'opbouw' without a write for this long is an orphan of a crashed load. */
export const DEFAULT_STALE_OPBOUW_MS = 60 * 60 * 1000;

export interface KyselyStoreOptions {
  /** Age (since its last write) after which cleanup removes a generation left in 'opbouw'. */
  staleOpbouwMs?: number;
}

export interface CleanupOptions {
  /** Overrides the store's staleOpbouwMs for this run; 0 removes every unactivated generation. */
  staleOpbouwMs?: number;
}

/** Diagnostics of one generation (operators, tests). */
export interface GeneratieInfo {
  id: number;
  gemeente: string;
  leveringId: number | null;
  status: GeneratieStatus;
  aangemaakt: string;
  bijgewerkt: string;
  actiefSinds: string | null;
  vervallenSinds: string | null;
  aantal: number;
}

/** Thrown inside an activation transaction to roll it back and try again. */
class ActivationRaced {}

interface GeneratieSnapshot {
  gemeente: string;
  wijziging: number;
  prev: { id: number; wijziging: number } | null;
}

export class KyselyStore implements Store {
  readonly engine: Engine;
  /** Migrations applied when this store was opened (empty when the schema was current). */
  readonly appliedMigrations: readonly string[];
  readonly #c: Connections;
  readonly #statements = new StatementCache();
  readonly #staleOpbouwMs: number;
  #closed = false;

  constructor(
    connections: Connections,
    appliedMigrations: readonly string[],
    options: KyselyStoreOptions = {},
  ) {
    this.#c = connections;
    this.engine = connections.engine;
    this.appliedMigrations = appliedMigrations;
    this.#staleOpbouwMs = options.staleOpbouwMs ?? DEFAULT_STALE_OPBOUW_MS;
  }

  // ---------------------------------------------------------------- plumbing

  async #op<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreError(`store: ${name} called after close`);
    try {
      return await fn();
    } catch (err) {
      throw toStoreError(name, err);
    }
  }

  #write<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return inWriteTransaction(this.#c, fn);
  }

  get #r(): Kysely<Database> {
    return this.#c.reader;
  }

  // ---------------------------------------------------------------- registry

  upsertGemeente(input: GemeenteInput): Promise<Gemeente> {
    return this.#op('upsertGemeente', () =>
      this.#write(async (trx) => {
        const now = nowIso();
        const update: Updateable<GemeenteTable> = {
          naam: input.naam,
          oin: input.oin,
          methode: input.methode,
          updated_at: now,
        };
        // Like endpoints: a deadline that is not given is left as it is.
        if (input.deadlineMs !== undefined) update.deadline_ms = input.deadlineMs;
        await trx
          .insertInto('gemeente')
          .values({
            code: input.code,
            naam: input.naam,
            oin: input.oin,
            methode: input.methode,
            deadline_ms: input.deadlineMs ?? null,
            created_at: now,
            updated_at: now,
          })
          .onConflict((oc) => oc.column('code').doUpdateSet(update))
          .execute();
        if (input.endpoints !== undefined) {
          await trx.deleteFrom('gemeente_endpoint').where('gemeente', '=', input.code).execute();
          if (input.endpoints.length > 0) {
            await trx
              .insertInto('gemeente_endpoint')
              .values(
                input.endpoints.map((e) => ({
                  gemeente: input.code,
                  dienst: e.dienst,
                  url: e.url,
                  versie: e.versie,
                })),
              )
              .execute();
          }
        }
        const [g] = await this.#gemeenten(trx, input.code);
        if (g === undefined)
          throw new StoreError('store: upsertGemeente: the gemeente is gone after writing it');
        return g;
      }),
    );
  }

  getGemeente(code: string): Promise<Gemeente | undefined> {
    return this.#op('getGemeente', async () => (await this.#gemeenten(this.#r, code))[0]);
  }

  getGemeenteByOin(oin: string): Promise<Gemeente | undefined> {
    return this.#op('getGemeenteByOin', async () => {
      // Several gemeenten may share an OIN (one service for more gemeenten): the lowest code wins.
      const row = await this.#r
        .selectFrom('gemeente')
        .select('code')
        .where('oin', '=', oin)
        .orderBy('code')
        .limit(1)
        .executeTakeFirst();
      return row === undefined ? undefined : (await this.#gemeenten(this.#r, row.code))[0];
    });
  }

  listGemeenten(): Promise<Gemeente[]> {
    return this.#op('listGemeenten', () => this.#gemeenten(this.#r));
  }

  removeGemeente(code: string): Promise<boolean> {
    return this.#op('removeGemeente', async () => {
      const r = await this.#write((trx) =>
        trx.deleteFrom('gemeente').where('code', '=', code).executeTakeFirst(),
      );
      return num(r.numDeletedRows) > 0;
    });
  }

  async #gemeenten(db: Kysely<Database>, code?: string): Promise<Gemeente[]> {
    let gq = db.selectFrom('gemeente').selectAll().orderBy('code');
    let eq = db.selectFrom('gemeente_endpoint').selectAll().orderBy('gemeente').orderBy('dienst');
    if (code !== undefined) {
      gq = gq.where('code', '=', code);
      eq = eq.where('gemeente', '=', code);
    }
    const [rows, endpoints] = [await gq.execute(), await eq.execute()];
    const byGemeente = new Map<string, Gemeente['endpoints']>();
    for (const e of endpoints) {
      const list = byGemeente.get(e.gemeente) ?? [];
      list.push({ dienst: dataDienst(e.dienst), url: e.url, versie: e.versie });
      byGemeente.set(e.gemeente, list);
    }
    return rows.map((r) => ({
      code: r.code,
      naam: r.naam,
      oin: r.oin,
      methode: methode(r.methode),
      deadlineMs: r.deadline_ms === null ? null : num(r.deadline_ms),
      endpoints: byGemeente.get(r.code) ?? [],
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  upsertAfnemer(input: AfnemerInput): Promise<Afnemer> {
    return this.#op('upsertAfnemer', () =>
      this.#write(async (trx) => {
        const now = nowIso();
        await trx
          .insertInto('afnemer')
          .values({ oin: input.oin, naam: input.naam, created_at: now, updated_at: now })
          .onConflict((oc) => oc.column('oin').doUpdateSet({ naam: input.naam, updated_at: now }))
          .execute();
        await trx.deleteFrom('afnemer_dienst').where('afnemer', '=', input.oin).execute();
        if (input.diensten.length > 0) {
          await trx
            .insertInto('afnemer_dienst')
            .values(
              input.diensten.map((d) => ({
                afnemer: input.oin,
                dienst: d.dienst,
                versies: JSON.stringify(d.versies),
              })),
            )
            .execute();
        }
        const [a] = await this.#afnemers(trx, input.oin);
        if (a === undefined)
          throw new StoreError('store: upsertAfnemer: the afnemer is gone after writing it');
        return a;
      }),
    );
  }

  getAfnemer(oin: string): Promise<Afnemer | undefined> {
    return this.#op('getAfnemer', async () => (await this.#afnemers(this.#r, oin))[0]);
  }

  listAfnemers(): Promise<Afnemer[]> {
    return this.#op('listAfnemers', () => this.#afnemers(this.#r));
  }

  removeAfnemer(oin: string): Promise<boolean> {
    return this.#op('removeAfnemer', async () => {
      const r = await this.#write((trx) =>
        trx.deleteFrom('afnemer').where('oin', '=', oin).executeTakeFirst(),
      );
      return num(r.numDeletedRows) > 0;
    });
  }

  async #afnemers(db: Kysely<Database>, oin?: string): Promise<Afnemer[]> {
    let aq = db.selectFrom('afnemer').selectAll().orderBy('oin');
    let dq = db.selectFrom('afnemer_dienst').selectAll().orderBy('afnemer').orderBy('dienst');
    if (oin !== undefined) {
      aq = aq.where('oin', '=', oin);
      dq = dq.where('afnemer', '=', oin);
    }
    const [rows, diensten] = [await aq.execute(), await dq.execute()];
    const byAfnemer = new Map<string, Afnemer['diensten']>();
    for (const d of diensten) {
      const list = byAfnemer.get(d.afnemer) ?? [];
      list.push(afnemerDienst(d));
      byAfnemer.set(d.afnemer, list);
    }
    return rows.map((r) => ({
      oin: r.oin,
      naam: r.naam,
      diensten: byAfnemer.get(r.oin) ?? [],
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  // ---------------------------------------------------------------- verwijsindex

  aanmelden(bsn: string, gemeente: string, cluster: Cluster, indDkd: boolean): Promise<AanmeldingResult> {
    return this.#op('aanmelden', async () => {
      if (indDkd) {
        const r = await this.#write((trx) =>
          trx
            .insertInto('aanmelding')
            .values({ bsn, gemeente, cluster, sinds: nowIso() })
            .onConflict((oc) => oc.columns(['bsn', 'gemeente', 'cluster']).doNothing())
            .executeTakeFirst(),
        );
        return { effect: num(r.numInsertedOrUpdatedRows) > 0 ? 'toegevoegd' : 'bestond' };
      }
      const r = await this.#write((trx) =>
        trx
          .deleteFrom('aanmelding')
          .where('bsn', '=', bsn)
          .where('gemeente', '=', gemeente)
          .where('cluster', '=', cluster)
          .executeTakeFirst(),
      );
      return { effect: num(r.numDeletedRows) > 0 ? 'verwijderd' : 'onbekend' };
    });
  }

  verwijzingen(bsn: string): Promise<Verwijzing[]> {
    return this.#op('verwijzingen', async () => {
      // One statement, so both parts come from one snapshot. The levering part is derived
      // from the active generations: nothing is copied at activation.
      const rows = await this.#r
        .selectFrom('aanmelding')
        .select([
          'gemeente',
          'cluster as clusters',
          sql<VerwijzingBron>`'aanmelding'`.as('bron'),
          sql<string>`sinds`.as('sinds'),
        ])
        .where('bsn', '=', bsn)
        .unionAll(
          this.#r
            .selectFrom('dossier as d')
            .crossJoin('generatie as g') // join order pinned, as in getDossiers
            .whereRef('g.id', '=', 'd.generatie_id')
            .select([
              'g.gemeente',
              'd.clusters',
              sql<VerwijzingBron>`'levering'`.as('bron'),
              sql<string>`g.actief_sinds`.as('sinds'),
            ])
            .where('d.bsn', '=', bsn)
            .where('g.status', '=', 'actief'),
        )
        .execute();
      const out: Verwijzing[] = [];
      for (const r of rows) {
        if (r.bron === 'aanmelding') {
          out.push({ gemeente: r.gemeente, cluster: r.clusters, bron: 'aanmelding', sinds: r.sinds });
        } else {
          for (const cluster of decodeClusters(r.clusters)) {
            out.push({ gemeente: r.gemeente, cluster, bron: 'levering', sinds: r.sinds });
          }
        }
      }
      return out.sort(
        (a, b) =>
          cmp(a.gemeente, b.gemeente) ||
          cmp(a.cluster, b.cluster) ||
          cmp(a.bron, b.bron) ||
          cmp(a.sinds, b.sinds),
      );
    });
  }

  verwijsindexTelling(): Promise<{ gemeente: string; bron: VerwijzingBron; aantal: number }[]> {
    return this.#op('verwijsindexTelling', async () => {
      const aanmeldingen = await this.#r
        .selectFrom('aanmelding')
        .select((eb) => ['gemeente', eb.fn.countAll().as('aantal')])
        .groupBy('gemeente')
        .execute();
      // Entries of the levering part are counted per generation as they are written.
      const leveringen = await this.#r
        .selectFrom('generatie')
        .select(['gemeente', 'aantal_verwijzingen'])
        .where('status', '=', 'actief')
        .execute();
      const out: { gemeente: string; bron: VerwijzingBron; aantal: number }[] = [
        ...aanmeldingen.map((r) => ({
          gemeente: r.gemeente,
          bron: 'aanmelding' as const,
          aantal: num(r.aantal),
        })),
        ...leveringen.map((r) => ({
          gemeente: r.gemeente,
          bron: 'levering' as const,
          aantal: num(r.aantal_verwijzingen),
        })),
      ];
      return out.sort((a, b) => cmp(a.gemeente, b.gemeente) || cmp(a.bron, b.bron));
    });
  }

  // ---------------------------------------------------------------- deliveries

  createLevering(input: LeveringInput): Promise<Levering> {
    return this.#op('createLevering', async () => {
      const now = nowIso();
      const row = await this.#write((trx) =>
        trx
          .insertInto('levering')
          .values({
            gemeente: input.gemeente,
            soort: input.soort,
            bestand_hash: input.bestandHash,
            bestandsnaam: input.bestandsnaam ?? null,
            formaat_versie: input.formaatVersie ?? null,
            aangemaakt: input.aangemaakt ?? null,
            ontvangen: now,
            status: input.status ?? 'ontvangen',
            samenvatting: null,
            rapport: null,
            generatie_id: null,
            bijgewerkt: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow(),
      );
      return levering(row);
    });
  }

  updateLevering(id: number, update: LeveringUpdate): Promise<Levering> {
    return this.#op('updateLevering', async () => {
      const set: Updateable<LeveringTable> = { bijgewerkt: nowIso() };
      if (update.status !== undefined) set.status = update.status;
      if (update.samenvatting !== undefined) set.samenvatting = update.samenvatting;
      if (update.rapport !== undefined) set.rapport = update.rapport;
      if (update.generatieId !== undefined) set.generatie_id = update.generatieId;
      if (update.formaatVersie !== undefined) set.formaat_versie = update.formaatVersie;
      if (update.aangemaakt !== undefined) set.aangemaakt = update.aangemaakt;
      if (update.soort !== undefined) set.soort = update.soort;
      if (update.gemeente !== undefined) set.gemeente = update.gemeente;
      if (update.bestandHash !== undefined) set.bestand_hash = update.bestandHash;
      const row = await this.#write((trx) =>
        trx.updateTable('levering').set(set).where('id', '=', id).returningAll().executeTakeFirst(),
      );
      if (row === undefined) throw new StoreError(`store: updateLevering: no levering with id ${id}`);
      return levering(row);
    });
  }

  getLevering(id: number): Promise<Levering | undefined> {
    return this.#op('getLevering', async () => {
      const row = await this.#r.selectFrom('levering').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : levering(row);
    });
  }

  listLeveringen(gemeente?: string, limit = 100): Promise<Levering[]> {
    return this.#op('listLeveringen', async () => {
      let q = this.#r.selectFrom('levering').selectAll().orderBy('id', 'desc').limit(limit);
      if (gemeente !== undefined) q = q.where('gemeente', '=', gemeente);
      return (await q.execute()).map(levering);
    });
  }

  findGeladenLevering(gemeente: string, bestandHash: string): Promise<Levering | undefined> {
    return this.#op('findGeladenLevering', async () => {
      const row = await this.#r
        .selectFrom('levering')
        .selectAll()
        .where('gemeente', '=', gemeente)
        .where('bestand_hash', '=', bestandHash)
        .where('status', '=', 'geladen')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row === undefined ? undefined : levering(row);
    });
  }

  // ---------------------------------------------------------------- generations

  beginGeneratie(gemeente: string, leveringId: number | null): Promise<number> {
    return this.#op('beginGeneratie', async () => {
      const now = nowIso();
      const row = await this.#write((trx) =>
        trx
          .insertInto('generatie')
          .values({
            gemeente,
            levering_id: leveringId,
            status: 'opbouw',
            aangemaakt: now,
            bijgewerkt: now,
            actief_sinds: null,
            vervallen_sinds: null,
            aantal: 0,
            aantal_verwijzingen: 0,
            wijziging: 0,
          })
          .returning('id')
          .executeTakeFirstOrThrow(),
      );
      return num(row.id);
    });
  }

  writeDossiers(generatieId: number, rows: DossierRow[]): Promise<void> {
    return this.#op('writeDossiers', async () => {
      const seen = new Set<string>();
      let verwijzingen = 0;
      const encoded = rows.map((r) => {
        if (seen.has(r.bsn)) throw new StoreError('store: writeDossiers: the batch holds a BSN twice');
        seen.add(r.bsn);
        const clusters = encodeClusters(r.clusters);
        verwijzingen += r.clusters.length;
        return { bsn: r.bsn, clusters, data: r.data };
      });
      try {
        await this.#write(async (trx) => {
          // Checks the state and locks the generation row (PostgreSQL) in one statement;
          // the counters and the heartbeat go with the rows in this transaction.
          const g = await trx
            .updateTable('generatie')
            .set((eb) => ({
              bijgewerkt: nowIso(),
              wijziging: eb('wijziging', '+', 1),
              aantal: eb('aantal', '+', rows.length),
              aantal_verwijzingen: eb('aantal_verwijzingen', '+', verwijzingen),
            }))
            .where('id', '=', generatieId)
            .where('status', '=', 'opbouw')
            .returning('levering_id')
            .executeTakeFirst();
          if (g === undefined) throw notBeingBuilt('writeDossiers', generatieId);
          await this.#insertDossiers(trx, generatieId, g.levering_id, encoded);
        });
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new StoreError(
            `store: writeDossiers: a BSN of the batch is already in generation ${generatieId}`,
          );
        }
        throw err;
      }
    });
  }

  /** Multi-row INSERTs of cached shape, yielding to the event loop between chunks. */
  removeDossiers(generatieId: number, bsns: string[]): Promise<number> {
    return this.#op('removeDossiers', async () => {
      let removed = 0;
      for (const part of chunks(bsns, INSERT_CHUNK)) {
        await this.#write(async (trx) => {
          const g = await trx
            .selectFrom('generatie')
            .select('id')
            .where('id', '=', generatieId)
            .where('status', '=', 'opbouw')
            .executeTakeFirst();
          if (g === undefined) throw notBeingBuilt('removeDossiers', generatieId);
          const gone = await trx
            .deleteFrom('dossier')
            .where('generatie_id', '=', generatieId)
            .where('bsn', 'in', part)
            .returning('clusters')
            .execute();
          if (gone.length === 0) return;
          let verwijzingen = 0;
          for (const d of gone) verwijzingen += decodeClusters(d.clusters).length;
          removed += gone.length;
          await trx
            .updateTable('generatie')
            .set((eb) => ({
              bijgewerkt: nowIso(),
              wijziging: eb('wijziging', '+', 1),
              aantal: eb('aantal', '-', gone.length),
              aantal_verwijzingen: eb('aantal_verwijzingen', '-', verwijzingen),
            }))
            .where('id', '=', generatieId)
            .execute();
        });
      }
      return removed;
    });
  }

  async #insertDossiers(
    trx: Kysely<Database>,
    generatieId: number,
    leveringId: number | null,
    rows: readonly { bsn: string; clusters: string; data: string }[],
    upsert = false,
  ): Promise<void> {
    let first = true;
    for (const part of chunks(rows, INSERT_CHUNK)) {
      if (!first) await yieldToEventLoop();
      first = false;
      const text = this.#statements.sql(`dossier-${upsert ? 'upsert' : 'insert'}-${part.length}`, () => {
        const q = trx
          .insertInto('dossier')
          .values(part.map(() => ({ generatie_id: 0, bsn: '', clusters: '', data: '', levering_id: null })));
        return (
          upsert
            ? q.onConflict((oc) =>
                oc.columns(['generatie_id', 'bsn']).doUpdateSet((eb) => ({
                  clusters: eb.ref('excluded.clusters'),
                  data: eb.ref('excluded.data'),
                  levering_id: eb.ref('excluded.levering_id'),
                })),
              )
            : q
        ).compile();
      });
      const params: unknown[] = [];
      for (const r of part) params.push(generatieId, r.bsn, r.clusters, r.data, leveringId);
      await executeCompiled(trx, text, params);
    }
  }

  activateGeneratie(generatieId: number): Promise<ActivatieResult> {
    return this.#op('activateGeneratie', async () => {
      // The comparison with the previous generation is the expensive part: it runs before
      // the flip, outside the write lock, in chunks. The flip transaction checks that
      // neither generation changed since (change counters) and retries otherwise; after
      // a few lost races it counts inside the transaction.
      for (let attempt = 1; ; attempt++) {
        const optimistic = attempt <= OPTIMISTIC_ATTEMPTS;
        const snap = await this.#activationSnapshot(generatieId);
        const counted = optimistic
          ? await this.#compare(this.#r, generatieId, snap.prev?.id ?? null)
          : undefined;
        try {
          return await this.#write(async (trx): Promise<ActivatieResult> => {
            const now = nowIso();
            const g = await trx
              .updateTable('generatie')
              .set({ bijgewerkt: now })
              .where('id', '=', generatieId)
              .where('status', '=', 'opbouw')
              .returning(['gemeente', 'wijziging'])
              .executeTakeFirst();
            if (g === undefined) throw notBeingBuilt('activateGeneratie', generatieId);
            const prev = await trx
              .updateTable('generatie')
              .set({ status: 'vervallen', vervallen_sinds: now, bijgewerkt: now })
              .where('gemeente', '=', g.gemeente)
              .where('status', '=', 'actief')
              .returning(['id', 'wijziging'])
              .executeTakeFirst();
            const prevId = prev === undefined ? null : num(prev.id);
            let counts = counted;
            if (counts !== undefined) {
              const same =
                num(g.wijziging) === snap.wijziging &&
                prevId === (snap.prev?.id ?? null) &&
                (prev === undefined || num(prev.wijziging) === snap.prev?.wijziging);
              if (!same) throw new ActivationRaced();
            } else {
              counts = await this.#compare(trx, generatieId, prevId);
            }
            await trx
              .updateTable('generatie')
              .set({ status: 'actief', actief_sinds: now, aantal: counts.aantal })
              .where('id', '=', generatieId)
              .execute();
            return {
              generatieId,
              vorigeGeneratieId: prevId,
              toegevoegd: counts.toegevoegd,
              verwijderd: counts.verwijderd,
              aantal: counts.aantal,
            };
          });
        } catch (err) {
          // A lost race, or (counting inside the transaction, read committed) a concurrent
          // activation of the same gemeente that the one-active index caught: try again.
          const raced = err instanceof ActivationRaced || isUniqueViolation(err);
          if (raced && attempt < MAX_ACTIVATION_ATTEMPTS) continue;
          if (raced)
            throw new StoreError(`store: activateGeneratie: generation ${generatieId} lost every race`);
          throw err;
        }
      }
    });
  }

  async #activationSnapshot(generatieId: number): Promise<GeneratieSnapshot> {
    const g = await this.#r
      .selectFrom('generatie')
      .select(['gemeente', 'status', 'wijziging'])
      .where('id', '=', generatieId)
      .executeTakeFirst();
    if (g === undefined || g.status !== 'opbouw') throw notBeingBuilt('activateGeneratie', generatieId);
    const prev = await this.#r
      .selectFrom('generatie')
      .select(['id', 'wijziging'])
      .where('gemeente', '=', g.gemeente)
      .where('status', '=', 'actief')
      .executeTakeFirst();
    return {
      gemeente: g.gemeente,
      wijziging: num(g.wijziging),
      prev: prev === undefined ? null : { id: num(prev.id), wijziging: num(prev.wijziging) },
    };
  }

  /** Counts of the new generation and its BSN difference with the previous one, by anti-joins. */
  async #compare(
    db: Kysely<Database>,
    nieuw: number,
    vorig: number | null,
  ): Promise<{ aantal: number; toegevoegd: number; verwijderd: number }> {
    const a = await this.#antiJoinCount(db, nieuw, vorig);
    if (vorig === null) return { aantal: a.total, toegevoegd: a.total, verwijderd: 0 };
    const b = await this.#antiJoinCount(db, vorig, nieuw);
    return { aantal: a.total, toegevoegd: a.missing, verwijderd: b.missing };
  }

  /**
   * Rows of generation `from`, and how many of their BSNs are not in generation `other`.
   * SQLite: in BSN ranges of COMPARE_CHUNK rows (each statement short, the event loop
   * runs in between). PostgreSQL: one range, i.e. one anti-join the server plans as a
   * whole, running in the server while this process goes on.
   */
  async #antiJoinCount(
    db: Kysely<Database>,
    from: number,
    other: number | null,
  ): Promise<{ total: number; missing: number }> {
    const chunk = this.engine === 'sqlite' ? COMPARE_CHUNK : Number.POSITIVE_INFINITY;
    let total = 0;
    let missing = 0;
    let after: string | null = null;
    for (;;) {
      // The upper end of this range: the chunk-th BSN after the previous range (none: the rest).
      let upto: string | undefined;
      if (Number.isFinite(chunk)) {
        let b = db
          .selectFrom('dossier')
          .select('bsn')
          .where('generatie_id', '=', from)
          .orderBy('bsn')
          .limit(1)
          .offset(chunk - 1);
        if (after !== null) b = b.where('bsn', '>', after);
        upto = (await b.executeTakeFirst())?.bsn;
      }
      const lo = after;
      let all = db
        .selectFrom('dossier as n')
        .select((eb) => eb.fn.countAll().as('c'))
        .where('n.generatie_id', '=', from);
      let absent = db
        .selectFrom('dossier as n')
        .select((eb) => eb.fn.countAll().as('c'))
        .where('n.generatie_id', '=', from)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('dossier as o')
                .select(sql<number>`1`.as('x'))
                .where('o.generatie_id', '=', other ?? 0)
                .whereRef('o.bsn', '=', 'n.bsn'),
            ),
          ),
        );
      if (lo !== null) {
        all = all.where('n.bsn', '>', lo);
        absent = absent.where('n.bsn', '>', lo);
      }
      if (upto !== undefined) {
        all = all.where('n.bsn', '<=', upto);
        absent = absent.where('n.bsn', '<=', upto);
      }
      total += num((await all.executeTakeFirstOrThrow()).c);
      missing += other === null ? 0 : num((await absent.executeTakeFirstOrThrow()).c);
      if (upto === undefined) break;
      after = upto;
      await yieldToEventLoop();
    }
    if (other === null) missing = total;
    return { total, missing };
  }

  abandonGeneratie(generatieId: number): Promise<void> {
    return this.#op('abandonGeneratie', async () => {
      const state = await this.#write(async (trx) => {
        const g = await trx
          .updateTable('generatie')
          .set({ status: 'verwijderd', bijgewerkt: nowIso() })
          .where('id', '=', generatieId)
          .where('status', 'in', ['opbouw', 'verwijderd'])
          .returning('id')
          .executeTakeFirst();
        if (g !== undefined) return 'purge' as const;
        const other = await trx
          .selectFrom('generatie')
          .select('status')
          .where('id', '=', generatieId)
          .executeTakeFirst();
        if (other === undefined) return 'gone' as const;
        throw new StoreError(
          `store: abandonGeneratie: generation ${generatieId} has been activated (status ${other.status}); ` +
            'only a generation that was never activated can be abandoned',
        );
      });
      if (state === 'purge') await this.#purge(generatieId);
    });
  }

  applyMutatie(gemeente: string, leveringId: number | null, ops: MutatieOp[]): Promise<MutatieResult> {
    return this.#op('applyMutatie', () =>
      this.#write(async (trx) => {
        const now = nowIso();
        const gen = await this.#lockOrCreateActive(trx, gemeente, leveringId, now);

        // State before: which BSNs of the mutatie are in the set, with how many clusters.
        const bsns = [...new Set(ops.map((o) => o.bsn))];
        const before = new Map<string, number>();
        for (const part of chunks(bsns, LOOKUP_CHUNK)) {
          const found = await trx
            .selectFrom('dossier')
            .select(['bsn', 'clusters'])
            .where('generatie_id', '=', gen.id)
            .where('bsn', 'in', part)
            .execute();
          for (const f of found) before.set(f.bsn, decodeClusters(f.clusters).length);
        }

        // Apply the operations in order to that state: counts as if applied one by one,
        // and the final state per BSN, written as one delete and one upsert pass.
        const state = new Map(before);
        const final = new Map<string, { bsn: string; clusters: string; data: string } | null>();
        const result: MutatieResult = {
          generatieId: gen.id,
          toegevoegd: 0,
          gewijzigd: 0,
          verwijderd: 0,
          nietGevonden: 0,
        };
        for (const op of ops) {
          if (op.dossier === null) {
            if (state.has(op.bsn)) {
              result.verwijderd++;
              state.delete(op.bsn);
            } else {
              result.nietGevonden++;
            }
            final.set(op.bsn, null);
          } else {
            if (op.dossier.bsn !== op.bsn) {
              throw new StoreError('store: applyMutatie: an operation holds a dossier for another BSN');
            }
            if (state.has(op.bsn)) result.gewijzigd++;
            else result.toegevoegd++;
            state.set(op.bsn, op.dossier.clusters.length);
            final.set(op.bsn, {
              bsn: op.bsn,
              clusters: encodeClusters(op.dossier.clusters),
              data: op.dossier.data,
            });
          }
        }

        const deletes = [...final].filter(([bsn, d]) => d === null && before.has(bsn)).map(([bsn]) => bsn);
        const upserts = [...final.values()].filter((d) => d !== null);
        for (const part of chunks(deletes, LOOKUP_CHUNK)) {
          await trx
            .deleteFrom('dossier')
            .where('generatie_id', '=', gen.id)
            .where('bsn', 'in', part)
            .execute();
          await yieldToEventLoop();
        }
        await this.#insertDossiers(trx, gen.id, leveringId, upserts, true);

        let verwijzingenDelta = 0;
        for (const bsn of final.keys()) verwijzingenDelta += (state.get(bsn) ?? 0) - (before.get(bsn) ?? 0);
        await trx
          .updateTable('generatie')
          .set((eb) => ({
            aantal: eb('aantal', '+', result.toegevoegd - result.verwijderd),
            aantal_verwijzingen: eb('aantal_verwijzingen', '+', verwijzingenDelta),
          }))
          .where('id', '=', gen.id)
          .execute();
        return result;
      }),
    );
  }

  /**
   * Locks the gemeente's active generation for a change (bumping its change counter), or
   * creates an active one when there is none. A concurrent activation can make the first
   * UPDATE miss (PostgreSQL, read committed) and the INSERT conflict on the one-active
   * index; then the next round finds the new active generation.
   */
  async #lockOrCreateActive(
    trx: Kysely<Database>,
    gemeente: string,
    leveringId: number | null,
    now: string,
  ): Promise<{ id: number }> {
    for (let round = 0; round < 5; round++) {
      const locked = await trx
        .updateTable('generatie')
        .set((eb) => ({ wijziging: eb('wijziging', '+', 1), bijgewerkt: now }))
        .where('gemeente', '=', gemeente)
        .where('status', '=', 'actief')
        .returning('id')
        .executeTakeFirst();
      if (locked !== undefined) return { id: num(locked.id) };
      const created = await trx
        .insertInto('generatie')
        .values({
          gemeente,
          levering_id: leveringId,
          status: 'actief',
          aangemaakt: now,
          bijgewerkt: now,
          actief_sinds: now,
          vervallen_sinds: null,
          aantal: 0,
          aantal_verwijzingen: 0,
          wijziging: 1,
        })
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .executeTakeFirst();
      if (created !== undefined) return { id: num(created.id) };
    }
    throw new StoreError('store: applyMutatie: could not lock or create the active generation');
  }

  activeGeneratie(
    gemeente: string,
  ): Promise<{ id: number; leveringId: number | null; actiefSinds: string; aantal: number } | undefined> {
    return this.#op('activeGeneratie', async () => {
      const g = await this.#r
        .selectFrom('generatie')
        .select(['id', 'levering_id', 'actief_sinds', 'aantal'])
        .where('gemeente', '=', gemeente)
        .where('status', '=', 'actief')
        .executeTakeFirst();
      if (g === undefined) return undefined;
      return {
        id: num(g.id),
        leveringId: g.levering_id === null ? null : num(g.levering_id),
        actiefSinds: g.actief_sinds ?? '',
        aantal: num(g.aantal),
      };
    });
  }

  getDossiers(bsn: string, gemeenten?: string[]): Promise<StoredDossier[]> {
    return this.#op('getDossiers', async () => {
      if (gemeenten !== undefined && gemeenten.length === 0) return [];
      // CROSS JOIN pins SQLite's join order: one probe of dossier_bsn, then each row's
      // generation by primary key (PostgreSQL plans it freely, as an inner join).
      let q = this.#r
        .selectFrom('dossier as d')
        .crossJoin('generatie as g')
        .select(DOSSIER_COLUMNS)
        .whereRef('g.id', '=', 'd.generatie_id')
        .where('d.bsn', '=', bsn)
        .where('g.status', '=', 'actief');
      if (gemeenten !== undefined) q = q.where('g.gemeente', 'in', gemeenten);
      return (await q.orderBy('g.gemeente').execute()).map(storedDossier);
    });
  }

  listDossiers(gemeente: string, afterBsn: string | null, limit: number): Promise<StoredDossier[]> {
    return this.#op('listDossiers', async () => {
      // The active generation as a scalar subquery: the page is then one range of the
      // primary key (generatie_id, bsn), in order, without sorting the whole generation.
      let q = this.#r
        .selectFrom('dossier as d')
        .innerJoin('generatie as g', 'g.id', 'd.generatie_id')
        .select(DOSSIER_COLUMNS)
        .where('d.generatie_id', '=', (eb) =>
          eb
            .selectFrom('generatie')
            .select('id')
            .where('gemeente', '=', gemeente)
            .where('status', '=', 'actief'),
        );
      if (afterBsn !== null) q = q.where('d.bsn', '>', afterBsn);
      return (await q.orderBy('d.bsn').limit(limit).execute()).map(storedDossier);
    });
  }

  cleanup(options: CleanupOptions = {}): Promise<number> {
    return this.#op('cleanup', async () => {
      const cutoff = new Date(Date.now() - (options.staleOpbouwMs ?? this.#staleOpbouwMs)).toISOString();
      const candidates = await this.#r
        .selectFrom('generatie')
        .select('id')
        .where((eb) =>
          eb.or([
            eb('status', 'in', ['vervallen', 'verwijderd']),
            eb.and([eb('status', '=', 'opbouw'), eb('bijgewerkt', '<', cutoff)]),
          ]),
        )
        .orderBy('id')
        .execute();
      let removed = 0;
      for (const { id } of candidates) {
        // Re-checked under the lock: a load may have written (heartbeat) since the read.
        const marked = await this.#write((trx) =>
          trx
            .updateTable('generatie')
            .set({ status: 'verwijderd', bijgewerkt: nowIso() })
            .where('id', '=', id)
            .where((eb) =>
              eb.or([
                eb('status', 'in', ['vervallen', 'verwijderd']),
                eb.and([eb('status', '=', 'opbouw'), eb('bijgewerkt', '<', cutoff)]),
              ]),
            )
            .returning('id')
            .executeTakeFirst(),
        );
        if (marked === undefined) continue;
        await this.#purge(num(id));
        removed++;
      }
      return removed;
    });
  }

  /** Deletes the rows of a generation in state 'verwijderd' in short transactions, then the generation. */
  async #purge(generatieId: number): Promise<void> {
    for (;;) {
      const r = await this.#write((trx) =>
        trx
          .deleteFrom('dossier')
          .where('generatie_id', '=', generatieId)
          .where('bsn', 'in', (eb) =>
            eb
              .selectFrom('dossier')
              .select('bsn')
              .where('generatie_id', '=', generatieId)
              .orderBy('bsn')
              .limit(PURGE_CHUNK),
          )
          .executeTakeFirst(),
      );
      if (num(r.numDeletedRows) < PURGE_CHUNK) break;
      await yieldToEventLoop();
    }
    await this.#write((trx) =>
      trx.deleteFrom('generatie').where('id', '=', generatieId).where('status', '=', 'verwijderd').execute(),
    );
  }

  /** Every generation (of one gemeente), newest first. Diagnostics for operators and tests. */
  listGeneraties(gemeente?: string): Promise<GeneratieInfo[]> {
    return this.#op('listGeneraties', async () => {
      let q = this.#r.selectFrom('generatie').selectAll().orderBy('id', 'desc');
      if (gemeente !== undefined) q = q.where('gemeente', '=', gemeente);
      return (await q.execute()).map((g) => ({
        id: num(g.id),
        gemeente: g.gemeente,
        leveringId: g.levering_id === null ? null : num(g.levering_id),
        status: g.status,
        aangemaakt: g.aangemaakt,
        bijgewerkt: g.bijgewerkt,
        actiefSinds: g.actief_sinds,
        vervallenSinds: g.vervallen_sinds,
        aantal: num(g.aantal),
      }));
    });
  }

  /** Dossier rows stored for a generation, whatever its state (a full count: diagnostics). */
  countDossierRows(generatieId: number): Promise<number> {
    return this.#op('countDossierRows', async () => {
      const r = await this.#r
        .selectFrom('dossier')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('generatie_id', '=', generatieId)
        .executeTakeFirstOrThrow();
      return num(r.n);
    });
  }

  // ---------------------------------------------------------------- protocol

  appendProtocol(entry: ProtocolInput): Promise<ProtocolEntry> {
    return this.#op('appendProtocol', () =>
      this.#write(async (trx) => {
        // The UPDATE of the chain head is the lock: concurrent appenders (other processes
        // on PostgreSQL too) queue on this row, so volgnr has no gaps and the chain no forks.
        const head = await trx
          .updateTable('protocol_kop')
          .set({ volgnr: sql<number>`volgnr + 1` })
          .where('id', '=', 1)
          .returning(['volgnr', 'hash'])
          .executeTakeFirst();
        if (head === undefined)
          throw new StoreError('store: appendProtocol: the protocol chain head is missing');
        const e: ProtocolEntry = {
          tijd: entry.tijd,
          bsnSleutel: entry.bsnSleutel,
          inhoud: entry.inhoud,
          volgnr: num(head.volgnr),
          vorigeHash: head.hash,
          hash: '',
        };
        e.hash = protocolHash(e);
        await trx
          .insertInto('protocol')
          .values({
            volgnr: e.volgnr,
            tijd: e.tijd,
            bsn_sleutel: e.bsnSleutel,
            inhoud: e.inhoud,
            vorige_hash: e.vorigeHash,
            hash: e.hash,
          })
          .execute();
        await trx.updateTable('protocol_kop').set({ hash: e.hash }).where('id', '=', 1).execute();
        return e;
      }),
    );
  }

  protocolByBsn(bsnSleutel: string): Promise<ProtocolEntry[]> {
    return this.#op('protocolByBsn', async () =>
      (
        await this.#r
          .selectFrom('protocol')
          .selectAll()
          .where('bsn_sleutel', '=', bsnSleutel)
          .orderBy('volgnr')
          .execute()
      ).map(protocolEntry),
    );
  }

  protocolPage(afterVolgnr: number, limit: number): Promise<ProtocolEntry[]> {
    return this.#op('protocolPage', async () =>
      (
        await this.#r
          .selectFrom('protocol')
          .selectAll()
          .where('volgnr', '>', afterVolgnr)
          .orderBy('volgnr')
          .limit(limit)
          .execute()
      ).map(protocolEntry),
    );
  }

  // ---------------------------------------------------------------- replay protection

  berichtOntvangen(sleutel: string, tot: string, nu: string): Promise<boolean> {
    return this.#op('berichtOntvangen', () =>
      this.#write(async (trx) => {
        // An expired record of the same key is no replay: it is replaced.
        await trx
          .deleteFrom('bericht_ontvangen')
          .where('sleutel', '=', sleutel)
          .where('tot', '<=', nu)
          .execute();
        const r = await trx
          .insertInto('bericht_ontvangen')
          .values({ sleutel, tot })
          .onConflict((oc) => oc.column('sleutel').doNothing())
          .executeTakeFirst();
        return num(r.numInsertedOrUpdatedRows) > 0;
      }),
    );
  }

  vergeetBerichten(nu: string): Promise<number> {
    return this.#op('vergeetBerichten', async () => {
      const r = await this.#write((trx) =>
        trx.deleteFrom('bericht_ontvangen').where('tot', '<=', nu).executeTakeFirst(),
      );
      return num(r.numDeletedRows);
    });
  }

  protocolHead(): Promise<{ volgnr: number; hash: string }> {
    return this.#op('protocolHead', async () => {
      const r = await this.#r
        .selectFrom('protocol_kop')
        .select(['volgnr', 'hash'])
        .where('id', '=', 1)
        .executeTakeFirst();
      if (r === undefined) throw new StoreError('store: protocolHead: the protocol chain head is missing');
      return { volgnr: num(r.volgnr), hash: r.hash };
    });
  }

  // ---------------------------------------------------------------- lifecycle

  schemaVersion(): Promise<string> {
    return this.#op('schemaVersion', async () => {
      const r = await sql<{
        name: string;
      }>`select name from kysely_migration order by name desc limit 1`.execute(this.#r);
      const name = r.rows[0]?.name;
      if (name === undefined) throw new StoreError('store: no migration has been applied');
      return name;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#c.close();
  }
}

const DOSSIER_COLUMNS = [
  'd.bsn',
  'd.clusters',
  'd.data',
  'd.levering_id',
  'd.generatie_id',
  'g.gemeente',
  'g.actief_sinds',
] as const;

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function notBeingBuilt(operation: string, generatieId: number): StoreError {
  return new StoreError(
    `store: ${operation}: generation ${generatieId} is not being built ` +
      '(unknown, or already activated, retired or abandoned)',
  );
}

function storedDossier(
  r: Pick<Selectable<Database['dossier']>, 'bsn' | 'clusters' | 'data' | 'levering_id' | 'generatie_id'> & {
    gemeente: string;
    actief_sinds: string | null;
  },
): StoredDossier {
  return {
    bsn: r.bsn,
    clusters: decodeClusters(r.clusters),
    data: r.data,
    gemeente: r.gemeente,
    generatieId: num(r.generatie_id),
    leveringId: r.levering_id === null ? null : num(r.levering_id),
    actiefSinds: r.actief_sinds ?? '',
  };
}
