// The lock an open edit dialog holds (API.md §5): taken on open, renewed every 20 s while the
// dialog is open, its fencing token sent with the save, released on close (and on leaving the page),
// unless the person already held it before the dialog opened. Plus the card's own "Hold for 10
// minutes" and "Release": a lock the person holds is theirs wherever it was taken.
import { describeProblem, type Api, type Reply } from "./api";
import type { Lock } from "./types";

export const LOCK_TTL_SECONDS = 60;
export const RENEW_EVERY_MS = 20_000;

export type AcquireResult = { ok: true; lock: Lock } | { ok: false; reply: Reply<Lock>; message: string };

export class LockSession {
  lock: Lock | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private released = false;

  constructor(
    private readonly api: Api,
    readonly taskId: string,
    /** Called when a renewal finds the lock gone (expired, or broken by an admin). */
    private readonly onLost: (message: string) => void,
    private readonly onChange: (lock: Lock | null) => void,
    /**
     * The person already held this lock (a "Hold for 10 minutes", or the CLI with the same user):
     * the dialog works under it, never shortens it, and leaves it held when it closes.
     */
    private readonly held: Lock | null = null,
  ) {}

  /** Seconds to ask for: the usual minute, or what is left of a hold the person already had. */
  private ttl(): number {
    if (!this.held) return LOCK_TTL_SECONDS;
    return Math.max(LOCK_TTL_SECONDS, Math.ceil((new Date(this.held.expiresAt).getTime() - Date.now()) / 1000));
  }

  /** The lock a closed dialog leaves held (the person's own hold), or null. */
  get kept(): Lock | null {
    return this.held ? this.lock : null;
  }

  private path(): string {
    return `/v1/tasks/${encodeURIComponent(this.taskId)}/lock`;
  }

  async acquire(): Promise<AcquireResult> {
    const reply = await this.api.call<Lock>("POST", this.path(), { body: { ttlSeconds: this.ttl() } });
    if (!reply.ok || !reply.data) {
      return { ok: false, reply, message: describeProblem(reply.problem, "The task could not be locked.") };
    }
    this.lock = reply.data;
    this.onChange(this.lock);
    this.timer = setInterval(() => void this.renew(), RENEW_EVERY_MS);
    return { ok: true, lock: reply.data };
  }

  /** Renews now (or takes the lock again after losing it); false when someone else has it. */
  async renew(): Promise<boolean> {
    if (this.released) return false;
    let reply: Reply<Lock>;
    try {
      reply = await this.api.call<Lock>("POST", this.path(), { body: { ttlSeconds: this.ttl() } });
    } catch {
      return true; // unreachable for now: the next renewal tries again
    }
    if (this.released) return false;
    if (reply.ok && reply.data) {
      if (!this.lock) {
        // Lost earlier, free again now: hold it for the rest of the dialog.
        this.timer ??= setInterval(() => void this.renew(), RENEW_EVERY_MS);
      } else if (reply.data.token !== this.lock.token) {
        // Ours had lapsed and this is a fresh grant: the old fencing token is dead, so is any
        // promise that nobody wrote in between. The save's If-Match still guards that.
        this.onLost("Your lock had lapsed (it expired or an admin broke it) and was taken again; your save is still checked against the version you started from.");
      }
      this.lock = reply.data;
      this.onChange(this.lock);
      return true;
    }
    if (reply.status === 423 || reply.status === 404) {
      this.stopTimer();
      const owner = reply.problem?.lock?.owner;
      this.lock = null;
      this.onChange(reply.problem?.lock ?? null);
      this.onLost(
        owner
          ? `You no longer hold the lock: ${owner} has it now. Your changes are still here; saving is checked against the version you started from.`
          : "You no longer hold the lock (it expired or an admin broke it). Your changes are still here.",
      );
      return false;
    }
    return true; // a passing failure: the next renewal tries again
  }

  /** Releases the lock (if still held). Safe to call twice. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.stopTimer();
    if (!this.lock || this.held) return;
    this.lock = null;
    this.onChange(null);
    await this.api.call("DELETE", this.path(), { retry: false }).catch(() => undefined);
  }

  /** Best effort on page hide: the request outlives the page. */
  releaseOnUnload(): void {
    if (this.released || !this.lock || this.held) return;
    this.released = true;
    this.stopTimer();
    void fetch(this.path(), { method: "DELETE", headers: this.api.authHeaders(), keepalive: true }).catch(() => undefined);
  }

  get token(): number | null {
    return this.lock?.token ?? null;
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

export const HOLD_SECONDS = 600;

/** "Hold for 10 minutes": takes (or extends) the person's lock without opening the dialog. */
export function holdLock(api: Api, taskId: string): Promise<Reply<Lock>> {
  return api.call<Lock>("POST", `/v1/tasks/${encodeURIComponent(taskId)}/lock`, { body: { ttlSeconds: HOLD_SECONDS } });
}

/** Releases the person's own lock (taken here, in another window, or from the CLI). */
export function releaseLock(api: Api, taskId: string): Promise<Reply<unknown>> {
  return api.call("DELETE", `/v1/tasks/${encodeURIComponent(taskId)}/lock`);
}
