/**
 * What a person's certificate carries, as small named rules (DESIGN.md flow 5), after smallstep's
 * step-ca: a provisioner's `SignOptions` list holds option validators (on what the client asked),
 * certificate modifiers (each sets part of the certificate) and certificate validators (each refuses a
 * combination in the finished certificate); the authority validates the request, applies every modifier,
 * then runs every validator. Here the list is `PERSON_CERTIFICATE_RULES` and the order is fixed:
 *
 * 1. request validators, in list order, on the request alone (`checkCertificateRequest`), before policy
 *    is asked, so a malformed request is refused without a denial in the audit log;
 * 2. (the use case asks policy: `decideCertificate`, domain/access/evaluate-access.ts);
 * 3. modifiers, in list order, from an empty draft (`certificateContents`);
 * 4. content validators, in list order, on the finished draft (`certificateContents`).
 *
 * The first refusal wins. A refusal is a value naming its rule and a stable error code
 * (shared/src/errors/error-codes.ts); the use case turns it into a `LatchkeyError`. Every rule is pure:
 * time and randomness stay outside (the validity is a length here; the CA signs with the clock).
 * shared's `issueCertificate` then checks the encoding limits (lengths, control characters, option syntax).
 */
import type { ErrorCode, SshPublicKey } from '@latchkey/shared';
import { TARGET_BINDING_OPTION } from '@latchkey/shared';
import type { TargetGrant } from '../access/evaluate-access.js';
import { recorderForceCommand, targetBindingOption, type TargetAgent } from '../certificate-binding.js';
import type { SignInSettings } from '../sign-in-settings.js';
import { caKeyProblem, weakRsaKeyProblem } from '../subject-key-policy.js';

/** What the client asked for, with what the request validators compare it to. */
export interface CertificateRequestFacts {
  subjectKey: SshPublicKey;
  /** The wanted lifetime (`valid_seconds`), if given. */
  validSeconds?: number;
  /** The account CA's public keys (none when it has no CA yet). */
  caPublicKeys: readonly SshPublicKey[];
}

/** What the modifiers and content validators read, once policy has allowed the request. */
export interface CertificateFacts {
  person: { email: string };
  /** The session the certificate opens (a fresh UUID). */
  sessionId: string;
  username: string;
  validSeconds?: number;
  grant: Pick<TargetGrant, 'allowAgentForwarding' | 'allowPortForwarding'> & { target: { id: string } };
  /** The agents registered as the target (none for a target made through the API). */
  targetAgents: readonly TargetAgent[];
  /** The account keeps a session-log key. */
  recordsSessions: boolean;
  settings: Pick<
    SignInSettings,
    'certificateTtlSeconds' | 'maxCertificateTtlSeconds' | 'certificateBackdateSeconds' | 'recorderCommand'
  >;
}

/** The contents the rules decide; shared's `issueCertificate` takes them as its request's fields. */
export interface CertificateDraft {
  keyId: string;
  principals: string[];
  validForSeconds: number;
  backdateSeconds: number;
  criticalOptions: Record<string, string>;
  extensions: Record<string, string>;
}

export interface CertificateRefusal {
  /** The refusing rule's name. */
  rule: string;
  code: ErrorCode;
  message: string;
  /** The JSON pointer of the request field at fault, when one is. */
  pointer?: string;
}

export interface RequestValidator {
  kind: 'request-validator';
  name: string;
  validate(request: CertificateRequestFacts): CertificateRefusal | undefined;
}

export interface CertificateModifier {
  kind: 'modifier';
  name: string;
  /** Returns the draft with its part set; the draft passed is not changed. */
  modify(draft: CertificateDraft, facts: CertificateFacts): CertificateDraft;
}

export interface CertificateValidator {
  kind: 'validator';
  name: string;
  validate(draft: CertificateDraft, facts: CertificateFacts): CertificateRefusal | undefined;
}

export type CertificateRule = RequestValidator | CertificateModifier | CertificateValidator;

// ---- Request validators ------------------------------------------------------------------------------

/** `valid_seconds`, when given, is a positive whole number (the cap is applied, not refused). */
export const wantedLifetimeIsWholeSeconds: RequestValidator = {
  kind: 'request-validator',
  name: 'wanted-lifetime-is-whole-seconds',
  validate({ validSeconds }) {
    if (validSeconds === undefined || (Number.isInteger(validSeconds) && validSeconds >= 1)) return undefined;
    return {
      rule: 'wanted-lifetime-is-whole-seconds',
      code: 'invalid_argument',
      message: '/valid_seconds must be a positive whole number of seconds',
      pointer: '/valid_seconds',
    };
  },
};

/** An RSA subject key has at least 2048 bits (domain/subject-key-policy.ts; step-ca's default too). */
export const subjectKeyIsStrong: RequestValidator = {
  kind: 'request-validator',
  name: 'subject-key-is-strong',
  validate({ subjectKey }) {
    return publicKeyRefusal('subject-key-is-strong', weakRsaKeyProblem(subjectKey));
  },
};

/** The subject key is not the CA's own key (domain/subject-key-policy.ts). */
export const subjectKeyIsNotTheCa: RequestValidator = {
  kind: 'request-validator',
  name: 'subject-key-is-not-the-ca',
  validate({ subjectKey, caPublicKeys }) {
    return publicKeyRefusal('subject-key-is-not-the-ca', caKeyProblem(subjectKey, caPublicKeys));
  },
};

function publicKeyRefusal(rule: string, problem: string | undefined): CertificateRefusal | undefined {
  if (problem === undefined) return undefined;
  return { rule, code: 'invalid_argument', message: `/public_key ${problem}`, pointer: '/public_key' };
}

// ---- Modifiers ---------------------------------------------------------------------------------------

/** The key id names the person and the session: sshd logs it on every login. */
export const keyIdNamesPersonAndSession: CertificateModifier = {
  kind: 'modifier',
  name: 'key-id-names-person-and-session',
  modify: (draft, { person, sessionId }) => ({ ...draft, keyId: `${person.email} session=${sessionId}` }),
};

/** The one principal is the UNIX username policy granted. */
export const principalIsTheUsername: CertificateModifier = {
  kind: 'modifier',
  name: 'principal-is-the-username',
  modify: (draft, { username }) => ({ ...draft, principals: [username] }),
};

/** Valid for the wanted seconds or the server's default, never beyond its cap; backdated for skew. */
export const lifetimeFromTheSettings: CertificateModifier = {
  kind: 'modifier',
  name: 'lifetime-from-the-settings',
  modify: (draft, { validSeconds, settings }) => ({
    ...draft,
    validForSeconds: Math.min(
      validSeconds ?? settings.certificateTtlSeconds,
      settings.maxCertificateTtlSeconds,
    ),
    backdateSeconds: settings.certificateBackdateSeconds,
  }),
};

/** A terminal always; agent and port forwarding only where a matching policy allows them. */
export const extensionsFromTheGrant: CertificateModifier = {
  kind: 'modifier',
  name: 'extensions-from-the-grant',
  modify: (draft, { grant }) => ({
    ...draft,
    extensions: {
      ...draft.extensions,
      'permit-pty': '',
      ...(grant.allowAgentForwarding ? { 'permit-agent-forwarding': '' } : {}),
      ...(grant.allowPortForwarding ? { 'permit-port-forwarding': '' } : {}),
    },
  }),
};

/** A target with an agent: the binding critical option naming it (domain/certificate-binding.ts). */
export const boundToTheAgentsTarget: CertificateModifier = {
  kind: 'modifier',
  name: 'bound-to-the-agents-target',
  modify: (draft, { grant, targetAgents }) => ({
    ...draft,
    criticalOptions: {
      ...draft.criticalOptions,
      ...targetBindingOption({ targetId: grant.target.id, targetAgents }),
    },
  }),
};

/** A recorded target without an agent: the server's recorder command as force-command. */
export const recorderWhereNoAgent: CertificateModifier = {
  kind: 'modifier',
  name: 'recorder-where-no-agent',
  modify: (draft, { recordsSessions, targetAgents, settings }) => ({
    ...draft,
    criticalOptions: {
      ...draft.criticalOptions,
      ...recorderForceCommand({
        recordsSessions,
        targetAgents,
        defaultRecorderCommand: settings.recorderCommand,
      }),
    },
  }),
};

// ---- Content validators ------------------------------------------------------------------------------

/**
 * A certificate bound to a target never carries a force-command: the front records, and a forced
 * command would replace what the person asked to run (commit "no force-command for a target with an
 * agent, ever"). The modifiers never make this combination; the rule keeps a new one from doing so.
 */
export const boundMeansNoForceCommand: CertificateValidator = {
  kind: 'validator',
  name: 'bound-means-no-force-command',
  validate(draft) {
    if (!(TARGET_BINDING_OPTION in draft.criticalOptions) || !('force-command' in draft.criticalOptions)) {
      return undefined;
    }
    return {
      rule: 'bound-means-no-force-command',
      code: 'internal',
      message: 'a certificate bound to a target must not carry a force-command',
    };
  },
};

/**
 * When the account records sessions, the certificate opens only a recorded login: bound to a target
 * (whose front records) or forced through the recorder command. Nobody gets in unrecorded.
 */
export const recordedAccountsCertifyOnlyRecordedLogins: CertificateValidator = {
  kind: 'validator',
  name: 'recorded-accounts-certify-only-recorded-logins',
  validate(draft, { recordsSessions }) {
    if (!recordsSessions) return undefined;
    if (
      TARGET_BINDING_OPTION in draft.criticalOptions ||
      draft.criticalOptions['force-command'] !== undefined
    ) {
      return undefined;
    }
    return {
      rule: 'recorded-accounts-certify-only-recorded-logins',
      code: 'internal',
      message: 'the account records sessions, but the certificate is neither bound nor forced to record',
    };
  },
};

/** The lifetime is at least a second and at most the server's cap. */
export const lifetimeWithinTheCap: CertificateValidator = {
  kind: 'validator',
  name: 'lifetime-within-the-cap',
  validate(draft, { settings }) {
    const seconds = draft.validForSeconds;
    if (Number.isInteger(seconds) && seconds >= 1 && seconds <= settings.maxCertificateTtlSeconds) {
      return undefined;
    }
    return {
      rule: 'lifetime-within-the-cap',
      code: 'invalid_argument',
      message: `/valid_seconds must be from 1 to ${settings.maxCertificateTtlSeconds}`,
      pointer: '/valid_seconds',
    };
  },
};

/** The rules of a person's certificate, in the order they apply (see the file's comment). */
export const PERSON_CERTIFICATE_RULES: readonly CertificateRule[] = [
  wantedLifetimeIsWholeSeconds,
  subjectKeyIsStrong,
  subjectKeyIsNotTheCa,
  keyIdNamesPersonAndSession,
  principalIsTheUsername,
  lifetimeFromTheSettings,
  extensionsFromTheGrant,
  boundToTheAgentsTarget,
  recorderWhereNoAgent,
  boundMeansNoForceCommand,
  recordedAccountsCertifyOnlyRecordedLogins,
  lifetimeWithinTheCap,
];

/** The first refusal of the request validators among `rules`, in list order; undefined: go on. */
export function checkCertificateRequest(
  request: CertificateRequestFacts,
  rules: readonly CertificateRule[] = PERSON_CERTIFICATE_RULES,
): CertificateRefusal | undefined {
  for (const rule of rules) {
    if (rule.kind !== 'request-validator') continue;
    const refusal = rule.validate(request);
    if (refusal !== undefined) return refusal;
  }
  return undefined;
}

const EMPTY_DRAFT: CertificateDraft = {
  keyId: '',
  principals: [],
  validForSeconds: 0,
  backdateSeconds: 0,
  criticalOptions: {},
  extensions: {},
};

/** Every modifier of `rules` in list order from an empty draft, then every content validator. */
export function certificateContents(
  facts: CertificateFacts,
  rules: readonly CertificateRule[] = PERSON_CERTIFICATE_RULES,
): { contents: CertificateDraft } | { refusal: CertificateRefusal } {
  let draft = EMPTY_DRAFT;
  for (const rule of rules) {
    if (rule.kind === 'modifier') draft = rule.modify(draft, facts);
  }
  for (const rule of rules) {
    if (rule.kind !== 'validator') continue;
    const refusal = rule.validate(draft, facts);
    if (refusal !== undefined) return { refusal };
  }
  return { contents: draft };
}

/** Whether the contents bind the certificate to one target (they carry TARGET_BINDING_OPTION). */
export function isBoundToTarget(draft: Pick<CertificateDraft, 'criticalOptions'>): boolean {
  return TARGET_BINDING_OPTION in draft.criticalOptions;
}
