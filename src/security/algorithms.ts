/**
 * The XML Signature algorithms the hub accepts, and the ones xml-crypto lacks out of the box
 * (SHA-224/384 digests, RSA with SHA-224/384, ECDSA), registered through its documented
 * extension points with node:crypto doing the work. SHA-1 and HMAC are never accepted.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyLike } from 'node:crypto';
import {
  createOptionalCallbackFunction,
  type HashAlgorithm,
  type SignatureAlgorithm,
  type SignedXml,
} from 'xml-crypto';

export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';

export const DIGEST = {
  sha224: 'http://www.w3.org/2001/04/xmldsig-more#sha224',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha384: 'http://www.w3.org/2001/04/xmldsig-more#sha384',
  sha512: 'http://www.w3.org/2001/04/xmlenc#sha512',
} as const;

export const SIGNATURE = {
  rsaSha224: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha224',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  rsaSha384: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384',
  rsaSha512: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  ecdsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
  ecdsaSha384: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384',
  ecdsaSha512: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512',
} as const;

const DIGESTS: Record<string, string> = {
  [DIGEST.sha224]: 'sha224',
  [DIGEST.sha256]: 'sha256',
  [DIGEST.sha384]: 'sha384',
  [DIGEST.sha512]: 'sha512',
};

const SIGNATURES: Record<string, { hash: string; key: 'rsa' | 'ec' }> = {
  [SIGNATURE.rsaSha224]: { hash: 'sha224', key: 'rsa' },
  [SIGNATURE.rsaSha256]: { hash: 'sha256', key: 'rsa' },
  [SIGNATURE.rsaSha384]: { hash: 'sha384', key: 'rsa' },
  [SIGNATURE.rsaSha512]: { hash: 'sha512', key: 'rsa' },
  [SIGNATURE.ecdsaSha256]: { hash: 'sha256', key: 'ec' },
  [SIGNATURE.ecdsaSha384]: { hash: 'sha384', key: 'ec' },
  [SIGNATURE.ecdsaSha512]: { hash: 'sha512', key: 'ec' },
};

export function isAllowedDigest(uri: string | null | undefined): boolean {
  return uri != null && uri in DIGESTS;
}

export function isAllowedSignature(uri: string | null | undefined): boolean {
  return uri != null && uri in SIGNATURES;
}

/** The key type ('rsa' or 'ec') a signature algorithm needs. */
export function keyTypeOf(uri: string): 'rsa' | 'ec' | undefined {
  return SIGNATURES[uri]?.key;
}

function digestClass(uri: string, hash: string): new () => HashAlgorithm {
  return class {
    getHash(xml: string): string {
      return createHash(hash).update(xml, 'utf8').digest('base64');
    }
    getAlgorithmName(): string {
      return uri;
    }
  };
}

function signatureClass(uri: string, hash: string, kind: 'rsa' | 'ec'): new () => SignatureAlgorithm {
  // XML Signature writes an ECDSA value as r || s, not as DER (RFC 4050, XMLDSig 1.1).
  const dsaEncoding = kind === 'ec' ? ('ieee-p1363' as const) : undefined;
  return class {
    getSignature = createOptionalCallbackFunction((signedInfo: unknown, privateKey: KeyLike): string =>
      sign(hash, Buffer.from(String(signedInfo), 'utf8'), {
        key:
          typeof privateKey === 'object' && !Buffer.isBuffer(privateKey)
            ? privateKey
            : createPrivateKey(privateKey),
        ...(dsaEncoding && { dsaEncoding }),
      }).toString('base64'),
    );
    verifySignature = createOptionalCallbackFunction(
      (material: string, key: KeyLike, signatureValue: string): boolean =>
        verify(
          hash,
          Buffer.from(material, 'utf8'),
          {
            key: typeof key === 'object' && !Buffer.isBuffer(key) ? key : createPublicKey(key),
            ...(dsaEncoding && { dsaEncoding }),
          },
          Buffer.from(signatureValue, 'base64'),
        ),
    );
    getAlgorithmName(): string {
      return uri;
    }
  };
}

/**
 * Gives a SignedXml exactly the allowed algorithms: exclusive c14n, SHA-224 and stronger,
 * RSA and ECDSA with those. Anything else (SHA-1, HMAC, inclusive c14n, enveloped
 * signature) is then unknown to it and fails, besides the explicit checks in verify.
 */
export function restrictAlgorithms(sx: SignedXml): void {
  const builtinHash = sx.HashAlgorithms;
  const builtinSig = sx.SignatureAlgorithms;
  sx.CanonicalizationAlgorithms = { [EXC_C14N]: sx.CanonicalizationAlgorithms[EXC_C14N]! };
  // xml-crypto's own classes where it has them (SHA-256/512, RSA with those); ours for the rest.
  sx.HashAlgorithms = Object.fromEntries(
    Object.entries(DIGESTS).map(([uri, hash]) => [uri, builtinHash[uri] ?? digestClass(uri, hash)]),
  );
  sx.SignatureAlgorithms = Object.fromEntries(
    Object.entries(SIGNATURES).map(([uri, s]) => [
      uri,
      builtinSig[uri] ?? signatureClass(uri, s.hash, s.key),
    ]),
  );
}
