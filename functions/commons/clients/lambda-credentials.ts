/**
 * Bundled in place of the SDK's default credential chain (cdk/bundles.ts, FUNCTION_BUNDLE_ALIASES): in Lambda
 * the execution role's credentials are always in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN), the chain's first link, so the bundles ship that link only and not the SSO, STS, INI and
 * process providers behind it.
 */
export { fromEnv as defaultProvider } from '@aws-sdk/credential-provider-env';
