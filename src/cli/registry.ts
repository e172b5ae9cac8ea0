/** `dkd gemeente add|list` and `dkd afnemer add|list`: the registry of gemeenten and chain partners. */
import type { Command } from 'commander';
import { DIENSTEN, METHODEN, type Dienst, type GemeenteEndpoint, type Methode } from '../store/types.js';
import { DATA_SERVICES } from '../suwiml/services/index.js';
import { DB_OPTION, EXIT, printJson, printTable, UserError, withStore } from './util.js';

const OIN = /^[0-9]{20}$/;
const CODE = /^[0-9]{4}$/;

function parseDiensten(s: string): Dienst[] {
  const ds = s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  for (const d of ds)
    if (!(DIENSTEN as readonly string[]).includes(d))
      throw new UserError(`onbekende dienst ${d}; kies uit ${DIENSTEN.join(', ')}`, EXIT.usage);
  return ds as Dienst[];
}

function endpointsFor(
  endpoint: string | undefined,
  versie: string | undefined,
  reintegratieEndpoint?: string,
  reintegratieVersie?: string,
): GemeenteEndpoint[] {
  const out: GemeenteEndpoint[] = [];
  const add = (dienst: 'bijstandsregelingen' | 'reintegratie', url: string, v: string | undefined) => {
    try {
      new URL(url);
    } catch {
      throw new UserError(`--endpoint is geen geldige URL`, EXIT.usage);
    }
    const known = DATA_SERVICES.filter((s) => s.dienst === dienst).map((s) => s.versie);
    const versie = v ?? known.sort().at(-1)!;
    if (!known.includes(versie))
      throw new UserError(
        `versie ${versie} van ${dienst} wordt niet ondersteund (${known.join(', ')})`,
        EXIT.usage,
      );
    out.push({ dienst, url: url.replace(/\/+$/, ''), versie });
  };
  if (endpoint) {
    // One base URL serves both data services at their standard paths, as `dkd gemeente serve` does.
    const base = endpoint.replace(/\/+$/, '');
    const br = DATA_SERVICES.find(
      (s) => s.dienst === 'bijstandsregelingen' && s.versie === (versie ?? 'v0500'),
    );
    if (!br)
      throw new UserError(`versie ${versie} van bijstandsregelingen wordt niet ondersteund`, EXIT.usage);
    add('bijstandsregelingen', `${base}/${br.path}`, br.versie);
    add(
      'reintegratie',
      reintegratieEndpoint ?? `${base}/GSDDossierReintegratie-${reintegratieVersie ?? 'v0200'}`,
      reintegratieVersie,
    );
  }
  return out;
}

export function registerRegistryCommands(program: Command): void {
  const gemeente = program.commands.find((c) => c.name() === 'gemeente')!;

  gemeente
    .command('add')
    .description('register or update a gemeente')
    .requiredOption('--code <code>', 'CBS gemeentecode (CdPartijSuwi), 4 digits')
    .requiredOption('--naam <naam>', 'name of the gemeente')
    .requiredOption('--oin <oin>', 'OIN, 20 digits')
    .requiredOption('--methode <methode>', `delivery method: ${METHODEN.join(' | ')}`)
    .option('--endpoint <url>', 'base URL of the gemeente web service (webservice and combinatie)')
    .option('--versie <versie>', 'interface version of its Bijstandsregelingen service', 'v0500')
    .option(
      '--reintegratie-endpoint <url>',
      'full URL of its GSDDossierReintegratie service, when not at the base URL',
    )
    .option(
      '--reintegratie-versie <versie>',
      'interface version of its GSDDossierReintegratie service',
      'v0200',
    )
    .option('--deadline-ms <ms>', 'its own deadline within the overall deadline')
    .option(...DB_OPTION)
    .option('--json', 'print the result as JSON')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const code = String(o.code);
      if (!CODE.test(code)) throw new UserError('--code moet 4 cijfers zijn', EXIT.usage);
      if (!OIN.test(String(o.oin))) throw new UserError('--oin moet 20 cijfers zijn', EXIT.usage);
      const methode = String(o.methode) as Methode;
      if (!METHODEN.includes(methode))
        throw new UserError(`--methode moet een van ${METHODEN.join(', ')} zijn`, EXIT.usage);
      if (methode !== 'batch' && !o.endpoint)
        throw new UserError(`een gemeente met methode ${methode} heeft een --endpoint nodig`, EXIT.usage);
      const deadlineMs = o.deadlineMs === undefined ? null : Number(o.deadlineMs);
      if (deadlineMs !== null && !(Number.isInteger(deadlineMs) && deadlineMs > 0))
        throw new UserError('--deadline-ms moet een positief geheel getal zijn', EXIT.usage);
      const endpoints = endpointsFor(
        o.endpoint as string | undefined,
        o.versie as string | undefined,
        o.reintegratieEndpoint as string | undefined,
        o.reintegratieVersie as string | undefined,
      );
      const g = await withStore({ db: o.db as string | undefined }, (s) =>
        s.upsertGemeente({ code, naam: String(o.naam), oin: String(o.oin), methode, deadlineMs, endpoints }),
      );
      if (o.json) printJson(g);
      else process.stdout.write(`gemeente ${g.code} ${g.naam} (${g.methode}) geregistreerd\n`);
    });

  gemeente
    .command('list')
    .description('the registry of gemeenten')
    .option(...DB_OPTION)
    .option('--json', 'print the registry as JSON')
    .action(async (o: { db?: string; json?: boolean }) => {
      const { gemeenten, actief } = await withStore(o, async (s) => {
        const gemeenten = await s.listGemeenten();
        const actief = await Promise.all(gemeenten.map((g) => s.activeGeneratie(g.code)));
        return { gemeenten, actief };
      });
      if (o.json) {
        printJson(gemeenten.map((g, i) => ({ ...g, dataset: actief[i] ?? null })));
        return;
      }
      printTable(
        ['code', 'naam', 'oin', 'methode', 'deadline', 'endpoints', 'dataset'],
        gemeenten.map((g, i) => [
          g.code,
          g.naam,
          g.oin,
          g.methode,
          g.deadlineMs === null ? 'standaard' : `${g.deadlineMs} ms`,
          g.endpoints.map((e) => `${e.dienst} ${e.versie} ${e.url}`).join('; ') || '-',
          actief[i] ? `${actief[i]!.aantal} clienten sinds ${actief[i]!.actiefSinds}` : '-',
        ]),
      );
    });

  const afnemer = program.commands.find((c) => c.name() === 'afnemer')!;
  afnemer
    .command('add')
    .description('authorize a chain partner (UWV, SVB, a gemeente as asker) for services')
    .requiredOption('--oin <oin>', 'OIN of the party, 20 digits')
    .requiredOption('--naam <naam>', 'name of the party')
    .option(
      '--diensten <list>',
      `comma-separated services: ${DIENSTEN.filter((d) => d !== 'verwijsindex').join(',')}`,
      'bijstandsregelingen,reintegratie',
    )
    .option('--versies <list>', 'comma-separated versions it may ask (default: every supported version)')
    .option(...DB_OPTION)
    .option('--json', 'print the result as JSON')
    .action(
      async (o: {
        oin: string;
        naam: string;
        diensten: string;
        versies?: string;
        db?: string;
        json?: boolean;
      }) => {
        if (!OIN.test(o.oin)) throw new UserError('--oin moet 20 cijfers zijn', EXIT.usage);
        const versies = o.versies ? o.versies.split(',').map((v) => v.trim()) : [];
        const a = await withStore(o, (s) =>
          s.upsertAfnemer({
            oin: o.oin,
            naam: o.naam,
            diensten: parseDiensten(o.diensten).map((dienst) => ({ dienst, versies })),
          }),
        );
        if (o.json) printJson(a);
        else
          process.stdout.write(
            `afnemer ${a.naam} (${a.oin}) mag vragen: ${a.diensten.map((d) => d.dienst).join(', ')}\n`,
          );
      },
    );

  afnemer
    .command('list')
    .description('the authorized chain partners')
    .option(...DB_OPTION)
    .option('--json', 'print as JSON')
    .action(async (o: { db?: string; json?: boolean }) => {
      const list = await withStore(o, (s) => s.listAfnemers());
      if (o.json) printJson(list);
      else
        printTable(
          ['oin', 'naam', 'diensten'],
          list.map((a) => [
            a.oin,
            a.naam,
            a.diensten
              .map((d) => d.dienst + (d.versies.length ? ` (${d.versies.join(',')})` : ''))
              .join(', '),
          ]),
        );
    });
}
