/**
 * Clients kept for the life of the execution environment, as Lambda functions keep what they build at cold start.
 * The key is the settings they were built from, the environment's log stream among them (Lambda gives each
 * execution environment its own), so clients built for other settings are never handed out: a new endpoint, a
 * rotated CA file or a new environment builds anew. One entry per name: the previous one is dropped.
 */
const SETTINGS = [
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_ENDPOINT_URL',
  'AZURE_CREDENTIAL_SECRET_ARN',
  'AZURE_ARM_ENDPOINT',
  'AZURE_AUTHORITY_HOST',
  'EXTRA_CA_PEM_FILE',
];

const kept = new Map<string, { key: string; value: unknown }>();

function settingsKey(env: NodeJS.ProcessEnv): string {
  const endpoints = Object.keys(env)
    .filter((name) => name.startsWith('AWS_ENDPOINT_URL_'))
    .sort();
  return JSON.stringify([...SETTINGS, ...endpoints].map((name) => env[name] ?? null));
}

export function forThisEnvironment<T>(name: string, build: () => T, env: NodeJS.ProcessEnv = process.env): T {
  const key = settingsKey(env);
  const found = kept.get(name);
  if (found && found.key === key) return found.value as T;
  const value = build();
  kept.set(name, { key, value });
  return value;
}
