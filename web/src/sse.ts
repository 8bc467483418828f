// Following the change feed (API.md §8) as server-sent events. EventSource cannot send an
// Authorization header, so this reads `GET /v1/changes/stream` with fetch() and parses
// text/event-stream itself (the WHATWG "event stream interpretation"). After a drop it reconnects
// with backoff and resumes with Last-Event-ID, so no change is missed or seen twice.
import { backoffMs, retryAfterMs, sleep } from "./api";
import type { Change } from "./types";

export interface SseEvent {
  type: string;
  data: string;
  /** The last event id in force when this event was dispatched. */
  lastEventId: string;
}

/** Incremental text/event-stream parser: push decoded text, get whole events back. */
export class SseParser {
  private buffer = "";
  private skipLf = false;
  private data: string[] = [];
  private type = "";
  lastEventId = "";
  /** The server's `retry:` in milliseconds, if it sent one. */
  retryMs: number | null = null;

  push(text: string): SseEvent[] {
    if (this.skipLf && text.startsWith("\n")) text = text.slice(1);
    this.skipLf = false;
    this.buffer += text;
    const events: SseEvent[] = [];
    for (;;) {
      const m = /\r\n|\n|\r/.exec(this.buffer);
      if (!m) break;
      // A CR that ends the chunk ends the line; an LF that opens the next chunk completes it.
      if (m[0] === "\r" && m.index === this.buffer.length - 1) this.skipLf = true;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      const ev = this.line(line);
      if (ev) events.push(ev);
    }
    return events;
  }

  private line(line: string): SseEvent | null {
    if (line === "") {
      if (this.data.length === 0) {
        this.type = "";
        return null;
      }
      const ev = { type: this.type || "message", data: this.data.join("\n"), lastEventId: this.lastEventId };
      this.data = [];
      this.type = "";
      return ev;
    }
    if (line.startsWith(":")) return null;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.type = value;
    else if (field === "id" && !value.includes("\0")) this.lastEventId = value;
    else if (field === "retry" && /^\d+$/.test(value)) this.retryMs = Number(value);
    return null;
  }
}

export type FeedState = "connecting" | "live" | "reconnecting" | "stopped";

export interface FeedHandlers {
  change(c: Change): void;
  /** The position fell out of the retained feed (410 or CURSOR_EXPIRED): list again. */
  expired(): void;
  unauthorized(): void;
  state(s: FeedState, detail?: string): void;
}

/** A heartbeat comes every 15 s; a stream silent for this long is taken as dead. */
const SILENCE_MS = 40_000;

export class ChangeFeed {
  private ctrl: AbortController | null = null;
  private stopped = false;
  private lastEventId: string | null = null;

  constructor(
    private readonly token: string,
    private since: number,
    private readonly handlers: FeedHandlers,
  ) {}

  /** The revision of the last change delivered (or the start). */
  get position(): number {
    return this.since;
  }

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.ctrl?.abort();
    this.handlers.state("stopped");
  }

  private async run(): Promise<void> {
    let attempt = 0;
    let first = true;
    while (!this.stopped) {
      this.handlers.state(first ? "connecting" : "reconnecting");
      first = false;
      const outcome = await this.connectOnce();
      if (this.stopped || outcome.kind === "end") return;
      if (outcome.kind === "delivered") attempt = 0;
      const wait = backoffMs(attempt, outcome.waitMs ?? 0);
      attempt += 1;
      this.handlers.state("reconnecting", outcome.why);
      await sleep(outcome.kind === "delivered" ? Math.min(wait, 1000) : wait);
    }
  }

  private async connectOnce(): Promise<{ kind: "end" | "retry" | "delivered"; waitMs?: number; why?: string }> {
    const ctrl = new AbortController();
    this.ctrl = ctrl;
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.token}`,
      Accept: "text/event-stream",
    };
    if (this.lastEventId !== null) headers["Last-Event-ID"] = this.lastEventId;
    let res: Response;
    try {
      res = await fetch(`/v1/changes/stream?since=${this.since}`, { headers, cache: "no-store", signal: ctrl.signal });
    } catch {
      return { kind: "retry", why: "The live connection dropped." };
    }
    if (res.status === 410) {
      this.stopped = true;
      this.handlers.expired();
      return { kind: "end" };
    }
    if (res.status === 401) {
      this.stopped = true;
      this.handlers.unauthorized();
      return { kind: "end" };
    }
    if (!res.ok || !res.body) {
      return { kind: "retry", waitMs: retryAfterMs(res.headers), why: `The server answered ${res.status}.` };
    }
    this.handlers.state("live");
    const parser = new SseParser();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let delivered = false;
    let watchdog = setTimeout(() => ctrl.abort(), SILENCE_MS);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        clearTimeout(watchdog);
        watchdog = setTimeout(() => ctrl.abort(), SILENCE_MS);
        for (const ev of parser.push(value)) {
          if (ev.type === "change") {
            const change = JSON.parse(ev.data) as Change;
            this.lastEventId = ev.lastEventId || String(change.revision);
            this.since = change.revision;
            delivered = true;
            this.handlers.change(change);
          } else if (ev.type === "error") {
            const code = safeCode(ev.data);
            this.stopped = true;
            if (code === "UNAUTHENTICATED") this.handlers.unauthorized();
            else this.handlers.expired();
            ctrl.abort();
            return { kind: "end" };
          }
        }
      }
    } catch {
      // Dropped, aborted by the watchdog or by stop(): fall through to reconnect (or end).
    } finally {
      clearTimeout(watchdog);
    }
    return { kind: delivered ? "delivered" : "retry", why: "The live connection dropped." };
  }
}

function safeCode(data: string): string {
  try {
    const v = JSON.parse(data) as { code?: unknown };
    return typeof v.code === "string" ? v.code : "";
  } catch {
    return "";
  }
}
