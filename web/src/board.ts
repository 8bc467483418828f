// The board: a column per status, a card per task, filters by assignee and status. Cards are
// focusable; each has a status <select> as the keyboard (and phone) alternative to dragging it to
// another column. Every write is sent with If-Match (the card's ETag); a stale one opens the
// conflict view. A lock held by someone else shows as a badge and turns the card's writes off,
// saying why.
import { describeProblem, NetworkError } from "./api";
import { resolveConflict } from "./conflict";
import { clear, h, lockIcon } from "./dom";
import { openEditor, type BoardContext } from "./editor";
import { formatDate, formatTime, formatUntil } from "./format";
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
}

interface Card {
  el: HTMLElement;
  key: string;
}

const DRAG_TYPE = "application/x-lockstep-task";

function taskPath(id: string): string {
  return `/v1/tasks/${encodeURIComponent(id)}`;
}

export class Board {
  readonly el: HTMLElement;
  readonly toolbar: HTMLElement;
  private readonly columns = new Map<Status, Column>();
  private readonly cards = new Map<string, Card>();
  private readonly pending = new Set<string>();
  private readonly userFilter: HTMLSelectElement;
  private readonly statusFilter: HTMLSelectElement;
  private readonly shownCount: HTMLElement;
  private dragging: string | null = null;

  constructor(private readonly ctx: BoardDeps) {
    this.userFilter = h("select", { id: "filter-user" }, h("option", { value: "", text: "Everyone" }));
    this.statusFilter = h(
      "select",
      { id: "filter-status" },
      h("option", { value: "", text: "All statuses" }),
      ...STATUSES.map((s) => h("option", { value: s, text: STATUS_LABELS[s] })),
    );
    this.userFilter.addEventListener("change", () => this.render());
    this.statusFilter.addEventListener("change", () => this.render());
    this.shownCount = h("p", { class: "shown-count" });
    this.toolbar = h(
      "div",
      { class: "toolbar", role: "search", "aria-label": "Filter tasks" },
      h("div", { class: "filter" }, h("label", { for: "filter-user", text: "Assignee" }), this.userFilter),
      h("div", { class: "filter" }, h("label", { for: "filter-status", text: "Status" }), this.statusFilter),
      this.shownCount,
    );
    this.el = h("main", { id: "board", class: "board", tabindex: "-1", "aria-label": "Task board" });
    for (const s of STATUSES) this.el.append(this.column(s));
    ctx.store.subscribe(() => this.render());
  }

  private column(status: Status): HTMLElement {
    const headingId = `col-${status}`;
    const count = h("span", { class: "col-count" });
    const list = h("ul", { class: "cards", role: "list" });
    const empty = h("li", { class: "empty", text: "No tasks" });
    const section = h(
      "section",
      { class: `column status-${status}`, "aria-labelledby": headingId, "data-status": status },
      h("h2", { id: headingId }, h("span", { class: "col-dot", "aria-hidden": "true" }), STATUS_LABELS[status], " ", count),
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
    this.columns.set(status, { section, list, count, empty });
    return section;
  }

  /** Who holds a live lock that keeps this page out (null: nobody, or this page itself). */
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
    ].join("|");
  }

  private visible(t: Task): boolean {
    const u = this.userFilter.value;
    return !u || t.userId === u;
  }

  private syncUserOptions(tasks: Task[]): void {
    const users = Array.from(new Set(tasks.map((t) => t.userId))).sort((a, b) => a.localeCompare(b));
    const have = Array.from(this.userFilter.options).slice(1).map((o) => o.value);
    const chosen = this.userFilter.value;
    if (chosen && !users.includes(chosen)) users.push(chosen);
    if (users.join("\n") === have.join("\n")) return;
    while (this.userFilter.options.length > 1) this.userFilter.remove(1);
    for (const u of users) this.userFilter.append(h("option", { value: u, text: u }));
    this.userFilter.value = chosen;
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
    const byStatus = new Map<Status, Task[]>(STATUSES.map((s) => [s, []]));
    let shown = 0;
    for (const t of tasks) {
      if (!this.visible(t)) continue;
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
      list.sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.taskId.localeCompare(b.taskId));
      if (!col.section.hidden) shown += list.length;
      col.count.textContent = `(${list.length})`;
      this.fill(col, list, now);
    }
    // Cards filtered out by assignee.
    for (const t of tasks) {
      if (!this.visible(t)) {
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
    const titleId = `title-${id}`;
    const lock = liveLock(t, now);
    const blocking = this.blockingLock(t, now);
    const heldHere = this.ctx.heldLocks.has(id);
    const pending = this.pending.has(id);
    const due = new Date(t.dueDate).getTime();
    const overdue = due < now && t.taskStatus !== "COMPLETED" && t.taskStatus !== "CANCELLED";

    let badge: HTMLElement | null = null;
    const badgeId = `lock-${id}`;
    if (heldHere) {
      badge = h("p", { class: "lock-badge mine", id: badgeId }, lockIcon(), " You are editing this task");
    } else if (lock) {
      const who = lock.owner === this.ctx.me() ? "you (in another window)" : lock.owner;
      badge = h(
        "p",
        { class: "lock-badge", id: badgeId, "data-testid": "lock-badge" },
        lockIcon(),
        ` Locked by ${who} until ${formatTime(lock.expiresAt)} (`,
        h("span", { "data-until": lock.expiresAt, text: formatUntil(lock.expiresAt, now) }),
        ")",
      );
    }
    const whyId = `why-${id}`;
    const why = blocking
      ? h("p", { class: "why", id: whyId, text: `${blocking.owner} is editing this task: editing, moving and deleting are off until the lock ends.` })
      : null;

    const statusId = `status-${id}`;
    const statusSel = h(
      "select",
      { id: statusId, "data-role": "status", disabled: !!blocking || pending, "aria-describedby": blocking ? whyId : null },
      ...STATUSES.map((s) => h("option", { value: s, text: STATUS_LABELS[s] })),
    );
    statusSel.value = t.taskStatus;
    statusSel.addEventListener("change", () => void this.changeStatus(t, statusSel.value as Status));

    const edit = this.actionButton("Edit", "edit", blocking, whyId, pending, () => void openEditor(this.ctx, t));
    const del = this.actionButton("Delete", "delete", blocking, whyId, pending, () => void this.remove(t));
    const breakBtn =
      blocking && this.ctx.isAdmin()
        ? h("button", { type: "button", class: "btn btn-small btn-danger", "data-role": "break", text: "Break lock" })
        : null;
    breakBtn?.addEventListener("click", () => void this.breakLock(t, blocking!));

    const el = h(
      "article",
      {
        class: `card status-${t.taskStatus}${blocking ? " locked" : ""}${heldHere ? " editing" : ""}${pending ? " pending" : ""}`,
        tabindex: "0",
        "data-role": "card",
        "data-task-id": id,
        "aria-labelledby": titleId,
        "aria-describedby": badge ? badgeId : null,
        "aria-busy": pending ? "true" : null,
        draggable: blocking || pending || heldHere ? "false" : "true",
      },
      h("h3", { id: titleId, class: "card-title", text: t.taskTitle }),
      t.taskDescription ? h("p", { class: "card-desc", text: t.taskDescription }) : null,
      h(
        "dl",
        { class: "card-meta" },
        h("div", {}, h("dt", { text: "Assignee" }), h("dd", { class: "assignee", text: t.userId })),
        h(
          "div",
          {},
          h("dt", { text: "Due" }),
          h("dd", {}, h("time", { datetime: t.dueDate, text: formatDate(t.dueDate) }), overdue ? h("span", { class: "overdue", text: " overdue" }) : null),
        ),
        h("div", {}, h("dt", { text: "Version" }), h("dd", { class: "version", text: `v${t.version} by ${t.updatedBy}` })),
      ),
      badge,
      h(
        "div",
        { class: "card-actions" },
        h("label", { for: statusId, class: "sr-only", text: `Status of ${t.taskTitle}` }),
        statusSel,
        edit,
        del,
        breakBtn,
      ),
      why,
    );
    el.addEventListener("keydown", (e) => {
      if (e.target === el && e.key === "Enter" && !blocking && !pending) {
        e.preventDefault();
        void openEditor(this.ctx, t);
      }
    });
    el.addEventListener("dragstart", (e) => {
      if (!e.dataTransfer) return;
      this.dragging = id;
      e.dataTransfer.setData(DRAG_TYPE, id);
      e.dataTransfer.setData("text/plain", t.taskTitle);
      e.dataTransfer.effectAllowed = "move";
      el.classList.add("dragging");
    });
    el.addEventListener("dragend", () => {
      this.dragging = null;
      el.classList.remove("dragging");
      for (const c of this.columns.values()) c.section.classList.remove("drop-target");
    });
    return el;
  }

  /** A button that stays focusable when off (aria-disabled), and says why when pressed. */
  private actionButton(label: string, role: string, blocking: Lock | null, whyId: string, pending: boolean, run: () => void): HTMLButtonElement {
    const b = h("button", {
      type: "button",
      class: "btn btn-small",
      "data-role": role,
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
      const headers: Record<string, string> = { "If-Match": task.eTag };
      const held = this.ctx.heldLocks.get(task.taskId)?.token;
      if (held != null) headers["Lock-Token"] = String(held);
      const r = await this.ctx.api.call<Task>("PATCH", taskPath(task.taskId), { body: { taskStatus: status }, headers });
      if (r.ok && r.data) {
        this.ctx.store.upsert(r.data);
        this.ctx.learnMe(r.data.updatedBy);
        this.ctx.notices.info(`Moved “${r.data.taskTitle}” to ${STATUS_LABELS[r.data.taskStatus]}.`, 3000);
        return;
      }
      const p = r.problem;
      if ((r.status === 412 || (r.status === 409 && p?.code === "VERSION_CONFLICT")) && p?.current) {
        this.setPending(task.taskId, false);
        const outcome = await resolveConflict({
          api: this.ctx.api,
          base: task,
          current: p.current,
          mine: { taskStatus: status },
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
      } else if (r.status === 423 && p?.lock) {
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

  /** Focuses the board's first card (after sign-in, or from the skip link). */
  focusFirstCard(): void {
    (this.el.querySelector(".card") as HTMLElement | null)?.focus();
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
