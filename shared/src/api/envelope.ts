/**
 * Cloudflare's response envelope, which every Latchkey API response carries (success and failure,
 * including 404 and 405), and the numeric error codes of its error items.
 *
 *   { success: true,  errors: [], messages: [], result: …, result_info?: {page, per_page, count, total_count, total_pages} }
 *   { success: false, errors: [{code, message, source?: {pointer}}], messages: [], result: null }
 */
import type { ErrorCode } from '../errors/error-codes.js';
import type { LatchkeyError } from '../errors/latchkey-error.js';

export interface ApiErrorItem {
  /** Always ≥ 1000 (Cloudflare's convention). */
  code: number;
  message: string;
  documentation_url?: string;
  /** `pointer` is a JSON pointer into the request (body, or query when the message says so). */
  source?: { pointer?: string };
  /** Latchkey's stable string code (see shared/src/errors/error-codes.ts); clients may match on it. */
  latchkey_code?: ErrorCode;
}

export interface ResultInfo {
  page: number;
  per_page: number;
  count: number;
  total_count: number;
  total_pages: number;
}

export interface SuccessEnvelope<T> {
  success: true;
  errors: [];
  messages: [];
  result: T;
  result_info?: ResultInfo;
}

export interface FailureEnvelope {
  success: false;
  errors: ApiErrorItem[];
  messages: [];
  result: null;
}

export type Envelope<T> = SuccessEnvelope<T> | FailureEnvelope;

/**
 * The numeric code of each Latchkey error code in an envelope's error item. Cloudflare's own numbers
 * where it has a well-known one (10000 authentication error, 9109 unauthorised, 7003 no route, 7001
 * method not allowed); 1000-range numbers of our own otherwise. Never renumber.
 */
export function apiErrorNumber(code: ErrorCode): number {
  return API_ERROR_NUMBERS[code] ?? 1000;
}

/** Envelope numbers of the two routing failures (Cloudflare's). */
export const ROUTE_NOT_FOUND_NUMBER = 7003;
export const METHOD_NOT_ALLOWED_NUMBER = 7001;

/** Codes not listed map to 1000. */
export const API_ERROR_NUMBERS: Partial<Record<ErrorCode, number>> = {
  internal: 1000,
  invalid_argument: 1001,
  not_found: 1002,
  conflict: 1003,
  unavailable: 1004,
  invalid_config: 1005,
  unauthenticated: 10000,
  permission_denied: 9109,
  route_not_found: ROUTE_NOT_FOUND_NUMBER,
  method_not_allowed: METHOD_NOT_ALLOWED_NUMBER,
};

export function successEnvelope<T>(result: T, resultInfo?: ResultInfo): SuccessEnvelope<T> {
  return resultInfo === undefined
    ? { success: true, errors: [], messages: [], result }
    : { success: true, errors: [], messages: [], result, result_info: resultInfo };
}

export function failureEnvelope(errors: ApiErrorItem[]): FailureEnvelope {
  return { success: false, errors, messages: [], result: null };
}

/** The error item for a LatchkeyError (its message, numeric code and pointer). */
export function errorItemFor(error: LatchkeyError): ApiErrorItem {
  const item: ApiErrorItem = {
    code: apiErrorNumber(error.code),
    message: error.message,
    latchkey_code: error.code,
  };
  if (error.pointer !== undefined) item.source = { pointer: error.pointer };
  return item;
}

/** Cloudflare's `result_info` for one page of `totalCount` results. */
export function resultInfo(page: number, perPage: number, count: number, totalCount: number): ResultInfo {
  return {
    page,
    per_page: perPage,
    count,
    total_count: totalCount,
    total_pages: perPage > 0 ? Math.ceil(totalCount / perPage) : 0,
  };
}
