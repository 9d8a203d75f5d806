import { headerValue } from './headers.js';

// What an app's answer that is not a 2xx most likely means, as data: trigger, the listener's lines,
// `events resend` and `check` word it (ui/app-reply.ts), each with its own hint.

/** The likely cause of an app's non-2xx answer. */
export type AppReplyCause =
  | { kind: 'refused' } // 401 or 403: to a correctly signed event, most often another secret
  | { kind: 'not-found' } // 404: no route at that path
  | { kind: 'redirect'; location?: string | undefined } // 3xx: the Location it names, when it names one
  | { kind: 'failed' }; // 5xx: the app failed

/** Why an app answered `status`; undefined for a 2xx or a status with no usual cause. */
export function appReplyCause(status: number, headers?: readonly string[]): AppReplyCause | undefined {
  if (status === 401 || status === 403) return { kind: 'refused' };
  if (status === 404) return { kind: 'not-found' };
  if (status >= 300 && status < 400) {
    const location = headers && headerValue(headers, 'location');
    return { kind: 'redirect', ...(location ? { location } : {}) };
  }
  return status >= 500 ? { kind: 'failed' } : undefined;
}
