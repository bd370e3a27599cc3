// Fetch wrapper for /api/v1: cookies for auth, the CSRF header on writes, one error type.
import type { ErrorCode } from "./types";

/** A code from the API's catalogue, or one made here when no envelope came back. */
export type ApiErrorCode = ErrorCode | "network" | `http_${number}`;

export class ApiError extends Error {
  constructor(
    readonly status: number, // 0 when the request never got an answer
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
    /** Seconds the server asked us to wait before trying again (its Retry-After), if any. */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }

  /** Worth retrying with the same request: no answer, or the server or a proxy failed. */
  get transient(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

export interface Result<T> {
  status: number;
  data: T;
}

/** Retry-After as seconds: a number of seconds or an HTTP date (RFC 9110 §10.2.3). */
function retryAfter(value: string | null): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, (at - Date.now()) / 1000);
}

function cookie(name: string): string | undefined {
  for (const part of document.cookie.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return undefined;
}

/** Call the API; resolves for 2xx (data is null for 204), rejects with ApiError otherwise. */
export async function request<T>(method: string, path: string, body?: unknown): Promise<Result<T>> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const csrf = cookie("decoders_csrf");
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, { method, headers, body: payload, credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "network", "No connection to the server.");
  }
  const text = await response.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = (data as { error?: { code?: ErrorCode; message?: string; details?: unknown } } | null)?.error;
    throw new ApiError(
      response.status,
      error?.code ?? `http_${response.status}`,
      error?.message ?? response.statusText,
      error?.details,
      retryAfter(response.headers.get("Retry-After")),
    );
  }
  return { status: response.status, data: data as T };
}

export const get = <T>(path: string) => request<T>("GET", path).then((r) => r.data);
export const post = <T>(path: string, body?: unknown) => request<T>("POST", path, body);

/** A random UUID, also outside secure contexts (plain-HTTP deployments). */
export function uuid(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
