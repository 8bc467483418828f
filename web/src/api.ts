// The board's one way to talk to lockstepd: same origin, `Authorization: Bearer`, problem bodies
// parsed, and 429/503 (and dropped connections) retried with backoff that honours Retry-After
// (docs/api.md "Retrying safely"). Every write carries an Idempotency-Key, the same on each retry,
// so a retry after a lost answer can never apply a write twice.
import type { Problem } from "./types";

export interface Reply<T> {
  ok: boolean;
  status: number;
  headers: Headers;
  /** The parsed body of a 2xx answer (null for 204). */
  data: T | null;
  /** The problem of a non-2xx answer. */
  problem: Problem | null;
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Retry 429/503/dropped connections (default true). */
  retry?: boolean;
  signal?: AbortSignal;
  keepalive?: boolean;
}

export interface ApiHooks {
  /** A quiet, passing message (retrying...), or null to clear it. */
  busy(message: string | null): void;
  /** The token was refused (401). */
  unauthorized(): void;
}

/** Thrown only when the server could not be reached at all, after the retries. */
export class NetworkError extends Error {}

const RETRY_BUDGET_MS = 30_000;
const BACKOFF_BASE_MS = 300;
const BACKOFF_CAP_MS = 8_000;
const REQUEST_TIMEOUT_MS = 30_000;

export function idempotencyKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Retry-After in milliseconds (delta-seconds or an HTTP date), or 0. */
export function retryAfterMs(headers: Headers, now = Date.now()): number {
  const v = headers.get("Retry-After");
  if (!v) return 0;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? 0 : Math.max(0, t - now);
}

/** Full-jitter exponential backoff, never sooner than the server asked. */
export function backoffMs(attempt: number, serverMs: number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return Math.max(serverMs, Math.random() * ceiling);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    });
  });
}

function retryable(status: number, problem: Problem | null): boolean {
  return status === 429 || status === 503 || (status === 409 && problem?.code === "IDEMPOTENCY_IN_PROGRESS");
}

async function parseBody(res: Response): Promise<unknown> {
  if (res.status === 204 || res.status === 304) return null;
  const type = res.headers.get("Content-Type") ?? "";
  const text = await res.text();
  if (!text) return null;
  if (type.includes("json")) {
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  }
  return null;
}

export class Api {
  constructor(
    readonly token: string,
    private readonly hooks: ApiHooks,
  ) {}

  authHeaders(): Record<string, string> {
    return { Authorization: `Bearer ${this.token}` };
  }

  async call<T>(method: string, path: string, opts: CallOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { Accept: "application/json", ...this.authHeaders(), ...opts.headers };
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.body);
    }
    if (method !== "GET" && method !== "HEAD" && !headers["Idempotency-Key"]) {
      headers["Idempotency-Key"] = idempotencyKey();
    }
    const started = Date.now();
    const mayRetry = opts.retry !== false;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
        res = await fetch(path, {
          method,
          headers,
          body,
          cache: "no-store",
          keepalive: opts.keepalive,
          signal: opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout,
        });
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        const wait = backoffMs(attempt, 0);
        if (!mayRetry || Date.now() - started + wait > RETRY_BUDGET_MS) {
          this.hooks.busy(null);
          throw new NetworkError("The server cannot be reached. Check that lockstepd is running.");
        }
        this.hooks.busy(`Connection lost; trying again in ${Math.ceil(wait / 1000)} s…`);
        await sleep(wait, opts.signal);
        continue;
      }
      const parsed = await parseBody(res);
      const problem = res.ok ? null : toProblem(res.status, parsed);
      if (!res.ok && mayRetry && retryable(res.status, problem)) {
        const wait = backoffMs(attempt, retryAfterMs(res.headers));
        if (Date.now() - started + wait <= RETRY_BUDGET_MS) {
          const why = res.status === 429 ? "Many requests at once" : "The server is busy";
          this.hooks.busy(`${why}; trying again in ${Math.max(1, Math.ceil(wait / 1000))} s…`);
          await sleep(wait, opts.signal);
          continue;
        }
      }
      if (attempt > 0) this.hooks.busy(null);
      if (res.status === 401) this.hooks.unauthorized();
      return { ok: res.ok, status: res.status, headers: res.headers, data: res.ok ? (parsed as T) : null, problem };
    }
  }
}

function toProblem(status: number, body: unknown): Problem {
  if (body && typeof body === "object" && "status" in body) return body as Problem;
  return { status, title: `HTTP ${status}` };
}

/** One sentence for a person; never the raw body. */
export function describeProblem(p: Problem | null, fallback = "Something went wrong."): string {
  if (!p) return fallback;
  switch (p.code) {
    case "RATE_LIMITED":
      return "Too many requests right now; please try again in a moment.";
    case "OVERLOADED":
      return "The server is busy; please try again in a moment.";
    case "UNAUTHENTICATED":
      return "Your token is no longer accepted. Please sign in again.";
    case "FORBIDDEN":
      return p.detail ?? "You are not allowed to do that.";
    case "NOT_FOUND":
      return "This task no longer exists (someone deleted it).";
    default:
      break;
  }
  if (p.detail) return p.detail;
  if (p.title) return `${p.title}.`;
  return fallback;
}
