// The shapes of the Lockstep HTTP contract (shared/API.md) that the board uses.

export const STATUSES = [
  "NOT_STARTED",
  "IN_PROGRESS",
  "BLOCKED",
  "DEFERRED",
  "COMPLETED",
  "CANCELLED",
] as const;
export type Status = (typeof STATUSES)[number];

export const STATUS_LABELS: Record<Status, string> = {
  NOT_STARTED: "Not started",
  IN_PROGRESS: "In progress",
  BLOCKED: "Blocked",
  DEFERRED: "Deferred",
  COMPLETED: "Completed",
  CANCELLED: "Cancelled",
};

export interface Lock {
  taskId: string;
  owner: string;
  acquiredAt: string;
  expiresAt: string;
  token: number;
}

/** The fields a person can write (API.md §3). */
export interface Writable {
  userId: string;
  taskTitle: string;
  taskDescription: string;
  dueDate: string;
  warningOffset: number;
  taskStatus: Status;
}
export type Field = keyof Writable;
export const FIELDS: Field[] = ["taskTitle", "taskDescription", "userId", "dueDate", "warningOffset", "taskStatus"];
export const FIELD_LABELS: Record<Field, string> = {
  taskTitle: "Title",
  taskDescription: "Description",
  userId: "Assignee",
  dueDate: "Due",
  warningOffset: "Warning (minutes before due)",
  taskStatus: "Status",
};

export interface Task extends Writable {
  taskId: string;
  version: number;
  eTag: string;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
  lock: Lock | null;
}

export type Patch = Partial<Writable>;

export interface TaskList {
  tasks: Task[];
  nextPageToken: string | null;
  revision: number;
}

export interface Change {
  revision: number;
  type: "created" | "updated" | "deleted";
  taskId: string;
  version: number;
  task: Task | null;
  by: string;
  at: string;
}

export interface TaskVersion {
  version: number;
  revision: number;
  at: string;
  by: string;
  task: Task;
}

export interface FieldError {
  field: string;
  message: string;
}

export interface MergeConflict {
  field: string;
  base: unknown;
  theirs: unknown;
  yours: unknown;
}

/** application/problem+json (RFC 9457) with the members API.md §1 names. */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  retryable?: boolean;
  errors?: FieldError[];
  current?: Task;
  currentVersion?: number;
  conflicts?: MergeConflict[];
  reason?: string;
  lock?: Lock;
}
