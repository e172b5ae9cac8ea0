/**
 * Running the `dkd` command as a user does: a real process, with the store of the test
 * (a SQLite file in a temp directory, or, when DATABASE_URL is set, a PostgreSQL schema of
 * its own, selected through the connection string so that the process sees only that).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const DKD = join(fileURLToPath(new URL('../../', import.meta.url)), 'bin', 'dkd.js');

export interface CliEnv {
  dir: string;
  /** The environment for the child processes. */
  env: NodeJS.ProcessEnv;
  /** The SQLite file (used when DATABASE_URL is not set). */
  db: string;
  run(args: string[], cmd?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  spawn(args: string[]): ChildProcess;
  dispose(): Promise<void>;
}

export async function cliEnv(prefix: string): Promise<CliEnv> {
  const dir = mkdtempSync(join(tmpdir(), `dkd-${prefix}-`));
  const env: NodeJS.ProcessEnv = { ...process.env };
  let drop: (() => Promise<void>) | undefined;
  const url = process.env.DATABASE_URL;
  if (url) {
    const schema = `t_${prefix}_${process.pid}_${Date.now().toString(36)}`.toLowerCase();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`create schema "${schema}"`);
    await c.end();
    env.DATABASE_URL = `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    drop = async () => {
      const d = new pg.Client({ connectionString: url });
      await d.connect();
      await d.query(`drop schema if exists "${schema}" cascade`);
      await d.end();
    };
  }
  return {
    dir,
    env,
    db: join(dir, 'dkd.sqlite'),
    run: (args, cmd = process.execPath) =>
      new Promise((r) =>
        execFile(
          cmd,
          cmd === process.execPath ? [DKD, ...args] : args,
          { env, timeout: 60_000 },
          (e, stdout, stderr) =>
            r({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      ),
    spawn: (args) => spawn(process.execPath, [DKD, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] }),
    async dispose() {
      await drop?.();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
