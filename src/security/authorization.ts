/**
 * The authorization policy per OIN, in one place, so that the SOAP endpoints, the upload
 * endpoint and the portal decide alike:
 *
 * - a data service (Bijstandsregelingen, GSDDossierReintegratie) only for an afnemer that
 *   is registered for that service, and for that version when its registration names
 *   versions (`dkd afnemer add --diensten --versies`); a gemeente that asks is an afnemer too;
 * - the verwijsindex (IBVerwijsindex) only for a registered gemeente, and only for its own
 *   entries: the Bron must be that gemeente (CdKolomSuwi 4, CdPartijSuwi its code);
 * - a delivery (verzamelbestand) only by the gemeente it is for.
 *
 * The caller's OIN is what TLS established (or wsa:From in dev mode); the policy never reads
 * an OIN out of the message body.
 */

/** What the policy needs of an afnemer registration (store `Afnemer`). */
export interface AfnemerRechten {
  diensten: readonly { dienst: string; versies: readonly string[] }[];
}

/** What the policy needs of a gemeente registration (store `Gemeente`). */
export interface GemeenteIdentiteit {
  code: string;
  oin: string;
}

export type Besluit = { toegestaan: true } | { toegestaan: false; reden: string };

const JA: Besluit = { toegestaan: true };
const nee = (reden: string): Besluit => ({ toegestaan: false, reden });

export function magDataVragen(afnemer: AfnemerRechten | undefined, dienst: string, versie: string): Besluit {
  if (!afnemer) return nee('de aanroeper is geen geregistreerde afnemer');
  const d = afnemer.diensten.find((x) => x.dienst === dienst);
  if (!d) return nee(`de afnemer is niet geautoriseerd voor ${dienst}`);
  if (d.versies.length > 0 && !d.versies.includes(versie))
    return nee(`de afnemer is niet geautoriseerd voor versie ${versie} van ${dienst}`);
  return JA;
}

export function magVerwijzingMelden(
  caller: GemeenteIdentiteit | undefined,
  bron: { cdKolomSuwi: number; cdPartijSuwi: string },
): Besluit {
  if (!caller) return nee('de aanroeper is geen geregistreerde gemeente');
  if (bron.cdKolomSuwi !== 4) return nee('de Bron is geen gemeente (CdKolomSuwi 4)');
  if (bron.cdPartijSuwi !== caller.code) return nee('een gemeente mag alleen haar eigen verwijzingen melden');
  return JA;
}

export function magLeveren(caller: GemeenteIdentiteit | undefined, gemeenteCode: string): Besluit {
  if (!caller) return nee('de aanroeper is geen geregistreerde gemeente');
  if (caller.code !== gemeenteCode) return nee('een gemeente mag alleen haar eigen gegevens leveren');
  return JA;
}
