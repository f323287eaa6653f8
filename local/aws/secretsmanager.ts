/**
 * Secrets Manager (JSON 1.1). ClientRequestToken is the idempotency key (the SDK fills one in when the caller
 * does not), and the new version's id is that token, as in the real service.
 *
 * DeleteSecret schedules the deletion (RecoveryWindowInDays 7..30, default 30): the secret is then readable by
 * DescribeSecret only (with DeletedDate), its value and every write are refused with InvalidRequestException,
 * its name cannot be created again, and RestoreSecret brings it back; once the window has passed it no longer
 * exists. ForceDeleteWithoutRecovery removes it at once, scheduled or not.
 */
import type { EmulatorContext } from '../cloud/context';
import type { Secret, Tag } from '../cloud/state';
import { AwsServiceError } from './errors';
import { digest, epochSeconds, nextCounter, uuidFrom } from './ids';
import type { JsonAction, JsonHandler } from './json-protocol';
import { mergeTags } from './query';

const notFound = () => new AwsServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
const invalidParameter = (message: string) => new AwsServiceError('InvalidParameterException', message);
const invalidRequest = (message: string) => new AwsServiceError('InvalidRequestException', message);

/** The six characters Secrets Manager appends to a secret's ARN. */
function arnSuffix(seed: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = Buffer.from(digest(seed), 'hex');
  return Array.from(bytes.subarray(0, 6), (b) => alphabet[b % alphabet.length]).join('');
}

const SECONDS_PER_DAY = 86_400;

/** False once the recovery window of a scheduled deletion has ended: the service has deleted it. */
function stillExists(ctx: EmulatorContext, secret: Secret): boolean {
  return secret.DeletionDate === undefined || ctx.clock.now() < secret.DeletionDate;
}

/** A secret by name, full ARN, or ARN without the random suffix. */
function findSecret(ctx: EmulatorContext, secretId: string | undefined): Secret {
  if (!secretId) throw invalidParameter('1 validation error detected: SecretId must not be null');
  const secret = ctx.state.aws.secrets.find(
    (s) => stillExists(ctx, s) && (s.Name === secretId || s.ARN === secretId || s.ARN.slice(0, -7) === secretId),
  );
  if (!secret) throw notFound();
  return secret;
}

function requireLive(secret: Secret): void {
  if (secret.DeletedDate !== undefined) {
    throw invalidRequest("You can't perform this operation on the secret because it was marked for deletion.");
  }
}

function validateName(name: unknown): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name)) {
    throw invalidParameter('Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
  }
  return name;
}

const createSecret: JsonHandler = (ctx, input) => {
  const aws = ctx.state.aws;
  const name = validateName(input.Name);
  const token = (input.ClientRequestToken as string | undefined) ?? uuidFrom(`secret#${nextCounter(aws, 'secret-version')}`);
  const existing = aws.secrets.find((s) => s.Name === name && stillExists(ctx, s));
  if (existing) {
    if (existing.DeletedDate !== undefined) {
      throw invalidRequest("You can't create this secret because a secret with this name is already scheduled for deletion.");
    }
    // The same token with the same value is a retry of the same request: answer it again.
    if (existing.ClientRequestTokens.includes(token) && existing.SecretString === input.SecretString) {
      return { ARN: existing.ARN, Name: existing.Name, VersionId: token };
    }
    throw new AwsServiceError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
  }
  const now = ctx.clock.now();
  const secret: Secret = {
    ARN: `arn:aws:secretsmanager:${aws.region}:${aws.accountId}:secret:${name}-${arnSuffix(`${name}#${nextCounter(aws, 'secret')}`)}`,
    Name: name,
    Description: input.Description,
    KmsKeyId: input.KmsKeyId as string | undefined,
    SecretString: input.SecretString,
    VersionId: token,
    ClientRequestTokens: [token],
    Tags: (input.Tags ?? []) as Tag[],
    CreatedDate: now,
  };
  aws.secrets.push(secret);
  ctx.recorder.operation({ cloud: 'aws', resource: secret.ARN, operation: 'create', startedAt: now, readyAt: now });
  return { ARN: secret.ARN, Name: secret.Name, VersionId: token };
};

const putSecretValue: JsonHandler = (ctx, input) => {
  const secret = findSecret(ctx, input.SecretId);
  requireLive(secret);
  const token = (input.ClientRequestToken as string | undefined) ?? uuidFrom(`secret#${nextCounter(ctx.state.aws, 'secret-version')}`);
  if (secret.ClientRequestTokens.includes(token)) {
    if (secret.VersionId === token && secret.SecretString === input.SecretString) {
      return { ARN: secret.ARN, Name: secret.Name, VersionId: token, VersionStages: ['AWSCURRENT'] };
    }
    throw new AwsServiceError('ResourceExistsException', "You can't modify an existing version, you can only create new versions.");
  }
  secret.SecretString = input.SecretString;
  secret.VersionId = token;
  secret.ClientRequestTokens.push(token);
  return { ARN: secret.ARN, Name: secret.Name, VersionId: token, VersionStages: ['AWSCURRENT'] };
};

function describe(secret: Secret) {
  return {
    ARN: secret.ARN,
    Name: secret.Name,
    Description: secret.Description,
    KmsKeyId: secret.KmsKeyId,
    CreatedDate: epochSeconds(secret.CreatedDate),
    LastChangedDate: epochSeconds(secret.CreatedDate),
    DeletedDate: secret.DeletedDate === undefined ? undefined : epochSeconds(secret.DeletedDate),
    Tags: secret.Tags,
    VersionIdsToStages: { [secret.VersionId]: ['AWSCURRENT'] },
  };
}

const describeSecret: JsonHandler = (ctx, input) => describe(findSecret(ctx, input.SecretId));

const getSecretValue: JsonHandler = (ctx, input) => {
  const secret = findSecret(ctx, input.SecretId);
  requireLive(secret);
  if (input.VersionId !== undefined && input.VersionId !== secret.VersionId) {
    throw new AwsServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value for VersionId: " + input.VersionId);
  }
  if (input.VersionStage !== undefined && input.VersionStage !== 'AWSCURRENT') {
    throw new AwsServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value for staging label: " + input.VersionStage);
  }
  return {
    ARN: secret.ARN,
    Name: secret.Name,
    VersionId: secret.VersionId,
    SecretString: secret.SecretString,
    VersionStages: ['AWSCURRENT'],
    CreatedDate: epochSeconds(secret.CreatedDate),
  };
};

const tagResource: JsonHandler = (ctx, input) => {
  const secret = findSecret(ctx, input.SecretId);
  requireLive(secret);
  mergeTags(secret.Tags, (input.Tags ?? []) as Tag[]);
  return {};
};

/** ListSecrets filters: values are prefixes (a leading `!` negates), as the service documents. */
function matchesSecretFilters(secret: Secret, filters: { Key?: string; Values?: string[] }[]): boolean {
  return filters.every((filter) => {
    const candidates = ((): string[] => {
      switch (filter.Key) {
        case 'name': return [secret.Name];
        case 'description': return [secret.Description ?? ''];
        case 'tag-key': return secret.Tags.map((t) => t.Key);
        case 'tag-value': return secret.Tags.map((t) => t.Value);
        case 'all': return [secret.Name, secret.Description ?? '', ...secret.Tags.flatMap((t) => [t.Key, t.Value])];
        default: throw invalidParameter(`Invalid filter key: ${filter.Key}`);
      }
    })();
    return (filter.Values ?? []).some((value) => {
      const negated = value.startsWith('!');
      const prefix = negated ? value.slice(1) : value;
      const hit = candidates.some((c) => c.startsWith(prefix));
      return negated ? !hit : hit;
    });
  });
}

const listSecrets: JsonHandler = (ctx, input) => {
  const filters = (input.Filters ?? []) as { Key?: string; Values?: string[] }[];
  const found = ctx.state.aws.secrets.filter(
    (s) => stillExists(ctx, s) && (input.IncludePlannedDeletion || s.DeletedDate === undefined) && matchesSecretFilters(s, filters),
  );
  return {
    SecretList: found.map((s) => {
      const { VersionIdsToStages, ...rest } = describe(s);
      return { ...rest, SecretVersionsToStages: VersionIdsToStages };
    }),
  };
};

const deleteSecret: JsonHandler = (ctx, input) => {
  const aws = ctx.state.aws;
  const secret = findSecret(ctx, input.SecretId);
  const force = input.ForceDeleteWithoutRecovery === true;
  const window = input.RecoveryWindowInDays as number | undefined;
  if (force && window !== undefined) {
    throw invalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
  }
  const now = ctx.clock.now();
  if (force) {
    aws.secrets.splice(aws.secrets.indexOf(secret), 1);
    ctx.recorder.operation({ cloud: 'aws', resource: secret.ARN, operation: 'delete', startedAt: now, readyAt: now });
    return { ARN: secret.ARN, Name: secret.Name, DeletionDate: epochSeconds(now) };
  }
  const days = window ?? 30;
  if (!Number.isInteger(days) || days < 7 || days > 30) {
    throw invalidParameter('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
  }
  // Scheduling again is refused, as the service refuses every operation but Describe/Restore on such a secret.
  if (secret.DeletedDate !== undefined) {
    throw invalidRequest("You tried to perform the operation on a secret that's currently marked deleted.");
  }
  secret.DeletedDate = now;
  secret.DeletionDate = now + days * SECONDS_PER_DAY;
  // Scheduling completes at once; the window's end is days away and would only stretch the run's timeline.
  ctx.recorder.operation({ cloud: 'aws', resource: secret.ARN, operation: 'schedule-deletion', startedAt: now, readyAt: now });
  return { ARN: secret.ARN, Name: secret.Name, DeletionDate: epochSeconds(secret.DeletionDate) };
};

const restoreSecret: JsonHandler = (ctx, input) => {
  const secret = findSecret(ctx, input.SecretId);
  delete secret.DeletedDate;
  delete secret.DeletionDate;
  return { ARN: secret.ARN, Name: secret.Name };
};

export const SECRETS_ACTIONS: Record<string, JsonAction> = {
  CreateSecret: { handler: createSecret, mutating: true, target: 'Name' },
  DescribeSecret: { handler: describeSecret, mutating: false, target: 'SecretId' },
  GetSecretValue: { handler: getSecretValue, mutating: false, target: 'SecretId' },
  PutSecretValue: { handler: putSecretValue, mutating: true, target: 'SecretId' },
  TagResource: { handler: tagResource, mutating: true, target: 'SecretId' },
  ListSecrets: { handler: listSecrets, mutating: false },
  DeleteSecret: { handler: deleteSecret, mutating: true, target: 'SecretId' },
  RestoreSecret: { handler: restoreSecret, mutating: true, target: 'SecretId' },
};

export function secretsFault(kind: 'throttle' | 'error5xx'): AwsServiceError {
  return kind === 'throttle'
    ? new AwsServiceError('ThrottlingException', 'Rate exceeded', 400)
    : new AwsServiceError('InternalServiceError', 'An error occurred on the server side.', 500);
}
