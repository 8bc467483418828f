// The conflict view: a write came back stale (412 with `current`, or 409). It shows the person the
// version their edit started from (the base, read from the task's history), the version as it is
// now, and their own values, field by field, and offers: keep mine (re-apply my fields on the
// current version), take theirs, merge (the server's three-way merge, API.md §4), or go back to
// editing. Nothing typed is lost: the caller keeps the draft until an outcome says it was saved.
import { describeProblem, NetworkError, type Api, type Reply } from "./api";
import { clear, h, uid } from "./dom";
import { fieldLabel, formatValue } from "./format";
import { FIELDS, STATUS_LABELS, type Field, type MergeConflict, type Patch, type Task, type TaskVersion } from "./types";

export interface ConflictArgs {
  api: Api;
  /** The task as the edit started from it (used when the history no longer has that version). */
  base: Task;
  /** The task as it is now, from the problem's `current`. */
  current: Task;
  /** The fields this person set. */
  mine: Patch;
  /** The lock's fencing token as each write is sent (a lapsed lock may be taken again meanwhile). */
  lockToken(): number | null;
  /** Whether "Back to my edit" makes sense (the write came from the edit dialog). */
  fromEditor: boolean;
}

export type ConflictOutcome =
  | { kind: "saved"; task: Task; message: string }
  | { kind: "discarded"; task: Task }
  | { kind: "edit"; current: Task; errors?: Reply<Task>["problem"] }
  | { kind: "gone" };

/** True when the status rule of API.md §4 decides this status conflict: BLOCKED wins. */
export function blockedRuleApplies(base: Task, current: Task, mine: Patch): boolean {
  const yours = mine.taskStatus;
  if (yours === undefined || yours === base.taskStatus) return false;
  if (current.taskStatus === base.taskStatus || current.taskStatus === yours) return false;
  return yours === "BLOCKED" || current.taskStatus === "BLOCKED";
}

async function fetchBase(api: Api, taskId: string, version: number): Promise<Task | null> {
  try {
    const r = await api.call<{ versions: TaskVersion[] }>("GET", `/v1/tasks/${encodeURIComponent(taskId)}/versions`);
    return r.data?.versions.find((v) => v.version === version)?.task ?? null;
  } catch {
    return null;
  }
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function resolveConflict(args: ConflictArgs): Promise<ConflictOutcome> {
  return new Promise((resolve) => new ConflictView(args, resolve).open());
}

class ConflictView {
  private readonly dlg: HTMLDialogElement;
  private readonly body: HTMLElement;
  private readonly errorEl: HTMLElement;
  private readonly actions: HTMLElement;
  private base: Task;
  private baseFromHistory = false;
  private current: Task;
  private busy = false;
  private finished = false;

  constructor(
    private readonly args: ConflictArgs,
    private readonly resolve: (o: ConflictOutcome) => void,
  ) {
    this.base = args.base;
    this.current = args.current;
    const titleId = uid("conflict-title");
    this.body = h("div", { class: "conflict-body" });
    this.errorEl = h("p", { class: "form-error", role: "alert", hidden: true });
    this.actions = h("div", { class: "dialog-actions conflict-actions" });
    this.dlg = h(
      "dialog",
      { class: "dialog conflict", "aria-labelledby": titleId, "data-testid": "conflict" },
      h(
        "div",
        { class: "dialog-head" },
        h("h2", { id: titleId, text: `“${args.base.taskTitle}” changed while you were working on it` }),
        h("button", { type: "button", class: "btn btn-quiet dialog-close", "data-action": "close", "aria-label": "Close", text: "×", onclick: () => this.leave() }),
      ),
      this.body,
      this.errorEl,
      this.actions,
    );
    this.dlg.addEventListener("cancel", (e) => {
      e.preventDefault();
      this.leave();
    });
    // The browser may close a dialog without a cancel the page can stop (Chromium does on a second
    // Escape with no click between): that is leaving too, never a way to strand the edit.
    this.dlg.addEventListener("close", () => {
      if (this.finished) return;
      if (this.busy) this.dlg.showModal(); // a write is on its way: its answer decides
      else this.leave();
    });
  }

  /** Escape or Close: back to the edit, rebased on the current version (or, for a move, theirs). */
  private leave(): void {
    if (this.busy) return;
    this.finish(this.args.fromEditor ? { kind: "edit", current: this.current } : { kind: "discarded", task: this.current });
  }

  async open(): Promise<void> {
    document.body.append(this.dlg);
    this.body.append(h("p", { class: "muted", text: "Loading the version you started from…" }));
    this.dlg.showModal();
    const fromHistory = await fetchBase(this.args.api, this.args.base.taskId, this.args.base.version);
    if (fromHistory) {
      this.base = fromHistory;
      this.baseFromHistory = true;
    }
    this.render();
  }

  private finish(o: ConflictOutcome): void {
    if (this.finished) return;
    this.finished = true;
    this.dlg.close();
    this.dlg.remove();
    this.resolve(o);
  }

  private showError(message: string | null): void {
    this.errorEl.textContent = message ?? "";
    this.errorEl.hidden = !message;
  }

  private render(note?: string): void {
    clear(this.body);
    clear(this.actions);
    const { mine } = this.args;
    const who = this.current.updatedBy;
    this.body.append(
      h(
        "p",
        { class: "lede" },
        `You started from version ${this.base.version}. Since then ${who} saved version ${this.current.version}. `,
        "Nothing you typed is lost: compare the versions below, then choose what to keep.",
      ),
    );
    if (note) this.body.append(h("p", { class: "note", role: "status", text: note }));
    if (!this.baseFromHistory) {
      this.body.append(
        h("p", { class: "muted", text: "The server no longer keeps that version's history; “When you started” shows this page's copy of it." }),
      );
    }
    if (blockedRuleApplies(this.base, this.current, mine)) {
      this.body.append(
        h(
          "div",
          { class: "rule-note", "data-testid": "blocked-rule" },
          h("strong", { text: "About the status: " }),
          `you chose “${STATUS_LABELS[mine.taskStatus!]}” and ${who} chose “${STATUS_LABELS[this.current.taskStatus]}”. `,
          "When two people change the status at once and one of them sets Blocked, Lockstep keeps Blocked, so that a blocker is never hidden. ",
          "Merge will therefore leave the task Blocked; choose “Keep mine” if you are sure the blocker is gone.",
        ),
      );
    }
    this.body.append(this.table());

    const mergeBtn = h("button", { type: "button", class: "btn btn-primary", "data-action": "merge", text: "Merge" });
    const mineBtn = h("button", { type: "button", class: "btn", "data-action": "mine", text: "Keep mine" });
    const theirsBtn = h("button", { type: "button", class: "btn", "data-action": "theirs", text: "Take theirs" });
    mergeBtn.addEventListener("click", () => void this.merge());
    mineBtn.addEventListener("click", () => void this.keepMine(this.args.mine));
    theirsBtn.addEventListener("click", () => this.finish({ kind: "discarded", task: this.current }));
    this.actions.append(mergeBtn, mineBtn, theirsBtn);
    if (this.args.fromEditor) {
      const editBtn = h("button", { type: "button", class: "btn btn-quiet", "data-action": "edit", text: "Back to my edit" });
      editBtn.addEventListener("click", () => this.finish({ kind: "edit", current: this.current }));
      this.actions.append(editBtn);
    }
    this.body.append(
      h(
        "ul",
        { class: "action-help" },
        h("li", {}, h("strong", { text: "Merge: " }), "keep both sets of changes where they touch different fields; if you both changed the same field you choose which value stays."),
        h("li", {}, h("strong", { text: "Keep mine: " }), "save your values over the current version."),
        h("li", {}, h("strong", { text: "Take theirs: " }), "drop your change and keep the current version."),
        this.args.fromEditor
          ? h("li", {}, h("strong", { text: "Back to my edit: " }), "the form again, showing the current version except where you changed a field; Save sends only your changes.")
          : null,
      ),
    );
    mergeBtn.focus();
  }

  private table(): HTMLElement {
    const { mine } = this.args;
    const rows: HTMLElement[] = [];
    const untouched: string[] = [];
    for (const f of FIELDS) {
      const b = this.base[f];
      const c = this.current[f];
      const mineSet = f in mine && !same(mine[f], b);
      const y = mineSet ? mine[f] : undefined;
      const theirsChanged = !same(b, c);
      if (!mineSet && !theirsChanged) {
        untouched.push(fieldLabel(f));
        continue;
      }
      const both = mineSet && theirsChanged && !same(y, c);
      const status = both ? "Both changed" : mineSet && theirsChanged ? "Same change" : mineSet ? "Only you" : "Only them";
      rows.push(
        h(
          "tr",
          { class: both ? "row-conflict" : "", "data-field": f },
          h("th", { scope: "row" }, fieldLabel(f), h("span", { class: "row-status", text: status })),
          h("td", { class: "v-base", text: formatValue(f, b) }),
          h("td", { class: theirsChanged ? "v-theirs changed" : "v-theirs", text: formatValue(f, c) }),
          h("td", { class: mineSet ? "v-yours changed" : "v-yours muted", text: mineSet ? formatValue(f, y) : "(you did not change it)" }),
        ),
      );
    }
    const table = h(
      "table",
      { class: "diff" },
      h("caption", { text: "Field by field" }),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col", text: "Field" }),
          h("th", { scope: "col", text: `When you started (v${this.base.version})` }),
          h("th", { scope: "col", text: `Now (v${this.current.version}, by ${this.current.updatedBy})` }),
          h("th", { scope: "col", text: "Yours" }),
        ),
      ),
      h("tbody", {}, ...rows),
    );
    const wrap = h("div", { class: "diff-wrap" }, table);
    if (untouched.length) wrap.append(h("p", { class: "muted", text: `Unchanged by anyone: ${untouched.join(", ")}.` }));
    return wrap;
  }

  private headers(ifMatch: string, extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { "If-Match": ifMatch, ...extra };
    const token = this.args.lockToken();
    if (token !== null) headers["Lock-Token"] = String(token);
    return headers;
  }

  private async send(patch: Patch, headers: Record<string, string>): Promise<Reply<Task> | null> {
    if (this.busy) return null;
    this.busy = true;
    this.showError(null);
    this.dlg.setAttribute("aria-busy", "true");
    try {
      return await this.args.api.call<Task>("PATCH", `/v1/tasks/${encodeURIComponent(this.current.taskId)}`, { body: patch, headers });
    } catch (err) {
      this.showError(err instanceof NetworkError ? err.message : "The request failed; nothing was changed. Try again.");
      return null;
    } finally {
      this.busy = false;
      this.dlg.removeAttribute("aria-busy");
    }
  }

  /** Re-apply my fields on the current version, with its ETag. */
  private async keepMine(patch: Patch): Promise<void> {
    if (Object.keys(patch).length === 0) {
      this.finish({ kind: "discarded", task: this.current });
      return;
    }
    const r = await this.send(patch, this.headers(this.current.eTag));
    if (r) this.afterWrite(r, "Saved your version.");
  }

  /** The server's three-way merge from the base (original If-Match). */
  private async merge(): Promise<void> {
    const r = await this.send(this.args.mine, this.headers(this.base.eTag, { Prefer: "conflict=merge" }));
    if (!r) return;
    if (r.ok && r.data) {
      const rule = blockedRuleApplies(this.base, this.current, this.args.mine) && r.data.taskStatus === "BLOCKED";
      this.finish({
        kind: "saved",
        task: r.data,
        message: rule ? "Merged. The status stays Blocked: a blocker wins a status conflict." : `Merged your changes with ${this.current.updatedBy}'s.`,
      });
      return;
    }
    if (r.status === 409 && r.problem?.code === "MERGE_CONFLICT") {
      if (r.problem.current) this.current = r.problem.current;
      if (r.problem.reason === "BASE_NOT_RETAINED" || !r.problem.conflicts?.length) {
        this.render();
        this.showError("The version you started from is too old to merge automatically. Choose “Keep mine” or “Take theirs”.");
        return;
      }
      this.renderChoices(r.problem.conflicts);
      return;
    }
    this.afterWrite(r, "Merged.");
  }

  /** After a MERGE_CONFLICT: the person picks, field by field, then we write on the current version. */
  private renderChoices(conflicts: MergeConflict[]): void {
    this.render("You both changed the fields below. Pick the value to keep for each; your other changes are applied as they are.");
    clear(this.actions);
    const form = h("form", { class: "choices", "data-testid": "merge-choices" });
    const picks = new Map<string, () => "mine" | "theirs">();
    for (const c of conflicts) {
      const name = uid(`pick-${c.field}`);
      const idMine = uid("pick");
      const idTheirs = uid("pick");
      const rMine = h("input", { type: "radio", name, id: idMine, value: "mine", checked: true });
      const rTheirs = h("input", { type: "radio", name, id: idTheirs, value: "theirs" });
      picks.set(c.field, () => (rTheirs.checked ? "theirs" : "mine"));
      form.append(
        h(
          "fieldset",
          { "data-field": c.field },
          h("legend", { text: fieldLabel(c.field) }),
          h("div", { class: "pick" }, rMine, h("label", { for: idMine }, "Mine: ", h("strong", { text: formatValue(c.field, c.yours) }))),
          h("div", { class: "pick" }, rTheirs, h("label", { for: idTheirs }, "Theirs: ", h("strong", { text: formatValue(c.field, c.theirs) }))),
          h("p", { class: "muted", text: `When you started: ${formatValue(c.field, c.base)}` }),
        ),
      );
    }
    const save = h("button", { type: "submit", class: "btn btn-primary", text: "Save my choices" });
    const theirs = h("button", { type: "button", class: "btn", text: "Take theirs" });
    theirs.addEventListener("click", () => this.finish({ kind: "discarded", task: this.current }));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const patch: Patch = { ...this.args.mine };
      for (const [field, pick] of picks) {
        if (pick() === "theirs") delete patch[field as Field];
      }
      // The server resolved the status by the BLOCKED rule (no choice was asked): keep its answer.
      if (blockedRuleApplies(this.base, this.current, this.args.mine) && this.current.taskStatus === "BLOCKED") {
        delete patch.taskStatus;
      }
      void this.keepMine(patch);
    });
    this.body.append(form);
    this.actions.append(save, theirs);
    save.setAttribute("form", (form.id = uid("choices")));
    if (this.args.fromEditor) {
      const editBtn = h("button", { type: "button", class: "btn btn-quiet", text: "Back to my edit" });
      editBtn.addEventListener("click", () => this.finish({ kind: "edit", current: this.current }));
      this.actions.append(editBtn);
    }
    (form.querySelector("input") as HTMLInputElement | null)?.focus();
  }

  private afterWrite(r: Reply<Task>, okMessage: string): void {
    if (r.ok && r.data) {
      this.finish({ kind: "saved", task: r.data, message: okMessage });
      return;
    }
    const p = r.problem;
    if ((r.status === 412 || (r.status === 409 && p?.code === "VERSION_CONFLICT")) && p?.current) {
      this.current = p.current;
      this.render(`It changed again: ${p.current.updatedBy} saved version ${p.current.version}. Here is the newest.`);
      return;
    }
    if (r.status === 404) {
      this.finish({ kind: "gone" });
      return;
    }
    if (r.status === 400 && this.args.fromEditor) {
      this.finish({ kind: "edit", current: this.current, errors: p });
      return;
    }
    if (r.status === 423 && p?.lock) {
      this.showError(`${p.lock.owner} is editing this task right now; try again once they are done.`);
      return;
    }
    this.showError(describeProblem(p, "The change could not be saved."));
  }
}
