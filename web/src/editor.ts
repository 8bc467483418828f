// The create and edit dialogs. Editing takes the task's lock first (so others are kept out while a
// person types, API.md §5), renews it while the dialog is open, saves with If-Match and Lock-Token,
// and releases it on close. A stale save opens the conflict view; the typed values stay in the form
// until they are saved or the person drops them.
import { describeProblem, NetworkError, type Api } from "./api";
import { patchMerging, resolveConflict, type MergedWrite } from "./conflict";
import { h, uid } from "./dom";
import { fieldLabel, formatTime, formatUntil } from "./format";
import { TaskForm, stringsOf } from "./form";
import { LockSession } from "./locks";
import { confirmDialog, type Notices } from "./notices";
import { liveLock, type TaskStore } from "./store";
import type { Lock, MergeConflict, Patch, Task, Writable } from "./types";

export interface BoardContext {
  api: Api;
  store: TaskStore;
  notices: Notices;
  me(): string | null;
  learnMe(name: string): void;
  /** Locks this page holds, by task id (for the badges). */
  heldLocks: Map<string, LockSession>;
  /** Re-read the list now (locks make no feed entries). */
  refresh(): void;
}

/** The person's own live lock on the task (held before any dialog opened), or null. */
export function ownLock(ctx: BoardContext, task: Task): Lock | null {
  const lock = liveLock(ctx.store.get(task.taskId) ?? task);
  return lock && lock.owner === ctx.me() ? lock : null;
}

function taskPath(id: string): string {
  return `/v1/tasks/${encodeURIComponent(id)}`;
}

interface DialogParts {
  dlg: HTMLDialogElement;
  status: HTMLElement;
  save: HTMLButtonElement;
  cancel: HTMLButtonElement;
}

function dialogShell(title: string, form: TaskForm, saveLabel: string): DialogParts {
  const titleId = uid("dlg-title");
  const status = h("p", { class: "dialog-status", role: "status", "aria-live": "polite" });
  const save = h("button", { type: "submit", class: "btn btn-primary", text: saveLabel });
  const cancel = h("button", { type: "button", class: "btn", text: "Cancel" });
  form.el.id = uid("task-form");
  save.setAttribute("form", form.el.id);
  const dlg = h(
    "dialog",
    { class: "dialog editor", "aria-labelledby": titleId },
    h("h2", { id: titleId, text: title }),
    status,
    form.el,
    h("div", { class: "dialog-actions" }, cancel, save),
  );
  return { dlg, status, save, cancel };
}

function defaultDue(): string {
  const d = new Date();
  d.setDate(d.getDate() + 1);
  d.setHours(17, 0, 0, 0);
  return d.toISOString();
}

/** The "New task" dialog: POST /v1/tasks with every field. */
export function openCreate(ctx: BoardContext): void {
  const initial: Writable = {
    taskTitle: "",
    taskDescription: "",
    userId: ctx.me() ?? "",
    dueDate: defaultDue(),
    warningOffset: 0,
    taskStatus: "NOT_STARTED",
  };
  const form = new TaskForm(stringsOf(initial), uid("create"));
  const ui = dialogShell("New task", form, "Create task");
  let busy = false;
  const close = () => {
    ui.dlg.close();
    ui.dlg.remove();
  };
  const cancel = async () => {
    if (form.dirty() && !(await confirmDialog("Discard the new task?", "What you typed will be lost.", "Discard"))) {
      // The browser may have closed the form anyway (a cancel it did not let the page stop).
      if (!ui.dlg.open) ui.dlg.showModal();
      return;
    }
    close();
  };
  ui.cancel.addEventListener("click", () => void cancel());
  ui.dlg.addEventListener("cancel", (e) => {
    e.preventDefault();
    void cancel();
  });
  form.el.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (busy) return;
    busy = true;
    ui.save.disabled = true;
    try {
      const r = await ctx.api.call<Task>("POST", "/v1/tasks", { body: form.body() });
      if (r.ok && r.data) {
        ctx.store.upsert(r.data);
        ctx.learnMe(r.data.updatedBy);
        close();
        ctx.notices.info(`Created “${r.data.taskTitle}”.`);
      } else if (r.problem?.errors?.length) {
        form.showErrors(r.problem.errors);
      } else {
        form.showMessage(describeProblem(r.problem, "The task could not be created."));
      }
    } catch (err) {
      form.showMessage(err instanceof NetworkError ? `${err.message} What you typed is still here.` : "The task could not be created.");
    } finally {
      busy = false;
      ui.save.disabled = false;
    }
  });
  document.body.append(ui.dlg);
  ui.dlg.showModal();
  form.focusFirst();
}

/** "Edit": lock, read fresh, edit, save with If-Match + Lock-Token, release. */
export async function openEditor(ctx: BoardContext, task: Task): Promise<void> {
  if (ctx.heldLocks.has(task.taskId)) return; // already open
  let lostMessage: string | null = null;
  let statusEl: HTMLElement | null = null;
  const session = new LockSession(
    ctx.api,
    task.taskId,
    (message) => {
      lostMessage = message;
      if (statusEl) {
        statusEl.textContent = message;
        statusEl.classList.add("warn");
      }
    },
    (lock) => ctx.store.setLock(task.taskId, lock),
    ownLock(ctx, task),
  );
  ctx.heldLocks.set(task.taskId, session);
  let acquired;
  try {
    acquired = await session.acquire();
  } catch (err) {
    ctx.heldLocks.delete(task.taskId);
    ctx.notices.error(err instanceof NetworkError ? err.message : "The task could not be opened for editing.");
    return;
  }
  if (!acquired.ok) {
    ctx.heldLocks.delete(task.taskId);
    const p = acquired.reply.problem;
    if (acquired.reply.status === 423 && p?.lock) {
      ctx.store.setLock(task.taskId, p.lock);
      ctx.notices.error(`${p.lock.owner} is editing “${task.taskTitle}” (locked until ${formatTime(p.lock.expiresAt)}). You can edit it once they are done.`);
    } else if (acquired.reply.status === 404) {
      ctx.store.remove(task.taskId);
      ctx.notices.error(`“${task.taskTitle}” no longer exists: someone deleted it.`);
    } else {
      ctx.notices.error(acquired.message);
    }
    return;
  }
  ctx.learnMe(acquired.lock.owner);

  // Read it fresh under the lock: the card may be a moment behind.
  let base = task;
  try {
    const fresh = await ctx.api.call<Task>("GET", taskPath(task.taskId));
    if (fresh.ok && fresh.data) {
      base = { ...fresh.data, lock: session.lock };
      ctx.store.upsert(base);
    } else if (fresh.status === 404) {
      await session.release();
      ctx.heldLocks.delete(task.taskId);
      ctx.store.remove(task.taskId);
      ctx.notices.error(`“${task.taskTitle}” no longer exists: someone deleted it.`);
      return;
    }
  } catch {
    // Work from the card's copy; the save's If-Match still guards it.
  }

  const form = new TaskForm(stringsOf(base), uid("edit"));
  const ui = dialogShell(`Edit “${base.taskTitle}”`, form, "Save");
  ui.dlg.dataset.taskId = task.taskId;
  statusEl = ui.status;
  const showLock = () => {
    if (lostMessage) return;
    ui.status.textContent = session.kept
      ? `You are editing under your own lock (until ${formatTime(session.kept.expiresAt)}); it stays yours when you close this dialog.`
      : session.lock
      ? `You are editing: others cannot change this task until you close this dialog (lock renewed automatically, now until ${formatTime(session.lock.expiresAt)}).`
      : "";
  };
  showLock();
  const lockTicker = setInterval(showLock, 5000);

  // Someone changed it anyway (the lock expired or was broken): say so; the save will show both.
  const watcher = () => {
    const now = ctx.store.get(task.taskId);
    if (now && now.version > base.version && !ui.dlg.dataset.warned) {
      ui.dlg.dataset.warned = "1";
      ui.status.textContent = `${now.updatedBy} changed this task while you were editing (version ${now.version}). Save keeps both where you changed different fields, and asks where you both changed one.`;
      ui.status.classList.add("warn");
    }
  };
  const unwatch = ctx.store.subscribe(watcher);

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    clearInterval(lockTicker);
    unwatch();
    ui.dlg.close();
    ui.dlg.remove();
    await session.release();
    ctx.heldLocks.delete(task.taskId);
    ctx.store.setLock(task.taskId, session.kept);
  };
  const cancel = async () => {
    if (form.dirty() && !(await confirmDialog("Discard your changes?", "Your edits to this task will be lost.", "Discard changes"))) {
      // The browser may have closed the form anyway (a cancel it did not let the page stop).
      if (!closed && !ui.dlg.open) ui.dlg.showModal();
      return;
    }
    await close();
  };
  ui.cancel.addEventListener("click", () => void cancel());
  ui.dlg.addEventListener("cancel", (e) => {
    e.preventDefault();
    void cancel();
  });

  let busy = false;
  const save = async (patch: Patch, retriedLock = false): Promise<void> => {
    let w: MergedWrite;
    try {
      w = await patchMerging(ctx.api, base, patch, session.token);
    } catch (err) {
      form.showMessage(`${err instanceof NetworkError ? err.message : "The save failed."} Your changes are still here; try Save again.`);
      return;
    }
    if (w.kind === "saved") {
      const message = w.notice ?? `Saved “${w.task.taskTitle}” (version ${w.task.version}).`;
      ctx.store.upsert(w.task);
      ctx.learnMe(w.task.updatedBy);
      await close();
      ctx.notices.info(message, w.merged ? 10000 : 6000);
      return;
    }
    if (w.kind === "clash") {
      await conflict(patch, w.current, w.conflicts);
      return;
    }
    const r = w.reply;
    const p = r.problem;
    if (r.status === 400 && p?.errors?.length) {
      form.showErrors(p.errors);
    } else if (r.status === 423 && !retriedLock && !p?.lock) {
      // Our fencing token is dead (the lock expired) and nobody holds it: take it again and retry;
      // If-Match still refuses the save if anyone wrote in between.
      const again = await session.renew();
      if (again) await save(patch, true);
      else form.showMessage("Your lock expired and could not be taken again. Your changes are still here; try Save again.");
    } else if (r.status === 423 && p?.lock) {
      form.showMessage(
        `${p.lock.owner} holds the lock on this task now (until ${formatTime(p.lock.expiresAt)}, ${formatUntil(p.lock.expiresAt)}). Your changes are still here; save again once they are done.`,
      );
    } else if (r.status === 404) {
      form.showMessage("Someone deleted this task while you were editing it. Copy anything you want to keep; closing discards it.");
    } else {
      form.showMessage(describeProblem(p, "The change could not be saved."));
    }
  };

  const conflict = async (patch: Patch, current: Task, conflicts: MergeConflict[] | null): Promise<void> => {
    ui.dlg.close();
    const outcome = await resolveConflict({
      api: ctx.api,
      base,
      current,
      mine: patch,
      conflicts,
      lockToken: () => session.token,
      fromEditor: true,
    });
    switch (outcome.kind) {
      case "saved":
        ctx.store.upsert(outcome.task);
        ctx.learnMe(outcome.task.updatedBy);
        await close();
        ctx.notices.info(outcome.message);
        return;
      case "discarded":
        ctx.store.upsert(outcome.task);
        await close();
        ctx.notices.info(`Kept ${outcome.task.updatedBy}'s version of “${outcome.task.taskTitle}”.`);
        return;
      case "gone":
        ctx.store.remove(task.taskId);
        await close();
        ctx.notices.error("Someone deleted this task; your change could not be saved.");
        return;
      case "edit": {
        // Back to the form on top of the current version: what the person typed stays, every
        // other field shows the current value, and Save sends only the fields they changed.
        base = outcome.current;
        ctx.store.upsert(outcome.current);
        const clashes = form.rebase(stringsOf(outcome.current));
        delete ui.dlg.dataset.warned;
        ui.status.textContent =
          `Editing on top of version ${base.version} (by ${base.updatedBy}): the fields you did not change show that version, and Save sends only your changes.` +
          (clashes.length ? ` ${base.updatedBy} also changed ${clashes.map(fieldLabel).join(", ")}; Save puts your value there.` : "");
        if (!lostMessage) ui.status.classList.remove("warn");
        ui.dlg.showModal();
        if (outcome.errors?.errors?.length) form.showErrors(outcome.errors.errors);
        else form.focusFirst();
        return;
      }
    }
  };

  form.el.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (busy) return;
    const patch = form.patch();
    if (Object.keys(patch).length === 0) {
      await close();
      return;
    }
    busy = true;
    ui.save.disabled = true;
    form.clearErrors();
    try {
      await save(patch);
    } finally {
      busy = false;
      ui.save.disabled = false;
    }
  });

  document.body.append(ui.dlg);
  ui.dlg.showModal();
  form.focusFirst();
}
