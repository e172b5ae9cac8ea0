/**
 * Starting the hub as a process: the store, the server with its options, and a clean stop.
 * Used by `dkd serve` and `dkd demo`.
 */
import type { FastifyInstance } from 'fastify';
import { DEV_PROTOCOL_KEY, protocolKey, protocolWriter, type ProtocolKey } from '../audit/protocol.js';
import { openStore, type StoreOptions } from '../store/open.js';
import type { Store } from '../store/types.js';
import { startPage } from '../portal/start-page.js';
import { buildHub, LOGGER_OPTIONS, type HubOptions } from './hub.js';
import { uploadOptionsFromEnv, uploadPlugin } from './upload.js';

export const DEV_HUB_OIN = '00000001000000000001';
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export interface ServeOptions {
  port: number;
  host: string;
  store: StoreOptions | Store;
  insecureDev?: boolean;
  hubOin?: string;
  publicUrl?: string;
  deadlineMs?: number;
  logger?: HubOptions['logger'];
  /**
   * The key of the BSN hashes in the protocol. Required over TLS; in dev mode the public
   * development key is used when none is given.
   */
  protocolKey?: ProtocolKey;
  extra?: Partial<HubOptions>;
}

export interface RunningHub {
  app: FastifyInstance;
  url: string;
  store: Store;
  close(): Promise<void>;
}

export class ServeError extends Error {}

export async function startHubServer(o: ServeOptions): Promise<RunningHub> {
  if (o.insecureDev && !LOOPBACK.has(o.host))
    throw new ServeError(`--insecure-dev luistert alleen op loopback (127.0.0.1, ::1); niet op ${o.host}`);
  if (!o.insecureDev && !o.extra?.identify)
    throw new ServeError(
      'geef --tls-cert, --tls-key en --tls-ca (tweezijdig TLS), of --insecure-dev voor lokaal werk',
    );
  const key = o.protocolKey ?? (o.insecureDev ? protocolKey(DEV_PROTOCOL_KEY) : undefined);
  if (!key)
    throw new ServeError(
      'geen protocolsleutel: zet DKD_PROTOCOL_KEY of DKD_PROTOCOL_KEY_FILE (zie README, Protocollering)',
    );
  if (key.dev && !o.insecureDev)
    throw new ServeError('de openbare ontwikkelsleutel voor het protocol mag alleen met --insecure-dev');
  const ownStore = !('engine' in o.store);
  const store = 'engine' in o.store ? o.store : await openStore(o.store);
  try {
    const scheme = o.extra?.https ? 'https' : 'http';
    const hostForUrl = o.host.includes(':') ? `[${o.host}]` : o.host;
    const publicUrl = o.publicUrl ?? (o.port ? `${scheme}://${hostForUrl}:${o.port}` : undefined);
    const app = await buildHub({
      store,
      hubOin: o.hubOin ?? DEV_HUB_OIN,
      insecureDev: o.insecureDev ?? false,
      logger: o.logger ?? LOGGER_OPTIONS,
      protocol: protocolWriter(store, key),
      ...(publicUrl && { publicUrl }),
      ...(o.deadlineMs !== undefined && { router: { deadlineMs: o.deadlineMs } }),
      ...o.extra,
      // Every hub takes verzamelbestanden over HTTP (configured by DKD_UPLOAD_*).
      plugins: [startPage, uploadPlugin(uploadOptionsFromEnv()), ...(o.extra?.plugins ?? [])],
    });
    const address = await app.listen({ port: o.port, host: o.host });
    const url = o.port ? (publicUrl ?? address) : address;
    return {
      app,
      url,
      store,
      async close() {
        await app.close();
        if (ownStore) await store.close();
      },
    };
  } catch (e) {
    if (ownStore) await store.close();
    throw e;
  }
}
