/**
 * Validating and loading a verzamelbestand: one streaming pass over the file (./reader),
 * every record checked (./check), the good ones written to the store as they come, and a
 * processing report (./report) at the end.
 *
 * `volledig` is written into a new generation that no reader sees, and becomes the
 * gemeente's data set in the one short transaction of activateGeneratie: a crash, kill -9
 * or power loss at any moment before it leaves the old set in force (the orphan is removed
 * by the store's cleanup), and readers never see a mix. `mutatie` collects its operations
 * and applies them in one transaction. A file with the same SHA-256 as a file loaded before
 * for the gemeente is not processed again: the report says `ongewijzigd`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { Codetabellen } from '../domain/codetabellen.js';
import { clustersVan } from '../domain/model.js';
import { dossierToJson } from '../domain/json.js';
import type { DossierRow, MutatieOp, Store } from '../store/types.js';
import { RecordChecker } from './check.js';
import { type FormaatVersie, isLive, type SoortLevering } from './format.js';
import { BestandFout, readVerzamelbestand, type KopInfo } from './reader.js';
import { bevinding, MAX_BEVINDINGEN, type Rapport, samenvatting } from './report.js';

export interface VerwerkOptions {
  file: string;
  /** validate checks and loads nothing; ingest loads. */
  modus: 'validate' | 'ingest';
  /** Needed for ingest; for validate it adds the check that the gemeente is registered. */
  store?: Store;
  /** Share of skipped records (percent) above which the whole file is refused; default 10. */
  maxFoutenPct?: number;
  /** Name of the file as the sender knows it (for the report); default the file's base name. */
  bestandsnaam?: string;
  /** SHA-256 of the file when already known (an upload computes it while receiving). */
  sha256?: string;
  /** A delivery created beforehand (upload); otherwise ingest creates one once the Kop is read. */
  leveringId?: number;
  /** The gemeente the file must be from (upload: the caller). */
  verwachteGemeente?: string;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  codes?: Codetabellen;
  now?: () => Date;
  /** The format versions known (default: every version of ./format). */
  versies?: readonly FormaatVersie[];
  /** The reader's fast path (ReadOptions.fastPath); default on unless DKD_FAST_PATH=0. */
  fastPath?: boolean;
}

export const DEFAULT_MAX_FOUTEN_PCT = 10;
/** Dossiers per writeDossiers call: enough to amortise a transaction, few enough to die young in the heap. */
const WRITE_BATCH = 100;

/** The limit from the environment (DKD_MAX_FOUTEN_PCT), else the default. */
export function maxFoutenPctFromEnv(): number {
  const v = process.env.DKD_MAX_FOUTEN_PCT;
  if (v === undefined || v === '') return DEFAULT_MAX_FOUTEN_PCT;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 100)
    throw new RangeError('DKD_MAX_FOUTEN_PCT moet tussen 0 en 100 liggen');
  return n;
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>)
    h.update(chunk);
  return h.digest('hex');
}

/** Stops the pass early: the file was loaded before. */
class AlGeladen extends Error {
  constructor(readonly leveringId: number) {
    super('al geladen');
  }
}

export async function verwerk(o: VerwerkOptions): Promise<Rapport> {
  const now = o.now ?? (() => new Date());
  const store = o.store;
  if (o.modus === 'ingest' && !store) throw new Error('ingest needs a store');
  const maxPct = o.maxFoutenPct ?? DEFAULT_MAX_FOUTEN_PCT;
  const codes = o.codes ?? Codetabellen.load();
  const sha256 = o.sha256 ?? (await sha256File(o.file));
  const r: Rapport = {
    status: o.modus === 'validate' ? 'gevalideerd' : 'geladen',
    modus: o.modus,
    ...(o.leveringId !== undefined && { levering: o.leveringId }),
    bestand: { naam: o.bestandsnaam ?? basename(o.file), sha256, bytes: 0 },
    telling: { records: 0, goed: 0, overgeslagen: 0, dossiers: 0, verwijderingen: 0, bevindingen: 0 },
    bestandsbevindingen: [],
    perRegel: {},
    bevindingen: [],
    bevindingenWeggelaten: 0,
    gestart: now().toISOString(),
    klaar: '',
  };
  const refuse = (regel: string, melding: string, regelnr?: number) => {
    r.status = 'geweigerd';
    r.bestandsbevindingen.push({ regel, melding, ...(regelnr !== undefined && { regelnr }) });
    r.perRegel[regel] = (r.perRegel[regel] ?? 0) + 1;
  };

  let leveringId = o.leveringId;
  let generatie: number | undefined;
  let checker: RecordChecker | undefined;
  let kopInfo: KopInfo | undefined;
  let soort: SoortLevering = 'volledig';
  let rows: DossierRow[] = [];
  const ops: MutatieOp[] = [];
  const loading = o.modus === 'ingest';

  const flush = async () => {
    if (generatie !== undefined && rows.length) {
      const batch = rows;
      rows = [];
      await store!.writeDossiers(generatie, batch);
    }
  };

  try {
    await readVerzamelbestand(o.file, {
      // The file's hash is known already (sha256 above).
      hash: false,
      ...(o.fastPath !== undefined && { fastPath: o.fastPath }),
      ...(o.onProgress && { onProgress: o.onProgress }),
      ...(o.versies && { versies: o.versies }),
      onKop: async (k) => {
        kopInfo = k;
        soort = k.kop.soortLevering as SoortLevering;
        const gemeente = k.kop.cdPartijSuwi;
        r.kop = {
          gemeente,
          soort,
          formaatversie: k.versie.versie,
          aangemaakt: k.kop.datTijdAanmaak,
          aantalRecords: k.kop.aantalRecords,
        };
        if (!isLive(k.versie, now()))
          throw new BestandFout(
            'versie-niet-live',
            `formaatversie ${k.versie.versie} wordt nu niet aangenomen`,
          );
        if (o.verwachteGemeente !== undefined && gemeente !== o.verwachteGemeente)
          throw new BestandFout(
            'gemeente-niet-afzender',
            'de gemeente in de Kop is niet de gemeente die het bestand aanlevert',
          );
        if (store && !(await store.getGemeente(gemeente)))
          throw new BestandFout('gemeente-onbekend', 'de gemeente in de Kop is niet aangemeld bij de hub');
        checker = new RecordChecker({ codes, versie: k.versie, gemeente, soort });
        if (!loading) return;
        const eerder = await store!.findGeladenLevering(gemeente, sha256);
        if (eerder) throw new AlGeladen(eerder.id);
        const meta = {
          gemeente,
          soort,
          formaatVersie: k.versie.versie,
          aangemaakt: k.kop.datTijdAanmaak,
        };
        if (leveringId === undefined) {
          const l = await store!.createLevering({
            ...meta,
            bestandHash: sha256,
            bestandsnaam: r.bestand.naam,
            status: 'verwerken',
          });
          leveringId = l.id;
          r.levering = l.id;
        } else {
          await store!.updateLevering(leveringId, { ...meta, status: 'verwerken' });
        }
        if (soort === 'volledig') generatie = await store!.beginGeneratie(gemeente, leveringId);
      },
      onBatch: async (records) => {
        for (const rec of records) {
          const c = checker!.check(rec);
          r.telling.records++;
          const ok = c.soort !== 'fout';
          if (ok) r.telling.goed++;
          else r.telling.overgeslagen++;
          for (const f of c.findings) {
            r.telling.bevindingen++;
            r.perRegel[f.rule] = (r.perRegel[f.rule] ?? 0) + 1;
            if (r.bevindingen.length < MAX_BEVINDINGEN) r.bevindingen.push(bevinding(f, rec.nr, ok));
            else r.bevindingenWeggelaten++;
          }
          if (c.soort === 'dossier') {
            r.telling.dossiers++;
            if (!loading) continue;
            const row = { bsn: c.bsn, clusters: clustersVan(c.dossier), data: dossierToJson(c.dossier) };
            if (soort === 'volledig') rows.push(row);
            else ops.push({ bsn: c.bsn, dossier: row });
          } else if (c.soort === 'verwijdering') {
            r.telling.verwijderingen++;
            if (loading) ops.push({ bsn: c.bsn, dossier: null });
          }
        }
        if (rows.length >= WRITE_BATCH) await flush();
      },
    }).then((res) => {
      r.bestand.bytes = res.bytes;
    });

    const kop = kopInfo!.kop;
    if (r.telling.records !== kop.aantalRecords)
      refuse(
        'aantal-records-onjuist',
        `de Kop kondigt ${kop.aantalRecords} records aan, het bestand bevat er ${r.telling.records}`,
      );
    const pct = r.telling.records === 0 ? 0 : (100 * r.telling.overgeslagen) / r.telling.records;
    if (pct > maxPct)
      refuse(
        'te-veel-fouten',
        `${r.telling.overgeslagen} van de ${r.telling.records} records zijn afgekeurd (${pct.toFixed(1)} %, de grens is ${maxPct} %)`,
      );
    if (r.status === 'geweigerd' || !loading) {
      if (generatie !== undefined) await store!.abandonGeneratie(generatie);
    } else if (soort === 'volledig') {
      await flush();
      const a = await store!.activateGeneratie(generatie!);
      r.effect = {
        generatie: a.generatieId,
        vorigeGeneratie: a.vorigeGeneratieId,
        dossiers: a.aantal,
        toegevoegd: a.toegevoegd,
        verwijderd: a.verwijderd,
      };
    } else {
      const m = await store!.applyMutatie(kop.cdPartijSuwi, leveringId ?? null, ops);
      r.effect = {
        generatie: m.generatieId,
        toegevoegd: m.toegevoegd,
        gewijzigd: m.gewijzigd,
        verwijderd: m.verwijderd,
        nietGevonden: m.nietGevonden,
      };
    }
  } catch (e) {
    if (generatie !== undefined) await store!.abandonGeneratie(generatie).catch(() => undefined);
    if (e instanceof AlGeladen) {
      r.status = 'ongewijzigd';
      r.bestandsbevindingen.push({
        regel: 'al-geladen',
        melding: `dit bestand is al geladen (levering ${e.leveringId}); er is niets veranderd`,
      });
    } else if (e instanceof BestandFout) {
      refuse(e.rule, e.message, e.line);
      if (e.findings.length)
        r.bestandsbevindingen[r.bestandsbevindingen.length - 1]!.details = e.findings.map((f) =>
          bevinding(f, undefined, false),
        );
    } else {
      if (leveringId !== undefined && store)
        await store
          .updateLevering(leveringId, {
            status: 'mislukt',
            samenvatting: JSON.stringify({ status: 'mislukt' }),
          })
          .catch(() => undefined);
      throw e;
    }
  }
  r.klaar = now().toISOString();
  if (loading && store) {
    const status =
      r.status === 'geweigerd' ? 'geweigerd' : r.status === 'ongewijzigd' ? 'ongewijzigd' : 'geladen';
    const fields = {
      status,
      samenvatting: JSON.stringify(samenvatting(r)),
      rapport: JSON.stringify(r),
      ...(r.effect && { generatieId: r.effect.generatie }),
    } as const;
    if (leveringId !== undefined) await store.updateLevering(leveringId, fields);
    else if (r.kop) {
      // Refused or unchanged before a delivery was made: still keep a record of it.
      const l = await store.createLevering({
        gemeente: r.kop.gemeente,
        soort: r.kop.soort as SoortLevering,
        bestandHash: sha256,
        bestandsnaam: r.bestand.naam,
        formaatVersie: r.kop.formaatversie,
        aangemaakt: r.kop.aangemaakt,
        status,
      });
      r.levering = l.id;
      await store.updateLevering(l.id, { ...fields, rapport: JSON.stringify(r) });
    }
  }
  return r;
}
