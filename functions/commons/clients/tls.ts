/** The extra CA a deployment may trust (a TLS-inspecting proxy), read from the file EXTRA_CA_PEM_FILE names. */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { optionalSetting } from '../config';

export function extraCaPem(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = optionalSetting('EXTRA_CA_PEM_FILE', env);
  return file ? readFileSync(file, 'utf8') : undefined;
}

/** TLS options trusting the system roots and the extra CA, or nothing when there is none. */
export function extraCaTlsOptions(env: NodeJS.ProcessEnv = process.env): { tlsOptions?: { ca: string[] } } {
  const extra = extraCaPem(env);
  return extra ? { tlsOptions: { ca: [...rootCertificates, extra] } } : {};
}
