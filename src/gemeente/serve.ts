/**
 * A gemeente's web service as a process (`dkd gemeente serve`, and the demo's simulated
 * gemeenten): its data from a verzamelbestand, reloaded when the file changes, and, with a
 * hub, the hub's verwijsindex kept in step through IBVerwijsindex.
 */
import { type Stats, unwatchFile, watchFile } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Dispatcher } from 'undici';
import { loadDossiers } from '../batch/reader.js';
import type { Dossier } from '../domain/model.js';
import { buildGemeenteService, inMemorySource, type GemeenteServiceOptions } from './service.js';
import { clustersPerBsn, VerwijsindexSync, type SyncResult } from './verwijsindex-sync.js';

/** The OIN a gemeente has in local work when none is given: recognizable, 20 digits, unique per code. */
export const devGemeenteOin = (code: string) => `000000010000000${code}0`;

export interface GemeenteServerOptions {
  /** How the service is made; `data` is filled in from the file. TLS and signing go here. */
  service: Omit<GemeenteServiceOptions, 'data'>;
  dataFile: string;
  port: number;
  host: string;
  /** The hub whose verwijsindex is kept in step. */
  hubUrl?: string;
  /** How the hub is reached (a TLS client certificate); default: undici's global dispatcher. */
  hubDispatcher?: Dispatcher;
  /**
   * The calls to the hub over two-way TLS, signed, with the hub's signed answers checked:
   * `ChainSecurity.client(hubOin)` of securityFromFlags. Takes precedence over hubDispatcher.
   */
  hubClient?: {
    dispatcher: Dispatcher;
    sign: (envelope: string) => string;
    verify: (raw: string) => string | undefined;
  };
  /** Where the registrations in the hub are remembered between runs; default: beside the data file. */
  stateFile?: string;
  /** How often the file is checked for changes. */
  watchIntervalMs?: number;
  /** Lines for operators (no BSN, no names). */
  log?: (line: string) => void;
}

export interface RunningGemeente {
  app: FastifyInstance;
  url: string;
  clienten: number;
  /** Resolves when the hub's verwijsindex holds the data of the latest load (at once without a hub). */
  synced(): Promise<SyncResult | undefined>;
  close(): Promise<void>;
}

export class GemeenteServeError extends Error {}

async function readFile(file: string, code: string): Promise<Dossier[]> {
  let loaded: Awaited<ReturnType<typeof loadDossiers>>;
  try {
    loaded = await loadDossiers(file);
  } catch (e) {
    throw new GemeenteServeError(`het verzamelbestand is niet te lezen: ${(e as Error).message}`);
  }
  if (loaded.gemeente !== code)
    throw new GemeenteServeError(`het verzamelbestand is van gemeente ${loaded.gemeente}, niet van ${code}`);
  if (loaded.soort !== 'volledig')
    throw new GemeenteServeError('een gemeente serveert een volledig verzamelbestand, geen mutatiebestand');
  return loaded.dossiers;
}

export async function startGemeenteServer(o: GemeenteServerOptions): Promise<RunningGemeente> {
  const log = o.log ?? (() => undefined);
  const code = o.service.code;
  let current = await readFile(o.dataFile, code);
  const source = inMemorySource(current);
  const app = await buildGemeenteService({ ...o.service, data: source });
  const address = await app.listen({ port: o.port, host: o.host });
  const sync = o.hubUrl
    ? new VerwijsindexSync({
        hubUrl: o.hubUrl,
        code,
        from: `${address}/?oin=${o.service.oin}`,
        stateFile: o.stateFile ?? `${o.dataFile}.verwijsindex.json`,
        log: (line, c) =>
          log(
            c.geweigerd
              ? `${line}; de hub weigert: is gemeente ${code} daar geregistreerd met OIN ${o.service.oin}?`
              : line,
          ),
        ...(o.service.sign && { sign: o.service.sign }),
        ...(o.hubDispatcher && { dispatcher: o.hubDispatcher }),
        ...o.hubClient,
      })
    : undefined;
  let lastSync: Promise<SyncResult | undefined> = sync
    ? sync.update(clustersPerBsn(current))
    : Promise.resolve(undefined);

  let reloading: Promise<void> = Promise.resolve();
  const onChange = () => {
    reloading = reloading.then(async () => {
      try {
        current = await readFile(o.dataFile, code);
      } catch (e) {
        // A file being rewritten may be read half-way; the old data stays until a whole one is there.
        log(`gegevens niet herladen: ${(e as Error).message}`);
        return;
      }
      source.replace(current);
      log(`gegevens herladen: ${current.length} clienten`);
      if (sync) lastSync = sync.update(clustersPerBsn(current));
    });
  };
  const watcher = (now: Stats, prev: Stats) => {
    if (now.mtimeMs !== prev.mtimeMs || now.size !== prev.size || now.ino !== prev.ino) onChange();
  };
  watchFile(o.dataFile, { interval: o.watchIntervalMs ?? 1000, persistent: false }, watcher);

  return {
    app,
    url: address,
    get clienten() {
      return current.length;
    },
    async synced() {
      await reloading;
      return lastSync;
    },
    async close() {
      unwatchFile(o.dataFile, watcher);
      sync?.stop();
      await app.close();
    },
  };
}
