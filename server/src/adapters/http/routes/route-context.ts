import type { TSchema } from 'typebox';
import type { Services } from '../../../app/services.js';
import type { ReachableTarget } from '../../../app/sign-in/my-access.js';
import type { PersonRouteSpec } from '../person-route.js';
import type { RouteSpec } from '../route.js';

/** What a route module gets: a way to declare routes, and the services behind them. */
export interface RouteContext {
  route<P extends TSchema, Q extends TSchema, B extends TSchema>(spec: RouteSpec<P, Q, B>): void;
  /** A route for signed-in people (sign-in access token), see person-route.ts. */
  personRoute<P extends TSchema, Q extends TSchema, B extends TSchema>(spec: PersonRouteSpec<P, Q, B>): void;
  services: Services;
  /** Of a person's reachable targets, those their agent's (or connector's) tunnel reaches now. */
  tunnelled(accountId: string, reachable: readonly ReachableTarget[]): Promise<Set<string>>;
}

export const ACCOUNT_PREFIX = '/client/v4/accounts/:account_id';
