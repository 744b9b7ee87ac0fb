/** The client address of a request, behind the configured trusted proxies (domain/client-address.ts). */
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../app/services.js';
import { clientAddress } from '../../domain/client-address.js';

export function clientAddressOf(services: Services, request: FastifyRequest): string | undefined {
  return clientAddress(
    request.socket?.remoteAddress ?? request.ip,
    request.headers['x-forwarded-for'],
    services.trustedProxies,
  );
}
