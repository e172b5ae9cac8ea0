import { describe, expect, it } from 'vitest';
import { magDataVragen, magLeveren, magVerwijzingMelden } from '../../src/security/authorization.js';

const uwv = {
  diensten: [
    { dienst: 'bijstandsregelingen', versies: ['v0500'] },
    { dienst: 'reintegratie', versies: [] },
  ],
};
const amsterdam = { code: '0363', oin: '00000001999900363000' };

describe('autorisatie per OIN', () => {
  it('an afnemer may ask the services it is registered for', () => {
    expect(magDataVragen(uwv, 'bijstandsregelingen', 'v0500').toegestaan).toBe(true);
    expect(magDataVragen(uwv, 'reintegratie', 'v0200').toegestaan).toBe(true);
  });
  it('an afnemer may not ask a version it is not registered for', () => {
    expect(magDataVragen(uwv, 'bijstandsregelingen', 'v0400')).toMatchObject({ toegestaan: false });
  });
  it('an unregistered party may ask nothing', () => {
    expect(magDataVragen(undefined, 'bijstandsregelingen', 'v0500').toegestaan).toBe(false);
    expect(magDataVragen({ diensten: [] }, 'reintegratie', 'v0200').toegestaan).toBe(false);
  });
  it('a gemeente may register only its own verwijsindex entries', () => {
    expect(magVerwijzingMelden(amsterdam, { cdKolomSuwi: 4, cdPartijSuwi: '0363' }).toegestaan).toBe(true);
    expect(magVerwijzingMelden(amsterdam, { cdKolomSuwi: 4, cdPartijSuwi: '0599' }).toegestaan).toBe(false);
    expect(magVerwijzingMelden(amsterdam, { cdKolomSuwi: 1, cdPartijSuwi: '0363' }).toegestaan).toBe(false);
    expect(magVerwijzingMelden(undefined, { cdKolomSuwi: 4, cdPartijSuwi: '0363' }).toegestaan).toBe(false);
  });
  it('a gemeente may deliver only its own data', () => {
    expect(magLeveren(amsterdam, '0363').toegestaan).toBe(true);
    expect(magLeveren(amsterdam, '0599').toegestaan).toBe(false);
    expect(magLeveren(undefined, '0363').toegestaan).toBe(false);
  });
});
