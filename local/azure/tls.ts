/**
 * TLS material for the emulated Azure endpoints, generated at start (nothing is checked in).
 *
 * The Azure SDK's bearer-token policy refuses plain http and the OpenAI data plane is https-only, so the
 * emulator speaks TLS with a throwaway CA. Clients trust that CA explicitly (see server.ts for how); the
 * server certificate names every host the product talks to, so hostname checks pass unchanged.
 */
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

export interface LocalTls {
  /** The CA certificate clients must trust (PEM). */
  caPem: string;
  /** The server certificate, signed by the CA (PEM). */
  certPem: string;
  /** The server certificate's private key (PKCS#8 PEM). */
  keyPem: string;
}

/** Hosts the server certificate is valid for. */
export const LOCAL_TLS_DNS_NAMES = [
  'localhost',
  'management.azure.com',
  '*.openai.azure.com',
  '*.privatelink.openai.azure.com',
];
export const LOCAL_TLS_IPS = ['127.0.0.1'];

const crypto = webcrypto;
x509.cryptoProvider.set(crypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

// ECDSA P-256: generation takes milliseconds, where RSA-2048 can take a second or more per key.
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

function serial(): string {
  // Positive, non-zero serial number (the high bit clear keeps it positive in DER).
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}

async function generate(): Promise<LocalTls> {
  const notBefore = new Date(Date.now() - 60 * 60 * 1000);
  const notAfter = new Date(Date.now() + 30 * 24 * 60 * 60 * 1000);

  const caKeys = (await crypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=aoai-private-link local emulator CA',
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const serverKeys = (await crypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=management.azure.com',
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...LOCAL_TLS_IPS.map((value) => ({ type: 'ip' as const, value })),
        ...LOCAL_TLS_DNS_NAMES.map((value) => ({ type: 'dns' as const, value })),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca, false),
      await x509.SubjectKeyIdentifierExtension.create(serverKeys.publicKey),
    ],
  });

  const keyDer = await crypto.subtle.exportKey('pkcs8', serverKeys.privateKey);
  return {
    caPem: ca.toString('pem') + '\n',
    certPem: server.toString('pem') + '\n',
    keyPem: toPem(keyDer, 'PRIVATE KEY'),
  };
}

let cached: Promise<LocalTls> | undefined;

/** The CA and server certificate for this process, generated once and shared by every emulator started in it. */
export function createLocalTls(): Promise<LocalTls> {
  cached ??= generate().catch((err) => {
    cached = undefined; // let a later call try again rather than caching the failure
    throw err;
  });
  return cached;
}
