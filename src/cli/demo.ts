/** `dkd demo`: the hub with simulated gemeenten, one per delivery method. */
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { LOGGER_OPTIONS } from '../http/hub.js';
import { ServeError } from '../http/start.js';
import { startDemo } from '../sim/demo.js';
import { DEFAULT_SQLITE_FILE, storeOptionsFromEnv } from '../store/open.js';
import { untilSignal } from './hub.js';
import { DB_OPTION, EXIT, printJson, UserError } from './util.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the hub with simulated gemeenten (one per delivery method) and synthetic clients')
    .option('--port <port>', 'port of the hub (0: any free port)', '8080')
    .option('--host <host>', 'loopback address to listen on', '127.0.0.1')
    .option(...DB_OPTION)
    .option('--clients <n>', 'clients per gemeente', '200')
    .option('--json', 'print the URLs and example BSNs as one JSON document')
    .action(async (o: { port: string; host: string; db?: string; clients: string; json?: boolean }) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UserError(`ongeldige poort ${o.port}`, EXIT.usage);
      const clients = Number(o.clients);
      if (!Number.isInteger(clients) || clients < 20 || clients > 100_000)
        throw new UserError('--clients moet een geheel getal van 20 tot 100000 zijn', EXIT.usage);
      const store = storeOptionsFromEnv(o.db);
      const say = (l: string) => process.stderr.write(`demo: ${l}\n`);
      let demo;
      try {
        demo = await startDemo({
          port,
          host: o.host,
          store,
          dataDir: dirname(o.db ?? DEFAULT_SQLITE_FILE),
          clients,
          // Warnings and errors only, on stderr: stdout carries what the demo prints.
          logger: { ...LOGGER_OPTIONS, level: 'warn', stream: process.stderr },
          log: say,
        });
      } catch (e) {
        if (e instanceof ServeError) throw new UserError(e.message, EXIT.usage);
        if ((e as { code?: string }).code === 'EADDRINUSE')
          throw new UserError(`poort ${port} is al in gebruik; kies een andere met --port`);
        throw e;
      }
      const v = demo.voorbeelden;
      if (o.json) {
        printJson({
          portal: demo.portal,
          store: store.databaseUrl ? 'postgres' : store.file,
          soap: demo.soap,
          gemeenten: demo.gemeenten,
          voorbeelden: v,
        });
      } else {
        const lines = [
          `DKD demo draait (store: ${store.databaseUrl ? 'PostgreSQL' : store.file})`,
          '',
          `Portaal:  ${demo.portal}`,
          'SOAP:',
          ...demo.soap.map((s) => `  ${s.url}   (WSDL: ${s.wsdl})`),
          'Gemeenten:',
          ...demo.gemeenten.map(
            (g) =>
              `  ${g.code} ${g.naam.padEnd(10)} ${g.methode.padEnd(11)} ${g.clienten} clienten${g.url ? `, webservice ${g.url}` : ''}`,
          ),
          "Voorbeeld-BSN's:",
          `  ${v.alleGemeenten}  bekend bij alle drie de gemeenten (batch, webservice en combinatie)`,
          `  ${v.alleenWebservice}  alleen bij 0599 (webservice)`,
          `  ${v.alleenBatch}  alleen bij 0363 (batch)`,
          `  ${v.onbekend}  bij geen enkele gemeente (NietsGevonden)`,
          '',
          `Probeer: npx dkd query --url ${demo.portal.replace(/\/$/, '')} --bsn ${v.alleGemeenten}`,
          'Stoppen: Ctrl-C',
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      await untilSignal(demo.close);
      say('gestopt');
    });
}
