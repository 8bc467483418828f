// The task form used by the create and edit dialogs: labelled fields, each with its own error line,
// all of a request's errors shown at once (API.md §1), and a patch of only the fields the person
// changed (so a merge knows exactly which fields this edit "sets", API.md §4).
import { clear, h } from "./dom";
import { fieldLabel, fromLocalInput, toLocalInput } from "./format";
import { FIELDS, STATUSES, STATUS_LABELS, type Field, type FieldError, type Patch, type Writable } from "./types";

/** The form's values as typed (strings), one per field. */
export type FormStrings = Record<Field, string>;

export function stringsOf(w: Writable): FormStrings {
  return {
    taskTitle: w.taskTitle,
    taskDescription: w.taskDescription,
    userId: w.userId,
    dueDate: toLocalInput(w.dueDate),
    warningOffset: String(w.warningOffset),
    taskStatus: w.taskStatus,
  };
}

/** The JSON value to send for a field as typed; anything odd is sent as typed for the server to name. */
function jsonValue(field: Field, s: string): unknown {
  if (field === "dueDate") return fromLocalInput(s);
  if (field === "warningOffset") {
    if (/^\s*-?\d+\s*$/.test(s)) return Number(s);
    return s === "" ? null : s;
  }
  return s;
}

const HINTS: Partial<Record<Field, string>> = {
  taskTitle: "1 to 80 characters.",
  taskDescription: "Up to 255 characters.",
  userId: "The user the task is for: letters, digits, dot, underscore or dash.",
  warningOffset: "Whole minutes, 0 to 64000.",
};

export class TaskForm {
  readonly el: HTMLFormElement;
  private readonly inputs = new Map<Field, HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>();
  private readonly errors = new Map<Field, HTMLElement>();
  private readonly summary: HTMLElement;
  private initial!: FormStrings;

  constructor(values: FormStrings, idPrefix: string) {
    this.summary = h("div", { class: "form-error", role: "alert", tabindex: "-1", hidden: true });
    this.el = h("form", { class: "task-form", novalidate: true }, this.summary);
    for (const f of FIELDS) this.el.append(this.field(f, values[f], `${idPrefix}-${f}`));
    // What the inputs hold, not what they were given: a text input drops line breaks, a textarea
    // turns CRLF into LF. Compared with the raw values, an untouched field would count as changed.
    this.initial = this.values();
  }

  private field(f: Field, value: string, id: string): HTMLElement {
    const errId = `${id}-error`;
    const hintId = `${id}-hint`;
    const describedBy = [HINTS[f] ? hintId : "", errId].filter(Boolean).join(" ");
    let input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
    const common = { id, name: f, "aria-describedby": describedBy };
    if (f === "taskDescription") {
      input = h("textarea", { ...common, rows: "3" });
      input.value = value;
    } else if (f === "taskStatus") {
      input = h("select", common, ...STATUSES.map((s) => h("option", { value: s, text: STATUS_LABELS[s] })));
      input.value = value;
    } else if (f === "dueDate") {
      input = h("input", { ...common, type: "datetime-local", value });
    } else if (f === "warningOffset") {
      input = h("input", { ...common, type: "number", inputmode: "numeric", min: "0", max: "64000", step: "1", value });
    } else {
      input = h("input", {
        ...common,
        type: "text",
        value,
        autocomplete: "off",
        spellcheck: f === "taskTitle" ? "true" : "false",
        // Suggestions: the person's own name, task owners, and (for an admin) every user.
        list: f === "userId" ? "known-users" : null,
      });
    }
    this.inputs.set(f, input);
    const err = h("p", { id: errId, class: "field-error", "data-field-error": f, hidden: true });
    this.errors.set(f, err);
    return h(
      "div",
      { class: `field field-${f}` },
      h("label", { for: id, text: fieldLabel(f) }),
      input,
      HINTS[f] ? h("p", { id: hintId, class: "hint", text: HINTS[f] }) : null,
      err,
    );
  }

  values(): FormStrings {
    const out = {} as FormStrings;
    for (const f of FIELDS) out[f] = this.inputs.get(f)!.value;
    return out;
  }

  dirty(): boolean {
    const v = this.values();
    return FIELDS.some((f) => v[f] !== this.initial[f]);
  }

  /** The fields changed since `rebase` (or since the form opened), as JSON values. */
  patch(): Patch {
    const v = this.values();
    const out: Record<string, unknown> = {};
    for (const f of FIELDS) if (v[f] !== this.initial[f]) out[f] = jsonValue(f, v[f]);
    return out as Patch;
  }

  /** Every field, for a create. */
  body(): Record<string, unknown> {
    const v = this.values();
    const out: Record<string, unknown> = {};
    for (const f of FIELDS) out[f] = jsonValue(f, v[f]);
    return out;
  }

  /**
   * Moves the form onto a newer version after a conflict: every field the person did not change
   * now shows that version's value (left as it was, the old value would differ from the new
   * starting point and be sent, undoing the other person's change), and every field they did
   * change keeps what they typed. Returns the fields they changed that the newer version changed
   * too: Save would send their value over it.
   */
  rebase(values: FormStrings): Field[] {
    const typed = this.values();
    const next = {} as FormStrings;
    const clashes: Field[] = [];
    for (const f of FIELDS) {
      const input = this.inputs.get(f)!;
      input.value = values[f];
      next[f] = input.value;
      if (typed[f] === this.initial[f]) continue;
      input.value = typed[f];
      if (next[f] !== this.initial[f] && next[f] !== typed[f]) clashes.push(f);
    }
    this.initial = next;
    return clashes;
  }

  focusFirst(): void {
    this.inputs.get("taskTitle")?.focus();
  }

  clearErrors(): void {
    this.summary.hidden = true;
    clear(this.summary);
    for (const [f, el] of this.errors) {
      el.hidden = true;
      el.textContent = "";
      this.inputs.get(f)!.removeAttribute("aria-invalid");
    }
  }

  /** Shows every error at once: next to its field, and listed in the summary. */
  showErrors(errors: FieldError[], message?: string): void {
    this.clearErrors();
    const items: HTMLElement[] = [];
    let first: HTMLElement | null = null;
    for (const e of errors) {
      const f = e.field as Field;
      const el = this.errors.get(f);
      const text = `${fieldLabel(e.field)} ${e.message}.`.replace(/\.\.$/, ".");
      if (el) {
        el.textContent = el.textContent ? `${el.textContent} ${text}` : text;
        el.hidden = false;
        const input = this.inputs.get(f)!;
        input.setAttribute("aria-invalid", "true");
        first ??= input;
        const link = h("a", { href: `#${input.id}`, text });
        link.addEventListener("click", (ev) => {
          ev.preventDefault();
          input.focus();
        });
        items.push(h("li", {}, link));
      } else {
        items.push(h("li", { text }));
      }
    }
    this.showSummary(message ?? (errors.length === 1 ? "Please correct this field:" : `Please correct these ${errors.length} fields:`), items);
    (first ?? this.summary).focus();
  }

  showMessage(message: string): void {
    this.clearErrors();
    this.showSummary(message, []);
  }

  private showSummary(message: string, items: HTMLElement[]): void {
    clear(this.summary);
    this.summary.append(h("p", { text: message }));
    if (items.length) this.summary.append(h("ul", {}, ...items));
    this.summary.hidden = false;
  }
}
