/**
 * The signed-in person's view (`/v1/me…`, docs/sign-in.md): who they are, the targets they may reach,
 * and certificate requests. Shared by the server (validation, OpenAPI) and the clients (CLI, VS Code).
 */
import Type from 'typebox';
import type { Static } from 'typebox';
import { AccountId, Timestamp, Uuid } from './common.js';

export const MeSchema = Type.Object({
  email: Type.String(),
  groups: Type.Array(Type.String()),
  login_method: Type.String({ description: '`builtin`, or the upstream identity provider id.' }),
  auth_methods: Type.Array(Type.String()),
  account_id: AccountId,
  session_id: Uuid,
  expires_at: Timestamp,
});
export type Me = Static<typeof MeSchema>;

const MyIpEntry = Type.Object({ ip_addr: Type.String(), virtual_network_id: Uuid });

export const MyTargetSchema = Type.Object({
  id: Uuid,
  hostname: Type.String(),
  ip: Type.Object({ ipv4: Type.Optional(MyIpEntry), ipv6: Type.Optional(MyIpEntry) }),
  virtual_network: Type.Object({ id: Uuid, name: Type.String() }),
  port: Type.Integer({
    minimum: 1,
    maximum: 65535,
    description: "Where to connect: the agent's SSH front for a fronted target, else the port policy covers.",
  }),
  usernames: Type.Array(Type.String(), { description: 'The UNIX usernames policy allows, sorted.' }),
  tunnel: Type.Optional(
    Type.Boolean({
      description:
        "Present (true) when a stream through the server's tunnel reaches the target now (its agent's tunnel, or its connector's): clients connect through `/v1/tunnel/connect` (docs/tunnels.md).",
    }),
  ),
  front: Type.Optional(
    Type.Object(
      {
        port: Type.Integer({ minimum: 1, maximum: 65535 }),
        host_key: Type.String({ description: "The front's host key, one OpenSSH public key line." }),
        host_ca: Type.Optional(
          Type.String({
            description:
              "The account's host CA (one OpenSSH public key line), when the front presents a host certificate from it: trust the CA for this target (principals: target id, hostname, addresses), not `host_key`. Absent for a front without a certificate yet (an older agent): pin `host_key`.",
          }),
        ),
      },
      {
        description:
          "Present when the target's agent runs an SSH front: certificates for it are bound to this target and work only there.",
      },
    ),
  ),
});
export type MyTarget = Static<typeof MyTargetSchema>;

export const CertificateRequestSchema = Type.Object(
  {
    target_id: Uuid,
    username: Type.String({ minLength: 1, maxLength: 64 }),
    public_key: Type.String({
      minLength: 1,
      maxLength: 16384,
      description: 'An OpenSSH public key line (ssh-ed25519 AAAA…, ecdsa-sha2-nistp256 …, ssh-rsa …).',
    }),
    port: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 65535,
        description:
          "The SSH port policy covers (or, for a fronted target, the front's port); default: the lowest covered port allowing the username.",
      }),
    ),
    valid_seconds: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Wanted lifetime; capped by the server configuration.' }),
    ),
  },
  { additionalProperties: false },
);
export type CertificateRequestBody = Static<typeof CertificateRequestSchema>;

export const IssuedCertificateSchema = Type.Object({
  certificate: Type.String({ description: 'An OpenSSH certificate line (`*-cert-v01@openssh.com AAAA…`).' }),
  serial: Type.String({ description: 'The 64-bit serial, in decimal.' }),
  key_id: Type.String(),
  session_id: Uuid,
  principals: Type.Array(Type.String()),
  valid_after: Timestamp,
  valid_before: Timestamp,
  target: Type.Object({
    id: Uuid,
    hostname: Type.String(),
    address: Type.String(),
    port: Type.Integer({ description: "The agent's SSH front's port for a fronted target." }),
    host_key: Type.Optional(
      Type.String({
        description:
          "For a fronted target (a certificate bound to it): the front's host key, one OpenSSH public key line, to trust for this target.",
      }),
    ),
    host_ca: Type.Optional(
      Type.String({
        description:
          "For a fronted target whose front presents a host certificate: the account's host CA, to trust for this target instead of `host_key`.",
      }),
    ),
  }),
});
export type IssuedCertificateResult = Static<typeof IssuedCertificateSchema>;
