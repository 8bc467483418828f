// The board's copy of the tasks. Three sources feed it, in any order: full lists (load and the
// periodic poll, the only source of other people's locks), the change feed, and the answers to
// this board's own writes. Versions only grow for a task, so an older copy never replaces a newer.
import type { Change, Lock, Task } from "./types";

interface Entry {
  task: Task;
  /** performance.now() of the last local update, so a list that started earlier cannot undo it. */
  touched: number;
}

export class TaskStore {
  private entries = new Map<string, Entry>();
  private listeners = new Set<() => void>();
  /** The highest feed revision applied. */
  appliedRevision = 0;

  /** Calls `fn` after every change; returns the unsubscribe function. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }

  get(id: string): Task | undefined {
    return this.entries.get(id)?.task;
  }

  all(): Task[] {
    return Array.from(this.entries.values(), (e) => e.task);
  }

  /**
   * A full list taken at `revision`, requested at `startedAt` (performance.now()). Tasks the list
   * lacks are dropped only when the list is at least as new as everything the feed delivered and
   * nothing local touched them since the list was asked for.
   */
  replaceAll(tasks: Task[], revision: number, startedAt: number): void {
    const seen = new Set<string>();
    for (const t of tasks) {
      seen.add(t.taskId);
      const e = this.entries.get(t.taskId);
      if (!e) {
        this.entries.set(t.taskId, { task: t, touched: startedAt });
      } else if (t.version > e.task.version || (t.version === e.task.version && e.touched <= startedAt)) {
        e.task = t;
      } else if (e.touched <= startedAt) {
        e.task = { ...e.task, lock: t.lock };
      }
    }
    if (revision >= this.appliedRevision) {
      for (const [id, e] of this.entries) {
        if (!seen.has(id) && e.touched <= startedAt) this.entries.delete(id);
      }
    }
    this.appliedRevision = Math.max(this.appliedRevision, revision);
    this.emit();
  }

  /** A task as a write of ours or a GET returned it (newer or equal versions win). */
  upsert(t: Task): void {
    const e = this.entries.get(t.taskId);
    if (e && t.version < e.task.version) return;
    this.entries.set(t.taskId, { task: t, touched: performance.now() });
    this.emit();
  }

  /** One change from the feed. The feed's copy of a task carries no live lock: keep ours. */
  applyChange(c: Change): void {
    this.appliedRevision = Math.max(this.appliedRevision, c.revision);
    const e = this.entries.get(c.taskId);
    if (c.type === "deleted") {
      if (e && e.task.version < c.version) this.entries.delete(c.taskId);
    } else if (c.task) {
      if (c.type === "created" || !e || c.task.version > e.task.version) {
        const lock = c.type === "created" ? c.task.lock : (e?.task.lock ?? null);
        this.entries.set(c.taskId, { task: { ...c.task, lock }, touched: performance.now() });
      }
    }
    this.emit();
  }

  remove(id: string): void {
    if (this.entries.delete(id)) this.emit();
  }

  setLock(id: string, lock: Lock | null): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.task = { ...e.task, lock };
    e.touched = performance.now();
    this.emit();
  }
}

/** A lock that is still in force at `now` (its expiry is the instant it stops, API.md §5). */
export function liveLock(t: Task, now = Date.now()): Lock | null {
  if (!t.lock) return null;
  return new Date(t.lock.expiresAt).getTime() > now ? t.lock : null;
}
