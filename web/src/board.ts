// The board: a column per status, a card per task. Columns scroll on their own under a fixed top
// bar; a person can collapse a column (remembered in localStorage), and on a phone the columns are
// tabs. Search, the assignee and status filters and the sort order live in the URL, so a view can
// be shared and survives a reload. Cards are one tab stop each: arrow keys move between cards and
// columns, Enter edits, Shift+Left/Right moves the card a column, Delete deletes; the card's
// buttons are named for it. Every write is sent with If-Match and `Prefer: conflict=merge`; a clash
// on the same field opens the conflict view. A lock held by someone else shows as a badge and
// turns the card's writes off, saying why; the person's own lock (from "Hold for 10 minutes", another
// window or the CLI) is theirs: they edit under it and release it.
import { describeProblem, NetworkError } from "./api";
import { patchMerging, resolveConflict } from "./conflict";
import { clear, h, lockIcon } from "./dom";
import { openEditor, type BoardContext } from "./editor";
import { formatDate, formatShortDate, formatTime, formatUntil } from "./format";
import { holdLock, releaseLock } from "./locks";
import { confirmDialog } from "./notices";
import { liveLock } from "./store";
import { STATUSES, STATUS_LABELS, type Lock, type Status, type Task } from "./types";

export interface BoardDeps extends BoardContext {
  isAdmin(): boolean;
}

interface Column {
  section: HTMLElement;
  list: HTMLElement;
  count: HTMLElement;
  empty: HTMLElement;
  toggle: HTMLButtonElement;
  tab: HTMLButtonElement;
}

interface Card {
  el: HTMLElement;
  key: string;
}

type SortKey = "due" | "updated" | "title";
const SORTS: Record<SortKey, [string, (a: Task, b: Task) => number]> = {
  due: ["Due date", (a, b) => a.dueDate.localeCompare(b.dueDate)],
  updated: ["Recently updated", (a, b) => b.updatedAt.localeCompare(a.updatedAt)],
  title: ["Title", (a, b) => a.taskTitle.localeCompare(b.taskTitle)],
};

const DRAG_TYPE = "application/x-lockstep-task";
const COLLAPSED_KEY = "lockstep.collapsed";

function taskPath(id: string): string {
  return `/v1/tasks/${encodeURIComponent(id)}`;
}

/** The card's time mark: past its warning time ("due in 20 min"), or overdue; null otherwise. */
export function dueMark(t: Task, now: number): { kind: "warning" | "overdue"; text: string } | null {
  if (t.taskStatus === "COMPLETED" || t.taskStatus === "CANCELLED") return null;
  const due = new Date(t.dueDate).getTime();
  if (Number.isNaN(due)) return null;
  if (due <= now) return { kind: "overdue", text: "overdue" };
  if (now < due - t.warningOffset * 60_000) return null;
  const min = Math.ceil((due - now) / 60_000);
  return { kind: "warning", text: min < 60 ? `due in ${min} min` : `due in ${Math.floor(min / 60)} h ${min % 60} min` };
}

function storedCollapsed(): Set<string> {
  try {
    return new Set(JSON.parse(localStorage.getItem(COLLAPSED_KEY) ?? "[]") as string[]);
  } catch {
    return new Set();
  }
}

export class Board {
  readonly el: HTMLElement;
  readonly toolbar: HTMLElement;
  readonly tabs: HTMLElement;
  private readonly columns = new Map<Status, Column>();
  private readonly cards = new Map<string, Card>();
  private readonly pending = new Set<string>();
  private readonly search: HTMLInputElement;
  private readonly userFilter: HTMLSelectElement;
  private readonly statusFilter: HTMLSelectElement;
  private readonly sort: HTMLSelectElement;
  private readonly shownCount: HTMLElement;
  private readonly names: HTMLDataListElement;
  private readonly collapsed = storedCollapsed();
  private knownUsers: string[] = [];
  private tab: Status = "NOT_STARTED";
  private dragging: string | null = null;

  constructor(private readonly ctx: BoardDeps) {
    const q = new URLSearchParams(location.search);
    this.search = h("input", { id: "search", type: "search", placeholder: "Title or description  ( / )", autocomplete: "off", "aria-keyshortcuts": "/" });
    this.search.value = q.get("q") ?? "";
    this.userFilter = h("select", { id: "filter-user" }, h("option", { value: "", text: "Everyone" }));
    this.statusFilter = h(
      "select",
      { id: "filter-status" },
      h("option", { value: "", text: "All statuses" }),
      ...STATUSES.map((s) => h("option", { value: s, text: STATUS_LABELS[s] })),
    );
    this.sort = h("select", { id: "sort" }, ...Object.entries(SORTS).map(([k, [label]]) => h("option", { value: k, text: label })));
    const user = q.get("user") ?? "";
    if (user) this.userFilter.append(h("option", { value: user, text: user }));
    this.userFilter.value = user;
    this.statusFilter.value = (STATUSES as readonly string[]).includes(q.get("status") ?? "") ? q.get("status")! : "";
    this.sort.value = q.get("sort") && q.get("sort")! in SORTS ? q.get("sort")! : "due";
    for (const el of [this.userFilter, this.statusFilter, this.sort]) el.addEventListener("change", () => this.viewChanged());
    this.search.addEventListener("input", () => this.viewChanged());
    this.shownCount = h("p", { class: "shown-count", role: "status" });
    this.names = h("datalist", { id: "known-users" });
    this.toolbar = h(
      "div",
      { class: "toolbar", role: "search", "aria-label": "Find and filter tasks" },
      h("div", { class: "filter filter-search" }, h("label", { for: "search", text: "Search" }), this.search),
      h("div", { class: "filter" }, h("label", { for: "filter-user", text: "Assignee" }), this.userFilter),
      h("div", { class: "filter" }, h("label", { for: "filter-status", text: "Status" }), this.statusFilter),
      h("div", { class: "filter" }, h("label", { for: "sort", text: "Sort by" }), this.sort),
      this.shownCount,
      this.names,
    );
    this.tabs = h("div", { class: "col-tabs", role: "tablist", "aria-label": "Columns" });
    this.el = h("main", { id: "board", class: "board", tabindex: "-1", "aria-label": "Task board" });
    for (const s of STATUSES) this.el.append(this.column(s));
    this.el.addEventListener("keydown", (e) => this.onKey(e));
    document.addEventListener("keydown", (e) => {
      const target = e.target as HTMLElement | null;
      if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || document.querySelector("dialog[open]")) return;
      if (target?.closest("input, textarea, select, [contenteditable]")) return;
      e.preventDefault();
      this.search.focus();
      this.search.select();
    });
    ctx.store.subscribe(() => this.render());
  }

  /** Filters, search or sort changed: keep them in the URL (shareable, survives a reload), redraw. */
  private viewChanged(): void {
    const q = new URLSearchParams();
    if (this.search.value.trim()) q.set("q", this.search.value.trim());
    if (this.userFilter.value) q.set("user", this.userFilter.value);
    if (this.statusFilter.value) q.set("status", this.statusFilter.value);
    if (this.sort.value !== "due") q.set("sort", this.sort.value);
    const query = q.toString();
    history.replaceState(history.state, "", `${location.pathname}${query ? `?${query}` : ""}${location.hash}`);
    this.render();
  }

  /** Admins learn every user's name (GET /v1/users); everyone learns task owners from the list. */
  setKnownUsers(names: string[]): void {
    this.knownUsers = names;
    this.render();
  }

  private column(status: Status): HTMLElement {
    const headingId = `col-${status}`;
    const count = h("span", { class: "col-count" });
    const list = h("ul", { class: "cards", role: "list", id: `cards-${status}` });
    const empty = h("li", { class: "empty", text: "No tasks" });
    const toggle = h("button", { type: "button", class: "col-toggle", "aria-controls": list.id, text: "" });
    toggle.addEventListener("click", () => this.setCollapsed(status, !this.collapsed.has(status)));
    const tab = h("button", { type: "button", role: "tab", class: "col-tab", "data-status": status, "aria-controls": `column-${status}` });
    tab.addEventListener("click", () => this.showTab(status));
    this.tabs.append(tab);
    const section = h(
      "section",
      { class: `column status-${status}`, id: `column-${status}`, "aria-labelledby": headingId, "data-status": status },
      h("header", { class: "col-head" }, h("h2", { id: headingId }, h("span", { class: "col-dot", "aria-hidden": "true" }), STATUS_LABELS[status], " ", count), toggle),
      list,
    );
    section.addEventListener("dragover", (e) => {
      if (!this.dragging || !e.dataTransfer?.types.includes(DRAG_TYPE)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = "move";
      section.classList.add("drop-target");
    });
    section.addEventListener("dragleave", (e) => {
      if (!section.contains(e.relatedTarget as Node | null)) section.classList.remove("drop-target");
    });
    section.addEventListener("drop", (e) => {
      e.preventDefault();
      section.classList.remove("drop-target");
      const id = e.dataTransfer?.getData(DRAG_TYPE) || this.dragging;
      this.dragging = null;
      const t = id ? this.ctx.store.get(id) : undefined;
      if (t) void this.changeStatus(t, status);
    });
    this.columns.set(status, { section, list, count, empty, toggle, tab });
    this.paintColumn(status);
    return section;
  }

  private setCollapsed(status: Status, on: boolean): void {
    if (on) this.collapsed.add(status);
    else this.collapsed.delete(status);
    localStorage.setItem(COLLAPSED_KEY, JSON.stringify([...this.collapsed]));
    this.paintColumn(status);
  }

  private paintColumn(status: Status): void {
    const col = this.columns.get(status)!;
    const on = this.collapsed.has(status);
    col.section.classList.toggle("collapsed", on);
    col.toggle.setAttribute("aria-expanded", String(!on));
    col.toggle.setAttribute("aria-label", `${on ? "Expand" : "Collapse"} ${STATUS_LABELS[status]}`);
    col.toggle.textContent = on ? "»" : "«";
    col.tab.setAttribute("aria-selected", String(this.tab === status));
    col.section.toggleAttribute("data-current", this.tab === status);
  }

  /** The phone's column tabs: one column at a time. */
  private showTab(status: Status): void {
    this.tab = status;
    for (const s of STATUSES) this.paintColumn(s);
  }

  /** Focuses the board's first card (after sign-in, or from the skip link), else the board. */
  focusFirstCard(): void {
    const first = [...this.el.querySelectorAll<HTMLElement>(".card")].find((c) => c.offsetParent !== null);
    (first ?? this.el).focus();
  }

  /** The cards a person can reach with the arrow keys, column by column. */
  private reachable(): HTMLElement[][] {
    const out: HTMLElement[][] = [];
    for (const s of STATUSES) {
      const col = this.columns.get(s)!;
      if (col.section.hidden || col.section.offsetParent === null || this.collapsed.has(s)) continue;
      out.push([...col.list.querySelectorAll<HTMLElement>(".card")]);
    }
    return out.filter((c) => c.length > 0);
  }

  private onKey(e: KeyboardEvent): void {
    const cardEl = e.target as HTMLElement;
    if (!cardEl.classList?.contains("card")) return;
    const t = this.ctx.store.get(cardEl.dataset.taskId!);
    if (!t) return;
    if (e.shiftKey && (e.key === "ArrowLeft" || e.key === "ArrowRight")) {
      e.preventDefault();
      const next = STATUSES[STATUSES.indexOf(t.taskStatus) + (e.key === "ArrowLeft" ? -1 : 1)];
      if (next) void this.changeStatus(t, next);
      return;
    }
    if (e.key === "Delete") {
      e.preventDefault();
      void this.remove(t);
      return;
    }
    const grid = this.reachable();
    const ci = grid.findIndex((c) => c.includes(cardEl));
    if (ci < 0) return;
    const ri = grid[ci].indexOf(cardEl);
    let target: HTMLElement | undefined;
    if (e.key === "ArrowDown") target = grid[ci][ri + 1];
    else if (e.key === "ArrowUp") target = grid[ci][ri - 1];
    else if (e.key === "Home") target = grid[ci][0];
    else if (e.key === "End") target = grid[ci][grid[ci].length - 1];
    else if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
      const col = grid[ci + (e.key === "ArrowLeft" ? -1 : 1)];
      target = col?.[Math.min(ri, col.length - 1)];
    } else return;
    e.preventDefault();
    target?.focus();
  }

  /** Who holds a live lock that keeps this page out (null: nobody, or this person). */
  private blockingLock(t: Task, now = Date.now()): Lock | null {
    if (this.ctx.heldLocks.has(t.taskId)) return null;
    const lock = liveLock(t, now);
    if (!lock) return null;
    return lock.owner === this.ctx.me() ? null : lock;
  }

  private cardKey(t: Task, now: number): string {
    const lock = liveLock(t, now);
    return [
      t.eTag,
      t.taskTitle,
      lock ? `${lock.owner}@${lock.expiresAt}` : "-",
      this.ctx.heldLocks.has(t.taskId) ? "held" : "",
      this.pending.has(t.taskId) ? "pending" : "",
      this.ctx.isAdmin() ? "admin" : "",
      this.ctx.me() ?? "",
      dueMark(t, now)?.text ?? "",
    ].join("|");
  }

  private visible(t: Task, words: string[]): boolean {
    const u = this.userFilter.value;
    if (u && t.userId !== u) return false;
    if (words.length === 0) return true;
    const text = `${t.taskTitle}\n${t.taskDescription}`.toLowerCase();
    return words.every((w) => text.includes(w));
  }

  private syncUserOptions(tasks: Task[]): void {
    const owners = new Set(tasks.map((t) => t.userId));
    const users = Array.from(owners).sort((a, b) => a.localeCompare(b));
    const have = Array.from(this.userFilter.options).slice(1).map((o) => o.value);
    const chosen = this.userFilter.value;
    if (chosen && !users.includes(chosen)) users.push(chosen);
    if (users.join("\n") !== have.join("\n")) {
      while (this.userFilter.options.length > 1) this.userFilter.remove(1);
      for (const u of users) this.userFilter.append(h("option", { value: u, text: u }));
      this.userFilter.value = chosen;
    }
    // The Assignee field's suggestions: me, task owners, and (for an admin) every user.
    const me = this.ctx.me();
    const names = Array.from(new Set([...(me ? [me] : []), ...users, ...this.knownUsers])).filter(Boolean);
    if (names.join("\n") !== Array.from(this.names.options, (o) => o.value).join("\n")) {
      clear(this.names);
      for (const n of names) this.names.append(h("option", { value: n }));
    }
  }

  /** Brings the DOM in line with the store, touching only cards that changed. */
  render(): void {
    const now = Date.now();
    const tasks = this.ctx.store.all();
    // Cards are replaced and moved between columns below; focus follows its task.
    const focusedCard = document.activeElement?.closest<HTMLElement>(".card") ?? null;
    const focus = focusedCard ? { id: focusedCard.dataset.taskId!, role: focusedRole(focusedCard)! } : null;
    this.syncUserOptions(tasks);
    const statusOnly = this.statusFilter.value as Status | "";
    const words = this.search.value.toLowerCase().split(/\s+/).filter(Boolean);
    const order = SORTS[this.sort.value as SortKey]?.[1] ?? SORTS.due[1];
    const byStatus = new Map<Status, Task[]>(STATUSES.map((s) => [s, []]));
    const shownIds = new Set<string>();
    let shown = 0;
    for (const t of tasks) {
      if (!this.visible(t, words)) continue;
      shownIds.add(t.taskId);
      byStatus.get(t.taskStatus)?.push(t);
    }
    const alive = new Set(tasks.map((t) => t.taskId));
    for (const [id, card] of this.cards) {
      if (!alive.has(id)) {
        card.el.parentElement?.remove();
        this.cards.delete(id);
      }
    }
    for (const s of STATUSES) {
      const col = this.columns.get(s)!;
      col.section.hidden = statusOnly !== "" && statusOnly !== s;
      const list = byStatus.get(s)!;
      list.sort((a, b) => order(a, b) || a.taskId.localeCompare(b.taskId));
      if (!col.section.hidden) shown += list.length;
      col.count.textContent = `(${list.length})`;
      col.tab.textContent = `${STATUS_LABELS[s]} ${list.length}`;
      this.fill(col, list, now);
    }
    // Cards filtered out by assignee or search.
    for (const t of tasks) {
      if (!shownIds.has(t.taskId)) {
        const c = this.cards.get(t.taskId);
        if (c) {
          c.el.parentElement?.remove();
          this.cards.delete(t.taskId);
        }
      }
    }
    this.shownCount.textContent = `${shown} ${shown === 1 ? "task" : "tasks"} shown of ${tasks.length}`;
    if (focus) {
      const el = this.cards.get(focus.id)?.el;
      if (el?.isConnected && !el.contains(document.activeElement)) restoreFocus(el, focus.role);
    }
  }

  private fill(col: Column, tasks: Task[], now: number): void {
    const items: HTMLElement[] = [];
    for (const t of tasks) {
      const key = this.cardKey(t, now);
      let card = this.cards.get(t.taskId);
      if (!card || card.key !== key) {
        const el = this.card(t, now);
        if (card) {
          card.el.parentElement?.replaceChild(el, card.el);
          card = { el, key };
          this.cards.set(t.taskId, card);
        } else {
          card = { el, key };
          this.cards.set(t.taskId, card);
        }
      }
      items.push(card.el.parentElement ?? h("li", { class: "card-item" }, card.el));
    }
    if (items.length === 0) items.push(col.empty);
    // Move only what is out of place, so focus and scroll stay put where nothing changed.
    items.forEach((li, i) => {
      if (col.list.children[i] !== li) col.list.insertBefore(li, col.list.children[i] ?? null);
    });
    while (col.list.children.length > items.length) col.list.lastElementChild!.remove();
  }

  /** Updates the "in 42 s" countdowns, and re-renders cards whose lock just ran out. */
  tick(): void {
    const now = Date.now();
    let stale = false;
    for (const [id, card] of this.cards) {
      const t = this.ctx.store.get(id);
      if (t && this.cardKey(t, now) !== card.key) stale = true;
      for (const span of card.el.querySelectorAll<HTMLElement>("[data-until]")) {
        span.textContent = formatUntil(span.dataset.until!, now);
      }
    }
    if (stale) this.render();
  }

  private card(t: Task, now: number): HTMLElement {
    const id = t.taskId;
    const title = t.taskTitle;
    const titleId = `title-${id}`;
    const lock = liveLock(t, now);
    const blocking = this.blockingLock(t, now);
    const heldHere = this.ctx.heldLocks.has(id);
    const mineElsewhere = !heldHere && lock !== null && lock.owner === this.ctx.me();
    const pending = this.pending.has(id);
    const mark = dueMark(t, now);

    let badge: HTMLElement | null = null;
    const badgeId = `lock-${id}`;
    if (heldHere) {
      badge = h("p", { class: "lock-badge mine", id: badgeId }, lockIcon(), " You are editing this task");
    } else if (lock) {
      badge = h(
        "p",
        { class: `lock-badge${mineElsewhere ? " mine" : ""}`, id: badgeId, "data-testid": "lock-badge" },
        lockIcon(),
        mineElsewhere ? ` Held by you until ${formatTime(lock.expiresAt)} (` : ` Locked by ${lock.owner} until ${formatTime(lock.expiresAt)} (`,
        h("span", { "data-until": lock.expiresAt, text: formatUntil(lock.expiresAt, now) }),
        ")",
      );
    }
    const whyId = `why-${id}`;
    const why = blocking
      ? h("p", { class: "why", id: whyId, text: `${blocking.owner} is editing this task: editing, moving and deleting are off until the lock ends.` })
      : null;

    // One tab stop per card: its controls are reached by pointer, or by the card's keys.
    const statusSel = h(
      "select",
      { "data-role": "status", tabindex: "-1", "aria-label": `Status of ${title}`, disabled: !!blocking || pending, "aria-describedby": blocking ? whyId : null },
      ...STATUSES.map((st) => h("option", { value: st, text: STATUS_LABELS[st] })),
    );
    statusSel.value = t.taskStatus;
    statusSel.addEventListener("change", () => void this.changeStatus(t, statusSel.value as Status));

    const edit = this.actionButton("Edit", `Edit ${title}`, "edit", blocking, whyId, pending, () => void openEditor(this.ctx, t));
    const hold = mineElsewhere
      ? this.actionButton("Release", `Release ${title}`, "release", null, whyId, pending, () => void this.release(t))
      : heldHere || lock
        ? null
        : this.actionButton("Hold", `Hold ${title} for 10 minutes`, "hold", null, whyId, pending, () => void this.hold(t));
    if (hold && !mineElsewhere) hold.title = "Hold for 10 minutes: a lock that keeps others out while you work on it";
    const del = this.actionButton("Delete", `Delete ${title}`, "delete", blocking, whyId, pending, () => void this.remove(t));
    const breakBtn =
      blocking && this.ctx.isAdmin()
        ? h("button", { type: "button", tabindex: "-1", class: "btn btn-small btn-danger", "data-role": "break", "aria-label": `Break lock on ${title}`, text: "Break lock" })
        : null;
    breakBtn?.addEventListener("click", () => void this.breakLock(t, blocking!));

    const el = h(
      "article",
      {
        class: `card status-${t.taskStatus}${blocking ? " locked" : ""}${heldHere ? " editing" : ""}${pending ? " pending" : ""}${mark ? ` ${mark.kind}` : ""}`,
        tabindex: "0",
        "data-role": "card",
        "data-task-id": id,
        "aria-labelledby": titleId,
        "aria-describedby": [`meta-${id}`, badge ? badgeId : ""].filter(Boolean).join(" "),
        "aria-busy": pending ? "true" : null,
        "aria-keyshortcuts": "Enter Shift+ArrowLeft Shift+ArrowRight Delete",
        draggable: blocking || pending || heldHere ? "false" : "true",
      },
      h("h3", { id: titleId, class: "card-title", text: title, title: t.taskDescription || null }),
      h(
        "p",
        { class: "card-meta", id: `meta-${id}` },
        h("span", { class: "assignee", text: t.userId }),
        " · ",
        h("time", { datetime: t.dueDate, title: `Due ${formatDate(t.dueDate)}`, text: formatShortDate(t.dueDate) }),
        " · ",
        h("span", { class: "version", text: `v${t.version} by ${t.updatedBy}` }),
      ),
      mark ? h("p", { class: `mark mark-${mark.kind}`, "data-testid": "due-mark", text: mark.kind === "overdue" ? "Overdue" : mark.text }) : null,
      badge,
      h("div", { class: "card-actions" }, statusSel, edit, hold, del, breakBtn),
      why,
    );
    el.addEventListener("keydown", (e) => {
      if (e.target === el && e.key === "Enter") {
        e.preventDefault();
        edit.click();
      }
    });
    el.addEventListener("dragstart", (e) => {
      if (!e.dataTransfer) return;
      this.dragging = id;
      e.dataTransfer.setData(DRAG_TYPE, id);
      e.dataTransfer.setData("text/plain", title);
      e.dataTransfer.effectAllowed = "move";
      el.classList.add("dragging");
    });
    el.addEventListener("dragend", () => {
      this.dragging = null;
      el.classList.remove("dragging");
      for (const col of this.columns.values()) col.section.classList.remove("drop-target");
    });
    return el;
  }

  /** A button that stays focusable when off (aria-disabled), and says why when pressed. */
  private actionButton(label: string, name: string, role: string, blocking: Lock | null, whyId: string, pending: boolean, run: () => void): HTMLButtonElement {
    const b = h("button", {
      type: "button",
      tabindex: "-1",
      class: "btn btn-small",
      "data-role": role,
      "aria-label": name,
      text: label,
      "aria-disabled": blocking || pending ? "true" : null,
      "aria-describedby": blocking ? whyId : null,
      title: blocking ? `${blocking.owner} is editing this task (locked until ${formatTime(blocking.expiresAt)})` : null,
    });
    b.addEventListener("click", () => {
      if (pending) return;
      if (blocking) {
        this.ctx.notices.info(`${blocking.owner} is editing this task until ${formatTime(blocking.expiresAt)}; ${label.toLowerCase()} is off until then.`);
        return;
      }
      run();
    });
    return b;
  }

  /** "Hold for 10 minutes": the person's own lock, for a long edit; the card then offers Release. */
  private async hold(t: Task): Promise<void> {
    try {
      const r = await holdLock(this.ctx.api, t.taskId);
      if (r.ok && r.data) {
        this.ctx.learnMe(r.data.owner);
        this.ctx.store.setLock(t.taskId, r.data);
        this.ctx.notices.info(`You hold “${t.taskTitle}” until ${formatTime(r.data.expiresAt)}; others cannot change it until you release it.`);
      } else if (r.status === 423 && r.problem?.lock) {
        this.ctx.store.setLock(t.taskId, r.problem.lock);
        this.ctx.notices.error(`${r.problem.lock.owner} is editing “${t.taskTitle}”; it cannot be held until they are done.`);
      } else {
        this.ctx.notices.error(describeProblem(r.problem, "The task could not be held."));
      }
    } catch (err) {
      this.ctx.notices.error(err instanceof NetworkError ? err.message : "The task could not be held.");
    }
  }

  /** Releases the person's own lock, wherever it was taken (a hold, another window, the CLI). */
  private async release(t: Task): Promise<void> {
    try {
      const r = await releaseLock(this.ctx.api, t.taskId);
      if (r.ok || r.status === 404) {
        this.ctx.store.setLock(t.taskId, null);
        this.ctx.notices.info(`Released “${t.taskTitle}”.`, 3000);
      } else {
        this.ctx.notices.error(describeProblem(r.problem, "The lock could not be released."));
      }
    } catch (err) {
      this.ctx.notices.error(err instanceof NetworkError ? err.message : "The lock could not be released.");
    }
    this.ctx.refresh();
  }

  private setPending(id: string, on: boolean): void {
    if (on) this.pending.add(id);
    else this.pending.delete(id);
    this.render();
  }

  /** Drag or select: PATCH {taskStatus} with If-Match; a stale one opens the conflict view. */
  async changeStatus(t: Task, status: Status): Promise<void> {
    const task = this.ctx.store.get(t.taskId) ?? t;
    if (task.taskStatus === status || this.pending.has(task.taskId)) return;
    const blocking = this.blockingLock(task);
    if (blocking) {
      this.ctx.notices.info(`${blocking.owner} is editing “${task.taskTitle}”; it cannot be moved until the lock ends.`);
      this.render();
      return;
    }
    this.setPending(task.taskId, true);
    try {
      const mine = { taskStatus: status };
      const w = await patchMerging(this.ctx.api, task, mine, this.ctx.heldLocks.get(task.taskId)?.token ?? null);
      if (w.kind === "saved") {
        this.ctx.store.upsert(w.task);
        this.ctx.learnMe(w.task.updatedBy);
        this.ctx.notices.info(w.notice ?? `Moved “${w.task.taskTitle}” to ${STATUS_LABELS[w.task.taskStatus]}.`, w.notice ? 10000 : 3000);
        return;
      }
      if (w.kind === "clash") {
        this.setPending(task.taskId, false);
        const outcome = await resolveConflict({
          api: this.ctx.api,
          base: task,
          current: w.current,
          mine,
          conflicts: w.conflicts,
          lockToken: () => null,
          fromEditor: false,
        });
        if (outcome.kind === "saved") {
          this.ctx.store.upsert(outcome.task);
          this.ctx.learnMe(outcome.task.updatedBy);
          this.ctx.notices.info(outcome.message);
        } else if (outcome.kind === "discarded" || outcome.kind === "edit") {
          this.ctx.store.upsert(outcome.kind === "edit" ? outcome.current : outcome.task);
        } else {
          this.ctx.store.remove(task.taskId);
          this.ctx.notices.error(`“${task.taskTitle}” was deleted by someone else.`);
        }
        return;
      }
      const r = w.reply;
      const p = r.problem;
      if (r.status === 423 && p?.lock) {
        this.ctx.store.setLock(task.taskId, p.lock);
        this.ctx.notices.error(`${p.lock.owner} is editing “${task.taskTitle}” (until ${formatTime(p.lock.expiresAt)}); try again after that.`);
      } else if (r.status === 404) {
        this.ctx.store.remove(task.taskId);
        this.ctx.notices.error(`“${task.taskTitle}” was deleted by someone else.`);
      } else {
        this.ctx.notices.error(describeProblem(p, "The status could not be changed."));
      }
    } catch (err) {
      this.ctx.notices.error(err instanceof NetworkError ? err.message : "The status could not be changed.");
    } finally {
      this.setPending(task.taskId, false);
    }
  }

  private async remove(t: Task): Promise<void> {
    const task = this.ctx.store.get(t.taskId) ?? t;
    if (!(await confirmDialog("Delete this task?", `“${task.taskTitle}” will be deleted for everyone.`, "Delete task"))) return;
    this.setPending(task.taskId, true);
    try {
      const r = await this.ctx.api.call("DELETE", taskPath(task.taskId), { headers: { "If-Match": task.eTag } });
      const p = r.problem;
      if (r.ok || r.status === 404) {
        this.ctx.store.remove(task.taskId);
        this.ctx.notices.info(`Deleted “${task.taskTitle}”.`);
      } else if (r.status === 412 && p?.current) {
        this.ctx.store.upsert(p.current);
        this.ctx.notices.error(
          `${p.current.updatedBy} changed “${p.current.taskTitle}” after you loaded it, so it was not deleted. The card now shows their version; delete again if you still want to.`,
        );
      } else if (r.status === 423 && p?.lock) {
        this.ctx.store.setLock(task.taskId, p.lock);
        this.ctx.notices.error(`${p.lock.owner} is editing “${task.taskTitle}”; it cannot be deleted until the lock ends.`);
      } else {
        this.ctx.notices.error(describeProblem(p, "The task could not be deleted."));
      }
    } catch (err) {
      this.ctx.notices.error(err instanceof NetworkError ? err.message : "The task could not be deleted.");
    } finally {
      this.setPending(task.taskId, false);
    }
  }

  private async breakLock(t: Task, lock: Lock): Promise<void> {
    const ok = await confirmDialog(
      "Break the lock?",
      `${lock.owner} is editing “${t.taskTitle}”. Breaking the lock lets others change it; ${lock.owner}'s save will then be checked against the current version instead of going through.`,
      "Break lock",
    );
    if (!ok) return;
    try {
      const r = await this.ctx.api.call("DELETE", `${taskPath(t.taskId)}/lock?force=true`);
      if (r.ok || r.status === 404) {
        this.ctx.store.setLock(t.taskId, null);
        this.ctx.notices.info(`The lock on “${t.taskTitle}” is broken.`);
      } else {
        this.ctx.notices.error(describeProblem(r.problem, "The lock could not be broken."));
      }
    } catch (err) {
      this.ctx.notices.error(err instanceof NetworkError ? err.message : "The lock could not be broken.");
    }
    this.ctx.refresh();
  }

  clear(): void {
    for (const c of this.columns.values()) clear(c.list);
    this.cards.clear();
  }
}

function focusedRole(card: HTMLElement | null): string | null {
  if (!card) return null;
  const a = document.activeElement as HTMLElement | null;
  if (!a || !card.contains(a)) return null;
  return a.dataset.role ?? "card";
}

function restoreFocus(card: HTMLElement, role: string): void {
  const target = role === "card" ? card : (card.querySelector(`[data-role="${role}"]`) as HTMLElement | null);
  (target ?? card).focus({ preventScroll: true });
}
