/** `dkd gemeente serve`: a gemeente's own web service from a verzamelbestand. */
import { Option, type Command } from 'commander';
import { devGemeenteOin, GemeenteServeError, startGemeenteServer } from '../gemeente/serve.js';
import type { GemeenteServiceOptions } from '../gemeente/service.js';
import { DATA_SERVICES } from '../suwiml/services/index.js';
import { untilSignal } from './hub.js';
import { EXIT, UserError } from './util.js';

export interface GemeenteServeFlags {
  code: string;
  data: string;
  port: string;
  host: string;
  hub?: string;
  oin?: string;
  versie?: string;
  delayMs?: string;
  failRate?: string;
  hang?: boolean;
}

function number(name: string, s: string, ok: (n: number) => boolean): number {
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n) || !ok(n))
    throw new UserError(`${name} heeft een ongeldige waarde`, EXIT.usage);
  return n;
}

/**
 * The gemeente service as the flags describe it: the one place where the command's options
 * become a service (TLS and signing options join here).
 */
export function serviceOptionsFromFlags(f: GemeenteServeFlags): Omit<GemeenteServiceOptions, 'data'> {
  if (!/^[0-9]{4}$/.test(f.code)) throw new UserError('--code moet 4 cijfers zijn', EXIT.usage);
  const oin = f.oin ?? devGemeenteOin(f.code);
  if (!/^[0-9]{20}$/.test(oin)) throw new UserError('--oin moet 20 cijfers zijn', EXIT.usage);
  const versie = f.versie ?? 'v0500';
  const bijstand = DATA_SERVICES.find((s) => s.dienst === 'bijstandsregelingen' && s.versie === versie);
  if (!bijstand)
    throw new UserError(
      `versie ${versie} van Bijstandsregelingen wordt niet ondersteund (beschikbaar: ${DATA_SERVICES.filter(
        (s) => s.dienst === 'bijstandsregelingen',
      )
        .map((s) => s.versie)
        .join(', ')})`,
      EXIT.usage,
    );
  const storing: NonNullable<GemeenteServiceOptions['storing']> = {};
  if (f.delayMs !== undefined)
    storing.delayMs = number('--delay-ms', f.delayMs, (n) => Number.isInteger(n) && n >= 0);
  if (f.failRate !== undefined) storing.failRate = number('--fail-rate', f.failRate, (n) => n >= 0 && n <= 1);
  if (f.hang) storing.hang = true;
  return {
    code: f.code,
    oin,
    services: [bijstand, ...DATA_SERVICES.filter((s) => s.dienst === 'reintegratie')],
    storing,
    logger: true,
  };
}

export function registerGemeenteServeCommand(program: Command): void {
  const gemeente = program.commands.find((c) => c.name() === 'gemeente')!;
  gemeente
    .command('serve')
    .description(
      "a gemeente's own web service from a verzamelbestand (reference implementation and simulator)",
    )
    .requiredOption('--code <code>', 'CBS gemeentecode')
    .requiredOption('--data <file>', 'verzamelbestand to serve; reloaded when it changes')
    .requiredOption('--port <port>', 'port (0: any free port)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--hub <url>',
      "keep this hub's verwijsindex in step through IBVerwijsindex (at start and when the file changes)",
    )
    .option('--oin <oin>', 'OIN of the gemeente (default in local work: 000000010000000<code>0)')
    .addOption(
      new Option('--versie <versie>', 'interface version of Bijstandsregelingen').choices(['v0500', 'v0400']),
    )
    .option('--delay-ms <n>', 'answer after this delay')
    .option('--fail-rate <r>', 'share of questions answered with a server error (0..1)')
    .option('--hang', 'never answer')
    .action(async (f: GemeenteServeFlags) => {
      const service = serviceOptionsFromFlags(f);
      const port = number('--port', f.port, (n) => Number.isInteger(n) && n >= 0 && n <= 65535);
      try {
        const g = await startGemeenteServer({
          service,
          dataFile: f.data,
          port,
          host: f.host,
          ...(f.hub && { hubUrl: f.hub }),
          log: (l) => process.stderr.write(`gemeente ${f.code}: ${l}\n`),
        });
        process.stderr.write(`gemeente ${f.code} luistert op ${g.url} (${g.clienten} clienten)\n`);
        await untilSignal(g.close);
      } catch (e) {
        if (e instanceof GemeenteServeError) throw new UserError(e.message);
        throw e;
      }
    });
}
