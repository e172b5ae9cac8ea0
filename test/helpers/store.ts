/**
 * A fresh store for a test: PostgreSQL in a new uniquely named schema when DATABASE_URL
 * is set, else a SQLite file in a new temp directory. Closing the store drops the schema
 * or removes the directory. Test files run in parallel processes; the unique schema or
 * directory keeps them apart.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { openStore } from '../../src/store/open.js';
import type { StoreOptions } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';

export interface TestStoreLocation {
  readonly engine: 'sqlite' | 'postgres';
  /** Options that open this location again (e.g. in a child process). */
  readonly options: StoreOptions;
  /** Opens (another) store on this location; closing it leaves the location in place. */
  open(extra?: Partial<StoreOptions>): Promise<Store>;
  /** Drops the schema or removes the directory. */
  dispose(): Promise<void>;
}

let counter = 0;

/** A new, empty location (nothing is created until the first open). */
export function createTestLocation(): TestStoreLocation {
  const url = process.env.DATABASE_URL;
  const unique = `${process.pid}_${Date.now().toString(36)}_${(counter++).toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  if (url !== undefined && url !== '') {
    const pgSchema = `t_${unique}`.toLowerCase();
    const options: StoreOptions = { databaseUrl: url, pgSchema };
    return {
      engine: 'postgres',
      options,
      open: (extra) => openStore({ ...options, poolSize: 4, ...extra }),
      async dispose() {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`drop schema if exists "${pgSchema}" cascade`);
        } finally {
          await client.end();
        }
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'dkd-store-'));
  const options: StoreOptions = { file: join(dir, 'dkd.sqlite') };
  return {
    engine: 'sqlite',
    options,
    open: (extra) => openStore({ ...options, ...extra }),
    async dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A store on a fresh location; its close() also disposes of the location. */
export async function openTestStore(extra?: Partial<StoreOptions>): Promise<Store> {
  const location = createTestLocation();
  let store: Store;
  try {
    store = await location.open(extra);
  } catch (err) {
    await location.dispose();
    throw err;
  }
  const close = store.close.bind(store);
  store.close = async () => {
    try {
      await close();
    } finally {
      await location.dispose();
    }
  };
  return store;
}

// ------------------------------------------------------------------ child processes

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST_OPEN = join(ROOT, 'dist', 'store', 'open.js');

/**
 * Makes sure dist/store is compiled from the current src/store (the output of
 * `npm run build` for these files) and returns the file URL of dist/store/open.js.
 * When dist/store is missing or older than a source file, the store's files alone are
 * compiled (they import nothing else of ours) into a temp dir and moved into dist/store
 * file by file (rename is atomic, so a parallel test never imports a half-written file).
 */
export function ensureDistStore(): string {
  const srcDir = join(ROOT, 'src', 'store');
  const distDir = join(ROOT, 'dist', 'store');
  const sources = readdirSync(srcDir).filter((f) => f.endsWith('.ts'));
  const stale = sources.some((f) => {
    const out = join(distDir, f.replace(/\.ts$/, '.js'));
    return !existsSync(out) || statSync(out).mtimeMs < statSync(join(srcDir, f)).mtimeMs;
  });
  if (stale) {
    mkdirSync(join(ROOT, 'dist'), { recursive: true });
    const tmp = mkdtempSync(join(ROOT, 'dist', '.store-build-'));
    try {
      execFileSync(
        process.execPath,
        [
          join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
          '--outDir',
          tmp,
          '--rootDir',
          join(ROOT, 'src'),
          '--module',
          'NodeNext',
          '--moduleResolution',
          'NodeNext',
          '--target',
          'ES2022',
          '--lib',
          'ES2023',
          '--strict',
          '--esModuleInterop',
          '--skipLibCheck',
          '--sourceMap',
          join(srcDir, 'open.ts'),
        ],
        { cwd: ROOT, stdio: 'pipe' },
      );
      mkdirSync(distDir, { recursive: true });
      for (const f of readdirSync(join(tmp, 'store'))) renameSync(join(tmp, 'store', f), join(distDir, f));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return pathToFileURL(DIST_OPEN).href;
}

export interface ChildProcess {
  readonly child: ReturnType<typeof spawn>;
  /** Resolves with the first JSON line of stdout that satisfies the predicate. */
  waitFor<T>(predicate: (msg: Record<string, unknown>) => boolean): Promise<T>;
  /** Resolves when the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs an ES module (source text) in a new node process with the compiled store:
 * `openStore` is in scope, `options` holds the store options, and `send(obj)` writes one
 * JSON line to stdout for the parent.
 */
export function spawnStoreChild(body: string, options: StoreOptions): ChildProcess {
  const distUrl = ensureDistStore();
  const code = [
    `import { openStore } from ${JSON.stringify(distUrl)};`,
    `const options = JSON.parse(process.argv[1]);`,
    `const send = (obj) => process.stdout.write(JSON.stringify(obj) + '\\n');`,
    body,
  ].join('\n');
  const child = spawn(process.execPath, ['--input-type=module', '-e', code, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const messages: Record<string, unknown>[] = [];
  const waiters: { predicate: (m: Record<string, unknown>) => boolean; resolve: (m: unknown) => void }[] = [];
  let stderr = '';
  let buffer = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const msg = JSON.parse(line) as Record<string, unknown>;
      messages.push(msg);
      for (const w of [...waiters]) {
        if (w.predicate(msg)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(msg);
        }
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exited,
    waitFor<T>(predicate: (msg: Record<string, unknown>) => boolean): Promise<T> {
      const seen = messages.find(predicate);
      if (seen !== undefined) return Promise.resolve(seen as T);
      return new Promise<T>((resolve, reject) => {
        waiters.push({ predicate, resolve: (m) => resolve(m as T) });
        void exited.then(({ code, signal }) =>
          reject(
            new Error(`child ended (code ${code}, signal ${signal}) before the expected message: ${stderr}`),
          ),
        );
      });
    },
  };
}
