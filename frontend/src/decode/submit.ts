// Sending an answer exactly once. The idempotency key is made once per attempt and kept in
// sessionStorage with the body, so automatic retries, a "try again" click and even a page reload
// resend the same request and the server stores it once.
import { ApiError, post, sleep, uuid } from "../lib/api";
import type { SubmissionResult, TagBody } from "../lib/types";

export interface SubmissionBody {
  idempotency_key: string;
  started_at?: string;
  outcome: "cameras" | "no_cameras" | "problem";
  tags: TagBody[];
  problem?: { kind: string; comment?: string };
}

export interface Outgoing {
  assignmentId: number;
  body: SubmissionBody;
}

const STORE = "decoders.outgoing";
const RETRIES = [1000, 2000, 4000];

/** The unsent (or unconfirmed) answer left by a previous page, if any. */
export function unsent(): Outgoing | null {
  try {
    return JSON.parse(sessionStorage.getItem(STORE) ?? "null");
  } catch {
    return null;
  }
}

export function forget(): void {
  sessionStorage.removeItem(STORE);
}

/** Freeze an answer under a new key; from here on it is only ever resent as is. */
export function prepare(assignmentId: number, body: Omit<SubmissionBody, "idempotency_key">): Outgoing {
  const outgoing = { assignmentId, body: { idempotency_key: uuid(), ...body } };
  sessionStorage.setItem(STORE, JSON.stringify(outgoing));
  return outgoing;
}

/** Send, retrying transient failures with the same key; forgets the answer once stored. */
export async function send(outgoing: Outgoing, onRetry: (attempt: number) => void): Promise<SubmissionResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      const { data } = await post<SubmissionResult>(`/assignments/${outgoing.assignmentId}/submission`, outgoing.body);
      forget();
      return data;
    } catch (error) {
      if (!(error instanceof ApiError) || !error.transient || attempt >= RETRIES.length) {
        // A final answer from the server (not a lost connection) means this attempt is over.
        if (error instanceof ApiError && !error.transient) forget();
        throw error;
      }
      onRetry(attempt + 1);
      await sleep(RETRIES[attempt]);
    }
  }
}
