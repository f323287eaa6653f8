/**
 * IKE/IPsec proposal agreement between an AWS tunnel's options and an Azure connection (docs/local-mode.md,
 * "Strict readings: IKE/IPsec proposals"). Both sides are read in AWS's vocabulary: an Azure value with no
 * AWS counterpart (3DES, MD5, AES192, DH group 1, PFSMM...) can never agree with AWS.
 */

type Algorithm = string;
type Group = number;

/** What one AWS tunnel accepts, its options or EC2's defaults for what was not requested. */
export interface AwsProposals {
  ikeVersions: string[];
  phase1Encryption: Algorithm[];
  phase1Integrity: Algorithm[];
  phase1DhGroups: Group[];
  phase2Encryption: Algorithm[];
  phase2Integrity: Algorithm[];
  phase2DhGroups: Group[];
}

/** EC2's defaults when a tunnel option is not given (every value it supports). */
export const AWS_DEFAULT_PROPOSALS: AwsProposals = {
  ikeVersions: ['ikev1', 'ikev2'],
  phase1Encryption: ['AES128', 'AES256', 'AES128-GCM-16', 'AES256-GCM-16'],
  phase1Integrity: ['SHA1', 'SHA2-256', 'SHA2-384', 'SHA2-512'],
  phase1DhGroups: [2, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24],
  phase2Encryption: ['AES128', 'AES256', 'AES128-GCM-16', 'AES256-GCM-16'],
  phase2Integrity: ['SHA1', 'SHA2-256', 'SHA2-384', 'SHA2-512'],
  phase2DhGroups: [2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24],
};

function values<T>(option: unknown, fallback: T[]): T[] {
  return Array.isArray(option) ? option.map((item: { Value: T }) => item?.Value) : fallback;
}

/** The tunnel options as stored (SDK shape `[{ Value }]`), defaults filled in. */
export function awsProposals(options: Record<string, unknown>): AwsProposals {
  const d = AWS_DEFAULT_PROPOSALS;
  return {
    ikeVersions: values(options.IKEVersions, d.ikeVersions),
    phase1Encryption: values(options.Phase1EncryptionAlgorithms, d.phase1Encryption),
    phase1Integrity: values(options.Phase1IntegrityAlgorithms, d.phase1Integrity),
    phase1DhGroups: values(options.Phase1DHGroupNumbers, d.phase1DhGroups),
    phase2Encryption: values(options.Phase2EncryptionAlgorithms, d.phase2Encryption),
    phase2Integrity: values(options.Phase2IntegrityAlgorithms, d.phase2Integrity),
    phase2DhGroups: values(options.Phase2DHGroupNumbers, d.phase2DhGroups),
  };
}

// Azure's spellings (azure-rest-api-specs network: IkeEncryption, IkeIntegrity, DhGroup, IpsecEncryption,
// IpsecIntegrity, PfsGroup) → AWS's. `undefined`: a value Azure accepts that AWS never offers.
const IKE_ENCRYPTION: Record<string, Algorithm | undefined> = {
  DES: undefined, DES3: undefined, AES128: 'AES128', AES192: undefined, AES256: 'AES256', GCMAES128: 'AES128-GCM-16', GCMAES256: 'AES256-GCM-16',
};
const IKE_INTEGRITY: Record<string, Algorithm | undefined> = {
  MD5: undefined, SHA1: 'SHA1', SHA256: 'SHA2-256', SHA384: 'SHA2-384', GCMAES128: undefined, GCMAES256: undefined,
};
const DH_GROUP: Record<string, Group | undefined> = {
  None: undefined, DHGroup1: undefined, DHGroup2: 2, DHGroup14: 14, DHGroup2048: 14, ECP256: 19, ECP384: 20, DHGroup24: 24,
};
const IPSEC_ENCRYPTION: Record<string, Algorithm | undefined> = {
  None: undefined, DES: undefined, DES3: undefined, AES128: 'AES128', AES192: undefined, AES256: 'AES256',
  GCMAES128: 'AES128-GCM-16', GCMAES192: undefined, GCMAES256: 'AES256-GCM-16',
};
const IPSEC_INTEGRITY: Record<string, Algorithm | undefined> = {
  MD5: undefined, SHA1: 'SHA1', SHA256: 'SHA2-256', GCMAES128: 'GCM', GCMAES192: 'GCM', GCMAES256: 'GCM',
};
const PFS_GROUP: Record<string, Group | undefined> = {
  None: undefined, PFS1: undefined, PFS2: 2, PFS2048: 14, PFS14: 14, ECP256: 19, ECP384: 20, PFS24: 24, PFSMM: undefined,
};

const POLICY_ENUMS: [string, Record<string, unknown>][] = [
  ['ikeEncryption', IKE_ENCRYPTION],
  ['ikeIntegrity', IKE_INTEGRITY],
  ['dhGroup', DH_GROUP],
  ['ipsecEncryption', IPSEC_ENCRYPTION],
  ['ipsecIntegrity', IPSEC_INTEGRITY],
  ['pfsGroup', PFS_GROUP],
];

/**
 * Why ARM refuses a connection's `ipsecPolicies` (empty when it accepts them): one policy combination per
 * connection, all eight fields, each value spelled as the API's enum, GCM integrity equal to GCM encryption,
 * quick-mode lifetimes not below Azure's minimums.
 */
export function ipsecPolicyProblems(policies: unknown): string[] {
  if (policies === undefined || policies === null) return [];
  if (!Array.isArray(policies)) return ['properties.ipsecPolicies must be an array'];
  if (policies.length > 1) return [`a connection takes one IPsec/IKE policy combination, not ${policies.length}`];
  const problems: string[] = [];
  for (const policy of policies as Record<string, unknown>[]) {
    for (const [field, allowed] of POLICY_ENUMS) {
      const value = policy?.[field];
      if (value === undefined || value === null) problems.push(`properties.ipsecPolicies[0].${field} is required`);
      else if (typeof value !== 'string' || !Object.prototype.hasOwnProperty.call(allowed, value)) {
        problems.push(`properties.ipsecPolicies[0].${field} '${String(value)}' is not one of ${Object.keys(allowed).join(', ')}`);
      }
    }
    for (const [field, minimum] of [['saLifeTimeSeconds', 300], ['saDataSizeKilobytes', 1024]] as const) {
      const value = policy?.[field];
      if (value === undefined || value === null) problems.push(`properties.ipsecPolicies[0].${field} is required`);
      else if (!Number.isInteger(value) || (value as number) < minimum) problems.push(`properties.ipsecPolicies[0].${field} must be an integer of at least ${minimum}`);
    }
    const encryption = policy?.ipsecEncryption;
    const integrity = policy?.ipsecIntegrity;
    const gcm = (v: unknown) => typeof v === 'string' && v.startsWith('GCMAES');
    if ((gcm(encryption) || gcm(integrity)) && encryption !== integrity) {
      problems.push(`properties.ipsecPolicies[0]: GCM IPsec encryption needs the same GCM integrity (got ${String(encryption)} / ${String(integrity)})`);
    }
  }
  return problems;
}

const CONNECTION_ENUMS: [string, string[]][] = [
  ['connectionProtocol', ['IKEv1', 'IKEv2']],
  ['connectionMode', ['Default', 'InitiatorOnly', 'ResponderOnly']],
];

/** Why ARM refuses an IPsec connection's IKE settings (empty when it accepts them). */
export function connectionProblems(props: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [field, allowed] of CONNECTION_ENUMS) {
    const value = props[field];
    if (value !== undefined && value !== null && !allowed.includes(value as string)) {
      problems.push(`properties.${field} '${String(value)}' is not one of ${allowed.join(', ')}`);
    }
  }
  return [...problems, ...ipsecPolicyProblems(props.ipsecPolicies)];
}

/** One Azure offer: phase 1 (IKE SA) or phase 2 (child SA), in AWS's names. */
interface Phase1Offer {
  encryption?: Algorithm;
  integrity?: Algorithm;
  dhGroup?: Group;
}
interface Phase2Offer {
  encryption?: Algorithm;
  integrity?: Algorithm;
  pfsGroup?: Group;
}

// Azure's default policy of a route-based gateway (vpn-gateway-about-vpn-devices, "Default IPsec/IKE
// parameters"): main mode DH group 2 with these six ciphers; the quick-mode offers Azure accepts as
// responder that carry a PFS group AWS has (the others: 3DES, DES, PFS 1, or no PFS).
const AZURE_DEFAULT_PHASE1: Phase1Offer[] = [
  { encryption: 'AES256', integrity: 'SHA1', dhGroup: 2 },
  { encryption: 'AES256', integrity: 'SHA2-256', dhGroup: 2 },
  { encryption: 'AES128', integrity: 'SHA1', dhGroup: 2 },
  { encryption: 'AES128', integrity: 'SHA2-256', dhGroup: 2 },
];
const AZURE_DEFAULT_PHASE2_RESPONDER: Phase2Offer[] = [
  { encryption: 'AES256', integrity: 'SHA1', pfsGroup: 2 },
  { encryption: 'AES256', integrity: 'SHA1', pfsGroup: 14 },
  { encryption: 'AES128', integrity: 'SHA1', pfsGroup: 2 },
  { encryption: 'AES128', integrity: 'SHA1', pfsGroup: 14 },
  { encryption: 'AES256', integrity: 'SHA2-256', pfsGroup: 2 },
  { encryption: 'AES256', integrity: 'SHA2-256', pfsGroup: 14 },
  { encryption: 'AES256', integrity: 'SHA1', pfsGroup: 24 },
  { encryption: 'AES256', integrity: 'SHA2-256', pfsGroup: 24 },
  { encryption: 'AES128', integrity: 'SHA2-256', pfsGroup: 2 },
  { encryption: 'AES128', integrity: 'SHA2-256', pfsGroup: 14 },
];

function phase1Accepted(aws: AwsProposals, offer: Phase1Offer): boolean {
  return (
    offer.encryption !== undefined && aws.phase1Encryption.includes(offer.encryption) &&
    offer.integrity !== undefined && aws.phase1Integrity.includes(offer.integrity) &&
    offer.dhGroup !== undefined && aws.phase1DhGroups.includes(offer.dhGroup)
  );
}

function phase2Accepted(aws: AwsProposals, offer: Phase2Offer): boolean {
  const aead = offer.integrity === 'GCM';
  return (
    offer.encryption !== undefined && aws.phase2Encryption.includes(offer.encryption) &&
    (aead ? offer.encryption.endsWith('-GCM-16') : offer.integrity !== undefined && aws.phase2Integrity.includes(offer.integrity)) &&
    offer.pfsGroup !== undefined && aws.phase2DhGroups.includes(offer.pfsGroup)
  );
}

/**
 * Which part of the negotiation fails between an AWS tunnel and an Azure connection (empty when they agree).
 * Lifetimes are each side's local choice and never fail it. Phase 2 always needs a PFS group both accept:
 * AWS runs PFS on every child SA, and AWS (phase-2 lifetime at most 3600 s against Azure's 27000 s) is the
 * one that rekeys first, so with Azure's default policy it is Azure's responder offers that must take it.
 */
export function proposalMismatches(awsOptions: Record<string, unknown>, connection: Record<string, any>): string[] {
  const aws = awsProposals(awsOptions);
  const reasons: string[] = [];
  const protocol = String(connection.connectionProtocol ?? 'IKEv2');
  if (!aws.ikeVersions.includes(protocol.toLowerCase())) {
    reasons.push(`IKE version: the connection speaks ${protocol}, the AWS tunnel allows ${aws.ikeVersions.join(', ') || 'none'}`);
  }
  // A responder-only Azure end waits for AWS, which by default (StartupAction add) waits too.
  if (connection.connectionMode === 'ResponderOnly' && awsOptions.StartupAction !== 'start') {
    reasons.push('initiation: the connection is ResponderOnly and the AWS tunnel does not start the negotiation (StartupAction add)');
  }
  const policies: Record<string, unknown>[] = Array.isArray(connection.ipsecPolicies) ? connection.ipsecPolicies : [];
  const custom = policies[0];
  if (custom) {
    const p1: Phase1Offer = { encryption: IKE_ENCRYPTION[String(custom.ikeEncryption)], integrity: IKE_INTEGRITY[String(custom.ikeIntegrity)], dhGroup: DH_GROUP[String(custom.dhGroup)] };
    if (!phase1Accepted(aws, p1)) {
      reasons.push(
        `phase 1: the connection's policy offers only ${custom.ikeEncryption}/${custom.ikeIntegrity}/${custom.dhGroup}, the AWS tunnel allows ` +
          `${aws.phase1Encryption.join(', ')} / ${aws.phase1Integrity.join(', ')} / DH ${aws.phase1DhGroups.join(', ')}`,
      );
    }
    const p2: Phase2Offer = { encryption: IPSEC_ENCRYPTION[String(custom.ipsecEncryption)], integrity: IPSEC_INTEGRITY[String(custom.ipsecIntegrity)], pfsGroup: PFS_GROUP[String(custom.pfsGroup)] };
    if (!phase2Accepted(aws, p2)) {
      reasons.push(
        `phase 2: the connection's policy offers only ${custom.ipsecEncryption}/${custom.ipsecIntegrity}/${custom.pfsGroup}, the AWS tunnel allows ` +
          `${aws.phase2Encryption.join(', ')} / ${aws.phase2Integrity.join(', ')} / PFS DH ${aws.phase2DhGroups.join(', ')}`,
      );
    }
    return reasons;
  }
  if (!AZURE_DEFAULT_PHASE1.some((offer) => phase1Accepted(aws, offer))) {
    reasons.push(`phase 1: Azure's default policy offers DH group 2 with AES256/AES128 and SHA1/SHA256, none of which the AWS tunnel allows (DH ${aws.phase1DhGroups.join(', ')})`);
  }
  if (!AZURE_DEFAULT_PHASE2_RESPONDER.some((offer) => phase2Accepted(aws, offer))) {
    reasons.push(`phase 2: Azure's default policy accepts no combination the AWS tunnel proposes (PFS DH ${aws.phase2DhGroups.join(', ')})`);
  }
  return reasons;
}
