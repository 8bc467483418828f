// How values are shown to a person: dates in local time, durations in words, field values as
// text (never as JSON).
import { FIELD_LABELS, STATUS_LABELS, type Field, type Status } from "./types";

const dateFmt = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

export function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateFmt.format(d);
}

const shortFmt = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
const shortYearFmt = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric" });

/** A card's due date: "Dec 7, 05:00 PM" this year, "Dec 7, 2027" in another. */
export function formatShortDate(iso: string, now = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return (d.getFullYear() === now.getFullYear() ? shortFmt : shortYearFmt).format(d);
}

export function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : timeFmt.format(d);
}

/** "in 42 s", "in 3 min", "now". */
export function formatUntil(iso: string, now = Date.now()): string {
  const ms = new Date(iso).getTime() - now;
  if (!(ms > 0)) return "now";
  const s = Math.ceil(ms / 1000);
  if (s < 90) return `in ${s} s`;
  return `in ${Math.round(s / 60)} min`;
}

/** A field's value as a person reads it. */
export function formatValue(field: Field | string, value: unknown): string {
  if (value === undefined) return "—";
  if (value === null || value === "") return "(empty)";
  if (field === "taskStatus" && typeof value === "string") {
    return STATUS_LABELS[value as Status] ?? value;
  }
  if (field === "dueDate" && typeof value === "string") return formatDate(value);
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  return "(a value this board cannot show)";
}

export function fieldLabel(field: string): string {
  return FIELD_LABELS[field as Field] ?? field;
}

/** "2026-12-01T17:00" in local time, for <input type="datetime-local">. */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The inverse of toLocalInput; an empty or unparsable input is passed on as typed, for the server to name. */
export function fromLocalInput(value: string): string {
  if (!value) return "";
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toISOString();
}
