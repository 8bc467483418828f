// Writes that may race another person's: every task write the board makes is sent with its
// If-Match and `Prefer: conflict=merge` (API.md §4), so a change to fields nobody else touched goes
// through on top of the newer version by itself, and the person only hears about it in a quiet
// notice. The conflict view opens only when the server answers 409 MERGE_CONFLICT (both changed the
// same field) or when no merge was possible: it lists the clashing fields with mine and theirs for
// each, shows the versions side by side, and saves the person's other changes whatever they pick.
// Nothing typed is lost: the caller keeps the draft until an outcome says it was saved.
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
  /** The clashing fields as the server named them (409 MERGE_CONFLICT); null: work them out here. */
  conflicts: MergeConflict[] | null;
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

/** What a write with `Prefer: conflict=merge` came to. */
export type MergedWrite =
  | { kind: "saved"; task: Task; merged: boolean; notice: string | null }
  | { kind: "clash"; current: Task; conflicts: MergeConflict[] | null }
  | { kind: "other"; reply: Reply<Task> };

/**
 * PATCH `mine` on the version `base` with If-Match and `Prefer: conflict=merge`: the server merges
 * it onto a newer version when nobody else changed these fields; a clash comes back as `clash`.
 * `merged`: the base was no longer current and the server merged onto the newer version; `notice`
 * then says what the others changed.
 */
export async function patchMerging(api: Api, base: Task, mine: Patch, lockToken: number | null): Promise<MergedWrite> {
  const headers: Record<string, string> = { "If-Match": base.eTag, Prefer: "conflict=merge" };
  if (lockToken !== null) headers["Lock-Token"] = String(lockToken);
  const r = await api.call<Task>("PATCH", `/v1/tasks/${encodeURIComponent(base.taskId)}`, { body: mine, headers });
  if (r.ok && r.data) {
    if (!(r.headers.get("Preference-Applied") ?? "").includes("conflict=merge")) return { kind: "saved", task: r.data, merged: false, notice: null };
    const who = await writersBetween(api, base.taskId, base.version, r.data.version);
    return { kind: "saved", task: r.data, merged: true, notice: mergedNotice(base, mine, r.data, who) };
  }
  const p = r.problem;
  if (r.status === 409 && p?.code === "MERGE_CONFLICT" && p.current) {
    return { kind: "clash", current: p.current, conflicts: p.conflicts?.length ? p.conflicts : null };
  }
  if ((r.status === 412 || (r.status === 409 && p?.code === "VERSION_CONFLICT")) && p?.current) {
    return { kind: "clash", current: p.current, conflicts: null };
  }
  return { kind: "other", reply: r };
}

/**
 * Who saved the versions after `from` that a merge went onto, from the task's history ([] if it is
 * not kept). The merged write made version `to`, unless it changed nothing (a status the BLOCKED
 * rule kept): then no version lies between, and `to` itself is theirs.
 */
async function writersBetween(api: Api, taskId: string, from: number, to: number): Promise<string[]> {
  try {
    const r = await api.call<{ versions: TaskVersion[] }>("GET", `/v1/tasks/${encodeURIComponent(taskId)}/versions`, { retry: false });
    const versions = r.data?.versions ?? [];
    const between = versions.filter((v) => v.version > from && v.version < to);
    return [...new Set((between.length ? between : versions.filter((v) => v.version === to)).map((v) => v.by))];
  } catch {
    return [];
  }
}

/** The quiet line after a merge: what the others (`who`) changed, and a status the BLOCKED rule kept. */
export function mergedNotice(base: Task, mine: Patch, saved: Task, who: string[]): string {
  const theirs = FIELDS.filter((f) => !(f in mine) && !same(base[f], saved[f])).map(fieldLabel);
  const kept = mine.taskStatus !== undefined && mine.taskStatus !== "BLOCKED" && saved.taskStatus === "BLOCKED";
  const name = who.length ? who.join(" and ") : "someone else";
  const what = theirs.length ? ` ${name} had changed ${theirs.join(", ")} meanwhile; both changes are kept.` : "";
  const rule = kept ? ` The status stays Blocked: ${name} set it meanwhile, and a blocker wins a status conflict.` : "";
  return `Saved “${saved.taskTitle}”.${what}${rule}`;
}

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
  private conflicts: MergeConflict[] | null;
  private busy = false;
  private finished = false;

  constructor(
    private readonly args: ConflictArgs,
    private readonly resolve: (o: ConflictOutcome) => void,
  ) {
    this.base = args.base;
    this.current = args.current;
    this.conflicts = args.conflicts;
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

  /** The fields both sides changed to different values: the server's list, or worked out here. */
  private clashes(): MergeConflict[] {
    if (this.conflicts) return this.conflicts;
    const { mine } = this.args;
    const out: MergeConflict[] = [];
    for (const f of FIELDS) {
      if (!(f in mine)) continue;
      const b = this.base[f];
      const c = this.current[f];
      if (same(mine[f], c) || same(b, c)) continue;
      if (f === "taskStatus" && blockedRuleApplies(this.base, this.current, mine)) continue;
      out.push({ field: f, base: b, theirs: c, yours: mine[f] });
    }
    return out;
  }

  /** My change with each clashing field as picked; a status the BLOCKED rule settled is not sent. */
  private patchWith(pick: (field: string) => "mine" | "theirs"): Patch {
    const patch: Patch = { ...this.args.mine };
    const clashing = new Set(this.clashes().map((c) => c.field));
    for (const f of clashing) if (pick(f) === "theirs") delete patch[f as Field];
    if (!clashing.has("taskStatus") && blockedRuleApplies(this.base, this.current, this.args.mine) && this.current.taskStatus === "BLOCKED") {
      delete patch.taskStatus;
    }
    return patch;
  }

  private render(note?: string): void {
    clear(this.body);
    clear(this.actions);
    const { mine } = this.args;
    const who = this.current.updatedBy;
    const clashes = this.clashes();
    const clashing = new Set(clashes.map((c) => c.field));
    const others = (Object.keys(mine) as Field[]).filter((f) => !clashing.has(f) && !same(mine[f], this.current[f]));
    this.body.append(
      h(
        "p",
        { class: "lede" },
        `You started from version ${this.base.version}; since then ${who} saved version ${this.current.version}. `,
        clashes.length
          ? `You both changed ${clashes.map((c) => fieldLabel(c.field)).join(", ")}: choose which value to keep. `
          : "Compare the versions below and choose what to keep. ",
        others.length ? `Your other changes (${others.map(fieldLabel).join(", ")}) are saved whichever you choose. ` : "",
        "Nothing you typed is lost.",
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
          "Save my choices and Take theirs leave the task Blocked; Keep mine sets your status.",
        ),
      );
    }

    const form = h("form", { class: "choices", "data-testid": "merge-choices", id: uid("choices") });
    const picks = new Map<string, () => "mine" | "theirs">();
    for (const c of clashes) {
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
          h("div", { class: "pick" }, rTheirs, h("label", { for: idTheirs }, `Theirs (${who}): `, h("strong", { text: formatValue(c.field, c.theirs) }))),
          h("p", { class: "muted", text: `When you started: ${formatValue(c.field, c.base)}` }),
        ),
      );
    }
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.write(this.patchWith((f) => picks.get(f)?.() ?? "mine"), "Saved your choices.");
    });
    if (clashes.length) this.body.append(form);
    this.body.append(this.table());

    const saveBtn = h("button", { type: "submit", class: "btn btn-primary", "data-action": "choices", text: "Save my choices" });
    saveBtn.setAttribute("form", form.id);
    const mineBtn = h("button", { type: "button", class: "btn", "data-action": "mine", text: "Keep mine" });
    const theirsBtn = h("button", { type: "button", class: "btn", "data-action": "theirs", text: "Take theirs" });
    mineBtn.addEventListener("click", () => void this.write(this.args.mine, "Saved your version."));
    theirsBtn.addEventListener("click", () => void this.write(this.patchWith(() => "theirs"), `Kept ${who}'s values; your other changes are saved.`));
    if (clashes.length) this.actions.append(saveBtn);
    this.actions.append(mineBtn, theirsBtn);
    if (this.args.fromEditor) {
      const editBtn = h("button", { type: "button", class: "btn btn-quiet", "data-action": "edit", text: "Back to my edit" });
      editBtn.addEventListener("click", () => this.finish({ kind: "edit", current: this.current }));
      this.actions.append(editBtn);
    }
    this.body.append(
      h(
        "ul",
        { class: "action-help" },
        clashes.length ? h("li", {}, h("strong", { text: "Save my choices: " }), "the value you picked for each field above, and your other changes.") : null,
        h("li", {}, h("strong", { text: "Keep mine: " }), "every value you changed, over the current version."),
        h("li", {}, h("strong", { text: "Take theirs: " }), `${who}'s values where you both changed a field; your other changes are still saved.`),
        this.args.fromEditor
          ? h("li", {}, h("strong", { text: "Back to my edit: " }), "the form again, showing the current version except where you changed a field; Save sends only your changes.")
          : null,
      ),
    );
    ((form.querySelector("input") as HTMLInputElement | null) ?? mineBtn).focus();
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

  /** Writes `patch` on the current version, with its ETag; an empty one leaves theirs as it is. */
  private async write(patch: Patch, okMessage: string): Promise<void> {
    if (this.busy) return;
    if (Object.keys(patch).length === 0) {
      this.finish({ kind: "discarded", task: this.current });
      return;
    }
    this.busy = true;
    this.showError(null);
    this.dlg.setAttribute("aria-busy", "true");
    let r: Reply<Task>;
    try {
      const headers: Record<string, string> = { "If-Match": this.current.eTag };
      const token = this.args.lockToken();
      if (token !== null) headers["Lock-Token"] = String(token);
      r = await this.args.api.call<Task>("PATCH", `/v1/tasks/${encodeURIComponent(this.current.taskId)}`, { body: patch, headers });
    } catch (err) {
      this.showError(err instanceof NetworkError ? err.message : "The request failed; nothing was changed. Try again.");
      return;
    } finally {
      this.busy = false;
      this.dlg.removeAttribute("aria-busy");
    }
    this.afterWrite(r, okMessage);
  }

  private afterWrite(r: Reply<Task>, okMessage: string): void {
    if (r.ok && r.data) {
      this.finish({ kind: "saved", task: r.data, message: okMessage });
      return;
    }
    const p = r.problem;
    if ((r.status === 412 || (r.status === 409 && p?.code === "VERSION_CONFLICT")) && p?.current) {
      this.current = p.current;
      this.conflicts = null;
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
