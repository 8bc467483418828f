// Messages to the person: a quiet "busy" line for retries (polite live region), passing notes, and
// errors (assertive). Plus an accessible confirmation dialog, instead of window.confirm.
import { h } from "./dom";

export class Notices {
  readonly el: HTMLElement;
  private readonly busyEl: HTMLElement;
  private readonly listEl: HTMLElement;
  private readonly alertEl: HTMLElement;

  constructor() {
    this.busyEl = h("p", { class: "notice notice-busy", role: "status", "aria-live": "polite", hidden: true });
    this.listEl = h("div", { class: "notice-list", role: "status", "aria-live": "polite" });
    this.alertEl = h("div", { class: "notice-list", role: "alert" });
    this.el = h("div", { class: "notices" }, this.busyEl, this.alertEl, this.listEl);
  }

  busy(message: string | null): void {
    this.busyEl.textContent = message ?? "";
    this.busyEl.hidden = !message;
  }

  info(message: string, ms = 6000): void {
    this.add(this.listEl, message, "notice-info", ms);
  }

  error(message: string, ms = 12000): void {
    this.add(this.alertEl, message, "notice-error", ms);
  }

  private add(parent: HTMLElement, message: string, cls: string, ms: number): void {
    const close = h("button", { type: "button", class: "notice-close", "aria-label": "Dismiss", text: "×" });
    const item = h("p", { class: `notice ${cls}` }, h("span", { text: message }), close);
    close.addEventListener("click", () => item.remove());
    parent.append(item);
    while (parent.children.length > 3) parent.firstElementChild?.remove();
    setTimeout(() => item.remove(), ms);
  }
}

/** A modal yes/no question; resolves true on the confirming button. */
export function confirmDialog(title: string, message: string, okLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ok = h("button", { type: "button", class: "btn btn-danger", text: okLabel });
    const cancel = h("button", { type: "button", class: "btn", text: "Cancel" });
    const titleId = `confirm-title-${Date.now()}`;
    const dlg = h(
      "dialog",
      { class: "dialog dialog-small", "aria-labelledby": titleId },
      h("h2", { id: titleId, text: title }),
      h("p", { text: message }),
      h("div", { class: "dialog-actions" }, cancel, ok),
    );
    const done = (v: boolean) => {
      dlg.close();
      dlg.remove();
      resolve(v);
    };
    ok.addEventListener("click", () => done(true));
    cancel.addEventListener("click", () => done(false));
    dlg.addEventListener("cancel", (e) => {
      e.preventDefault();
      done(false);
    });
    document.body.append(dlg);
    dlg.showModal();
    cancel.focus();
  });
}
