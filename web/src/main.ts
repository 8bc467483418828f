// The page: sign in with a token (kept in sessionStorage), then the board. The board loads the
// task list, follows the change feed from the list's revision, and re-reads the list every 10 s
// and on focus, since locks make no feed entries (API.md §5, §8).
import "./styles.css";
import { Api, describeProblem, NetworkError } from "./api";
import { Board } from "./board";
import { clear, h } from "./dom";
import { openCreate } from "./editor";
import type { LockSession } from "./locks";
import { Notices } from "./notices";
import { ChangeFeed, type FeedState } from "./sse";
import { TaskStore } from "./store";
import type { Change, TaskList } from "./types";

const TOKEN_KEY = "lockstep.token";
const ME_KEY = "lockstep.me";
const POLL_MS = 10_000;
const PAGE_LIMIT = 500;

const root = document.getElementById("app")!;

class App {
  private readonly api: Api;
  private readonly store = new TaskStore();
  private readonly notices = new Notices();
  private readonly heldLocks = new Map<string, LockSession>();
  private readonly board: Board;
  private readonly liveEl = h("p", { class: "live", role: "status", "data-state": "connecting", text: "Connecting…" });
  private readonly whoEl = h("p", { class: "who" });
  private feed: ChangeFeed | null = null;
  private admin = false;
  private me: string | null = sessionStorage.getItem(ME_KEY);
  private timers: ReturnType<typeof setInterval>[] = [];
  private refreshing = false;
  private lastRefresh = 0;
  private debounce: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private readonly onFocus = () => {
    if (Date.now() - this.lastRefresh > 2000) void this.refresh();
  };
  private readonly onVisible = () => {
    if (document.visibilityState === "visible") this.onFocus();
  };
  private readonly onPageHide = () => {
    for (const s of this.heldLocks.values()) s.releaseOnUnload();
  };

  constructor(token: string) {
    this.api = new Api(token, {
      busy: (m) => this.notices.busy(m),
      unauthorized: () => this.signOut("Your token is no longer accepted. Please sign in again."),
    });
    this.board = new Board({
      api: this.api,
      store: this.store,
      notices: this.notices,
      heldLocks: this.heldLocks,
      me: () => this.me,
      learnMe: (name) => this.learnMe(name),
      isAdmin: () => this.admin,
      refresh: () => void this.refresh(),
    });
  }

  async start(): Promise<void> {
    const newTask = h("button", { type: "button", class: "btn btn-primary", text: "New task" });
    const signOut = h("button", { type: "button", class: "btn btn-quiet", text: "Sign out" });
    newTask.addEventListener("click", () =>
      openCreate({
        api: this.api,
        store: this.store,
        notices: this.notices,
        heldLocks: this.heldLocks,
        me: () => this.me,
        learnMe: (n) => this.learnMe(n),
        refresh: () => void this.refresh(),
      }),
    );
    signOut.addEventListener("click", () => this.signOut(null));
    clear(root);
    root.className = "app";
    root.append(
      h(
        "header",
        { class: "topbar" },
        h("h1", {}, "Lockstep ", h("span", { class: "subtitle", text: "task board" })),
        this.liveEl,
        this.whoEl,
        h("div", { class: "topbar-actions" }, newTask, signOut),
      ),
      this.board.toolbar,
      this.board.tabs,
      this.notices.el,
      this.board.el,
    );
    this.showWho();
    this.timers.push(setInterval(() => this.board.tick(), 1000));
    this.timers.push(setInterval(() => void this.refresh(), POLL_MS));
    window.addEventListener("focus", this.onFocus);
    document.addEventListener("visibilitychange", this.onVisible);
    window.addEventListener("pagehide", this.onPageHide);
    void this.loadMe();
    await this.loadAndFollow();
    // Into the board, not the page body (the sign-in button that had focus is gone).
    if (!document.activeElement || document.activeElement === document.body) this.board.focusFirstCard();
  }

  private learnMe(name: string): void {
    if (!name || name === this.me) return;
    this.me = name;
    sessionStorage.setItem(ME_KEY, name);
    this.showWho();
    this.board.render();
  }

  private showWho(): void {
    const role = this.admin ? " (admin)" : "";
    this.whoEl.textContent = this.me ? `Signed in as ${this.me}${role}` : `Signed in${role}`;
  }

  /** Who the token is (GET /v1/me, any user); an admin's board also knows every user's name. */
  private async loadMe(): Promise<void> {
    try {
      const r = await this.api.call<{ name: string; role: string }>("GET", "/v1/me");
      if (!r.ok || !r.data) return;
      this.admin = r.data.role === "admin";
      this.learnMe(r.data.name);
      this.showWho();
      this.board.render();
      if (!this.admin) return; // GET /v1/users is for admins only: a plain user never asks
      const users = await this.api.call<{ users: { name: string }[] }>("GET", "/v1/users");
      if (users.ok && users.data) this.board.setKnownUsers(users.data.users.map((u) => u.name));
    } catch {
      // Stay a plain user with no name shown; the first write or lock tells the name.
    }
  }

  /** Every page of the list; the feed starts from the first page's revision. */
  private async loadAll(quiet = false): Promise<{ revision: number; startedAt: number } | null> {
    const startedAt = performance.now();
    let token: string | null = null;
    let revision: number | null = null;
    const tasks = [];
    do {
      const q = new URLSearchParams({ limit: String(PAGE_LIMIT) });
      if (token) q.set("pageToken", token);
      const r = await this.api.call<TaskList>("GET", `/v1/tasks?${q}`);
      if (!r.ok || !r.data) {
        if (r.status !== 401 && !quiet) this.notices.error(describeProblem(r.problem, "The tasks could not be loaded."));
        return null;
      }
      revision ??= r.data.revision;
      tasks.push(...r.data.tasks);
      token = r.data.nextPageToken;
    } while (token);
    this.store.replaceAll(tasks, revision ?? 0, startedAt);
    this.lastRefresh = Date.now();
    return { revision: revision ?? 0, startedAt };
  }

  private async loadAndFollow(): Promise<void> {
    let loaded = null;
    try {
      loaded = await this.loadAll();
    } catch (err) {
      this.notices.error(err instanceof NetworkError ? err.message : "The tasks could not be loaded.");
    }
    if (this.stopped) return;
    if (!loaded) {
      this.setLive("reconnecting", "Retrying shortly…");
      setTimeout(() => void (this.stopped || this.loadAndFollow()), 5000);
      return;
    }
    this.feed?.stop();
    this.feed = new ChangeFeed(this.api.token, loaded.revision, {
      change: (c) => this.onChange(c),
      expired: () => {
        this.notices.info("The board fell behind the change history; reloading it.");
        void this.loadAndFollow();
      },
      unauthorized: () => this.signOut("Your token is no longer accepted. Please sign in again."),
      state: (s, detail) => this.setLive(s, detail),
    });
    this.feed.start();
  }

  private onChange(c: Change): void {
    this.store.applyChange(c);
    if (c.by !== this.me) {
      // The writer may hold (or have just dropped) a lock: look again soon.
      if (this.debounce) clearTimeout(this.debounce);
      this.debounce = setTimeout(() => void this.refresh(), 1500);
    }
  }

  private setLive(s: FeedState, detail?: string): void {
    const text: Record<FeedState, string> = {
      connecting: "Connecting…",
      live: "Live",
      reconnecting: "Reconnecting…",
      stopped: "Offline",
    };
    this.liveEl.dataset.state = s;
    this.liveEl.textContent = text[s];
    this.liveEl.title = detail ?? (s === "live" ? "Changes by others appear as they happen." : "");
  }

  /** Re-reads the list (for locks, and as a safety net); one at a time. */
  async refresh(): Promise<void> {
    if (this.refreshing || this.stopped) return;
    this.refreshing = true;
    try {
      await this.loadAll(true);
    } catch {
      // A passing failure; the next poll tries again.
    } finally {
      this.refreshing = false;
    }
  }

  signOut(message: string | null): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const s of this.heldLocks.values()) void s.release();
    this.heldLocks.clear();
    this.feed?.stop();
    for (const t of this.timers) clearInterval(t);
    window.removeEventListener("focus", this.onFocus);
    document.removeEventListener("visibilitychange", this.onVisible);
    window.removeEventListener("pagehide", this.onPageHide);
    for (const d of document.querySelectorAll("dialog")) d.remove();
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(ME_KEY);
    showSignIn(message);
  }
}

function showSignIn(message: string | null): void {
  clear(root);
  root.className = "";
  const input = h("input", {
    id: "token",
    name: "token",
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": "token-hint token-error",
    required: true,
  });
  const error = h("p", { id: "token-error", class: "field-error", hidden: !message, text: message ?? "" });
  const button = h("button", { type: "submit", class: "btn btn-primary", text: "Sign in" });
  const form = h(
    "form",
    { class: "signin-form", novalidate: true },
    h("h1", {}, "Lockstep ", h("span", { class: "subtitle", text: "task board" })),
    h("label", { for: "token", text: "Access token" }),
    input,
    h(
      "p",
      { id: "token-hint", class: "hint" },
      "Paste the token that ",
      h("code", { text: "lockstepd user add NAME" }),
      " printed (or the admin token from the server's first start). It is kept only in this browser tab.",
    ),
    error,
    button,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const token = input.value.trim();
    const fail = (m: string) => {
      error.textContent = m;
      error.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.focus();
    };
    if (!token) return fail("Paste your access token first.");
    button.disabled = true;
    try {
      const probe = new Api(token, { busy: () => undefined, unauthorized: () => undefined });
      const r = await probe.call("GET", "/v1/tasks?limit=1");
      if (r.status === 401) return fail("This token was not accepted. Check that you copied all of it.");
      if (!r.ok) return fail(describeProblem(r.problem, "The server refused the sign-in."));
      sessionStorage.setItem(TOKEN_KEY, token);
      sessionStorage.removeItem(ME_KEY);
      void new App(token).start();
    } catch (err) {
      fail(err instanceof NetworkError ? err.message : "The server cannot be reached.");
    } finally {
      button.disabled = false;
    }
  });
  root.append(h("main", { class: "signin" }, form));
  input.focus();
}

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) void new App(saved).start();
else showSignIn(null);
