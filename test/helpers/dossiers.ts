/** Hand-made dossiers for tests: small, readable, every Bron the given gemeente. */
import { bedrag, type Dossier } from '../../src/domain/model.js';
import { encodeDossier } from '../../src/domain/json.js';
import { clustersVan } from '../../src/domain/model.js';
import type { Store } from '../../src/store/types.js';

export const BSN = {
  gedeeld: '111222333',
  alleenWebservice: '123456782',
  alleenBatch: '100000009',
  alleenCombinatie: '100000010',
  alleenOudeVorm: '100000022',
  onbekend: '999999990',
  partner: '111111110',
} as const;

export function dossier(
  bsn: string,
  gemeente: string,
  o: { naam?: string; reintegratie?: boolean } = {},
): Dossier {
  const bron = { cdKolomSuwi: 4, cdPartijSuwi: gemeente };
  return {
    client: {
      burgerservicenr: bsn,
      voornamen: 'Anna Maria',
      voorletters: 'AM',
      voorvoegsel: 'van der',
      significantDeelVanDeAchternaam: o.naam ?? 'Berg',
      geslacht: '2',
      geboortedat: '19800300',
      cdLeefvorm: '01',
      bron,
    },
    bijstandsregelingen: {
      aanvraagUitkering: [{ datAanvraagUitkering: '20240105', szWet: { cdSzWet: 'PW' }, bron }],
      vordering: [
        {
          identificatienrVordering: `${gemeente}00000000001`,
          cdRedenVordering: '01',
          bedrSaldoVordering: bedrag(-12500),
          szWet: { cdSzWet: 'PW' },
          partnerVordering: [{ burgerservicenr: BSN.partner }],
          bron,
        },
      ],
      specifiekeGegevensBijzBijstand: [],
      uitkeringsverhouding: [
        {
          datBUitkeringsverhouding: '20240201',
          szWet: { cdSzWet: 'PW' },
          inkomstenInvloedOpBijstandUitk: [],
          uitkeringsperiode: [
            {
              datBUitkeringsperiode: '20240201',
              maatregelMbtUitkering: [],
              normbedrag: [{ cdSrtNormbedrag: '01', cdMunteenheid: 'EUR', waardeBedr: 109543n }],
            },
          ],
          bron,
        },
      ],
    },
    ...(o.reintegratie !== false && {
      reintegratie: {
        atlRelatie: [{ reIntegratievoorziening: [{ datBRv: '20240301', cdTypeRvGsd: '01' }], bron }],
        participatieladder: [{ tredeParticipatieladder: 3, datVaststellingTrede: '20240315', bron }],
      },
    }),
  } as unknown as Dossier;
}

/**
 * The keyed form in which versions before the compact form stored a dossier (JSON.stringify
 * of the model, amounts as decimal strings): stores written then must keep answering.
 */
export function keyedForm(d: Dossier): string {
  return JSON.stringify(d, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/**
 * Loads dossiers as a gemeente's delivered data set (a new, activated generation), in the
 * stored form of today or, with `vorm: 'sleutels'`, in the keyed form of earlier versions.
 */
export async function loadDataset(
  store: Store,
  gemeente: string,
  dossiers: Dossier[],
  o: { vorm?: 'compact' | 'sleutels' } = {},
): Promise<void> {
  const id = await store.beginGeneratie(gemeente, null);
  await store.writeDossiers(
    id,
    dossiers.map((d) => ({
      bsn: d.client.burgerservicenr,
      clusters: clustersVan(d),
      data: o.vorm === 'sleutels' ? keyedForm(d) : encodeDossier(d),
    })),
  );
  await store.activateGeneratie(id);
}
