/**
 * The Worker of validate/ingest: runs the reading half (./lezen) on its own thread and
 * posts the Kop, the rows and the end to the main thread (./ingest), which owns the store.
 * The protocol is in ./worker-protocol. Never logs: findings may hold personal data.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Codetabellen } from '../domain/codetabellen.js';
import { type FormaatVersie, versieByNaam } from './format.js';
import { leesEnControleer, nieuwDeel, nieuwPerRecord, type PerRecord } from './lezen.js';
import { foutNaarData, type NaarMain, type NaarWorker, type WorkerData } from './worker-protocol.js';

/** Report progress at most once per this many bytes read. */
const VOORTGANG_BYTES = 1 << 20;

const port = parentPort!;
const d = workerData as WorkerData;
const post = (m: NaarMain) => port.postMessage(m);

/** The typed arrays of the end message move to the main thread instead of being copied. */
function overdracht(gezien?: Int32Array, per?: PerRecord): ArrayBuffer[] {
  const list = [gezien?.buffer, per?.bsn.buffer, per?.line.buffer, per?.flags.buffer];
  return list.filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}

let krediet = d.krediet;
let wachtOpKrediet: (() => void) | undefined;
let grensAntwoord: ((stop: boolean) => void) | undefined;
port.on('message', (m: NaarWorker) => {
  if (m.t === 'krediet') {
    krediet++;
    wachtOpKrediet?.();
    wachtOpKrediet = undefined;
  } else if (m.t === 'grens') {
    grensAntwoord?.(m.stop);
    grensAntwoord = undefined;
  }
});

/** Posts a batch once a credit is free: the main thread never has more than `krediet` waiting. */
async function stuur(m: NaarMain): Promise<void> {
  while (krediet === 0) await new Promise<void>((resolve) => (wachtOpKrediet = resolve));
  krediet--;
  post(m);
}

const deel = nieuwDeel();
const perRecord = d.perRecord ? nieuwPerRecord() : undefined;
try {
  const versies = d.versies?.map((n) => versieByNaam(n)).filter((v): v is FormaatVersie => !!v);
  const codes = d.codes ? new Codetabellen(d.codes) : Codetabellen.load();
  let gemeld = 0;
  const res = await leesEnControleer(
    {
      file: d.file,
      loading: d.loading,
      codes,
      ...(versies && { versies }),
      batch: d.batch,
      fastPath: d.fastPath,
      ...(d.deel && { deel: d.deel }),
      ...(perRecord && { perRecord }),
      // The first part asks the main thread whether to stop at the place between the parts.
      onGrens: (g) =>
        new Promise<boolean>((resolve) => {
          grensAntwoord = resolve;
          post({ t: 'grens', ...g });
        }),
      // The main thread checks the Kop; when it refuses, it terminates this thread.
      onKop: (k) => post({ t: 'kop', versie: k.versie.versie, kop: k.kop }),
      onRijen: (rows) => stuur({ t: 'rijen', rows }),
      onOps: (ops) => stuur({ t: 'ops', ops }),
      ...(d.voortgang && {
        onProgress: (bytes: number, total: number) => {
          if (bytes - gemeld < VOORTGANG_BYTES && bytes < total) return;
          gemeld = bytes;
          post({ t: 'voortgang', bytes, total });
        },
      }),
    },
    deel,
  );
  port.postMessage({ t: 'klaar', ...res, deel } satisfies NaarMain, overdracht(res.gezien, res.perRecord));
} catch (e) {
  port.postMessage(
    { t: 'fout', fout: foutNaarData(e), deel, ...(perRecord && { perRecord }) } satisfies NaarMain,
    overdracht(undefined, perRecord),
  );
}
// Nothing is left to wait for: closing the port lets the thread end.
port.close();
