/** The signed-in person's routes: who am I, which targets may I reach, a certificate for one. */
import Type from 'typebox';
import {
  CertificateRequestSchema,
  HostCaSchema,
  IssuedCertificateSchema,
  MeSchema,
  MyTargetSchema,
} from '@latchkey/shared';
import type { IssuedCertificateResult, Me, MyTarget } from '@latchkey/shared';
import { accountHostCa } from '../../../app/host-ca.js';
import { issueMyCertificate, listMyTargets } from '../../../app/sign-in/my-access.js';
import { presentHostCa } from '../../../domain/api-representation.js';
import type { RouteContext } from './route-context.js';

const tags = ['Signed-in person'];

export function meRoutes({ personRoute, services, tunnelled }: RouteContext): void {
  personRoute({
    method: 'GET',
    url: '/v1/me',
    summary: 'Who is signed in',
    tags,
    result: MeSchema,
    handle: async ({ person }) => {
      const me: Me = {
        email: person.person.email,
        groups: [...person.person.groups],
        login_method: person.person.loginMethod,
        auth_methods: [...person.person.authMethods],
        account_id: person.accountId,
        session_id: person.sessionId,
        expires_at: person.expiresAt.toISOString(),
      };
      return { result: me };
    },
  });

  personRoute({
    method: 'GET',
    url: '/v1/me/targets',
    summary: 'The targets the signed-in person may reach',
    description:
      'One entry per target and SSH port with at least one UNIX username that policy allows, sorted by hostname then port. ' +
      "A target whose agent runs an SSH front is listed once, with the front's port and host key (`front`), and the usernames of all its ports.",
    tags,
    result: Type.Array(MyTargetSchema),
    handle: async ({ person }) => {
      const reachable = await listMyTargets(services, person);
      const tunnelledNow = await tunnelled(person.accountId, reachable);
      const result: MyTarget[] = reachable.map(({ grant, virtualNetwork, front, hostCa }) => {
        const { target } = grant;
        const ip: MyTarget['ip'] = {};
        if (target.ipv4 !== undefined)
          ip.ipv4 = { ip_addr: target.ipv4.address, virtual_network_id: target.ipv4.virtualNetworkId };
        if (target.ipv6 !== undefined)
          ip.ipv6 = { ip_addr: target.ipv6.address, virtual_network_id: target.ipv6.virtualNetworkId };
        const networkId = target.ipv4?.virtualNetworkId ?? target.ipv6?.virtualNetworkId ?? '';
        return {
          id: target.id,
          hostname: target.hostname,
          ip,
          virtual_network: { id: networkId, name: virtualNetwork?.name ?? '' },
          port: front?.port ?? grant.port,
          usernames: grant.usernames,
          ...(tunnelledNow.has(target.id) ? { tunnel: true } : {}),
          ...(front === undefined
            ? {}
            : {
                front: {
                  port: front.port,
                  host_key: front.hostKey,
                  ...(hostCa === undefined ? {} : { host_ca: hostCa }),
                },
              }),
        };
      });
      return { result };
    },
  });

  personRoute({
    method: 'POST',
    url: '/v1/me/certificates',
    summary: 'A short-lived SSH certificate for one target and one UNIX username',
    description:
      'Policy is evaluated again. A denial is 403 access_denied saying why (no app covers the target, no policy ' +
      'matches you, or the username is not allowed), without naming other people, policies or usernames. ' +
      "For a target whose agent runs an SSH front the certificate is bound to the target (critical option target@latchkey.dev) and `target` names the front's port and host key.",
    tags,
    body: CertificateRequestSchema,
    result: IssuedCertificateSchema,
    handle: async ({ person, body }) => {
      const issued = await issueMyCertificate(services, person, {
        targetId: body.target_id,
        username: body.username,
        publicKey: body.public_key,
        ...(body.port === undefined ? {} : { port: body.port }),
        ...(body.valid_seconds === undefined ? {} : { validSeconds: body.valid_seconds }),
      });
      const result: IssuedCertificateResult = {
        certificate: issued.certificate,
        serial: issued.serial.toString(),
        key_id: issued.keyId,
        session_id: issued.sessionId,
        principals: issued.principals,
        valid_after: issued.validAfter.toISOString(),
        valid_before: issued.validBefore.toISOString(),
        target: {
          id: issued.target.id,
          hostname: issued.target.hostname,
          address: issued.target.address,
          port: issued.target.port,
          ...(issued.target.hostKey === undefined ? {} : { host_key: issued.target.hostKey }),
          ...(issued.target.hostCa === undefined ? {} : { host_ca: issued.target.hostCa }),
        },
      };
      return { result };
    },
  });

  personRoute({
    method: 'GET',
    url: '/v1/me/host_ca',
    summary: "The account's host CA: the key that signs agents' SSH front host keys",
    description:
      'Clients trust it for fronted targets (`@cert-authority` in known_hosts) instead of pinning each front: ' +
      'a front presents a host certificate naming its target id, hostname and addresses. Made on first need.',
    tags,
    result: HostCaSchema,
    handle: async ({ person }) => ({
      result: presentHostCa(await accountHostCa(services, person.accountId)),
    }),
  });
}
