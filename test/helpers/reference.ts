/**
 * The published Suwi-ML definitions in ../shared/reference/suwiml (never copied into the
 * project) and xmllint, for checking what the codecs write against the real XSD.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const REFERENCE_DIR = path.resolve(
  process.env.DKD_SUWIML_REF ??
    path.join(import.meta.dirname, '..', '..', '..', 'shared', 'reference', 'suwiml'),
);

const DIRS: Record<string, string> = {
  'Bijstandsregelingen-v0500': 'Bijstandsregelingen-v0500-b04/Diensten/Bijstandsregelingen/v0500-b04',
  'GSDDossierReintegratie-v0200':
    'GSDDossierReintegratie-v0200-b04/Diensten/GSDDossierReintegratie/v0200-b04',
  'IBVerwijsindex-v0300': 'IBVerwijsindex-v0300-b01/Diensten/IBVerwijsindex/v0300-b01',
};

export function schemaFor(servicePath: string, kind: 'action' | 'reaction' | 'fwi'): string {
  const dir = DIRS[servicePath];
  if (!dir) throw new Error(`no reference for ${servicePath}`);
  if (kind === 'fwi') return path.join(REFERENCE_DIR, dir, '..', '..', '..', 'FWI', 'v0205', 'FWI.xsd');
  return path.join(REFERENCE_DIR, dir, kind === 'action' ? 'BodyAction.xsd' : 'BodyReaction.xsd');
}

export function requireReference(): void {
  if (!existsSync(REFERENCE_DIR))
    throw new Error(`the Suwi-ML reference is not at ${REFERENCE_DIR} (set DKD_SUWIML_REF)`);
  const r = spawnSync('xmllint', ['--version']);
  if (r.error) throw new Error('xmllint is not installed (Debian: libxml2-utils)');
}

export interface XsdResult {
  ok: boolean;
  failures: { file: string; messages: string[] }[];
}

/** Validates documents against one XSD with xmllint; returns which failed and why. */
export function xmllint(xsd: string, docs: { name: string; xml: string }[]): XsdResult {
  const dir = mkdtempSync(path.join(tmpdir(), 'dkd-xsd-'));
  const files = docs.map((d) => {
    const f = path.join(dir, d.name);
    writeFileSync(f, d.xml);
    return f;
  });
  const r = spawnSync('xmllint', ['--noout', '--nonet', '--schema', xsd, ...files], {
    cwd: path.dirname(xsd),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const failures: XsdResult['failures'] = [];
  const lines = (r.stderr ?? '').split('\n');
  for (const f of files) {
    if (lines.some((l) => l === `${f} validates`)) continue;
    failures.push({ file: path.basename(f), messages: lines.filter((l) => l.startsWith(f)).slice(0, 5) });
  }
  return { ok: r.status === 0 && failures.length === 0, failures };
}

export function xmllintVersion(): string {
  return (
    execFileSync('xmllint', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split(
      '\n',
    )[0] ?? ''
  );
}
