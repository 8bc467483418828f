// Browser tests of the web board against the real lockstepd: two people (alice, an admin, and
// bob) in two browser contexts, plus plain HTTP from the test as a third program.
// Run: tests/web/run.sh (builds the board, installs playwright-core, runs `node --test`).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { apiClient, launchBrowser, outputPath, paths, screenshotPath, startServer } from "./harness.mjs";

let server;
let browser;
let ctxA;
let ctxB;
let pageA;
let pageB;
let apiA;
let apiB;
const problems = []; // page errors and CSP violations, checked at the end
const consoleErrors = []; // console errors (a refused request shows here), checked at the end
const bobsRequests = []; // every API path bob's page asked for
const metrics = {};

function future(days, hour = 17) {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + days);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
}

function card(page, id) {
  return page.locator(`.card[data-task-id="${id}"]`);
}

function inColumn(page, status, id) {
  return page.locator(`section.column[data-status="${status}"] .card[data-task-id="${id}"]`);
}

async function create(api, fields) {
  const r = await api("POST", "/v1/tasks", { warningOffset: 30, dueDate: future(3), ...fields });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function newPage(ctx, who) {
  const page = await ctx.newPage();
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window.__csp ||= []).push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on("pageerror", (err) => problems.push(`${who}: page error: ${err.message}`));
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(`${who}: ${m.text()}`));
  return page;
}

async function signIn(page, token) {
  await page.goto(`${server.url}/`);
  await page.getByLabel("Access token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator('.live[data-state="live"]').waitFor();
}

/** Until `fn` returns a truthy value (a bounded wait for state the server reaches asynchronously). */
async function eventually(fn, ms = 3000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  apiA = apiClient(server.url, server.tokens.alice);
  apiB = apiClient(server.url, server.tokens.bob);
  // A board worth looking at in the screenshots.
  const seed = [
    ["alice", "Write the release notes", "IN_PROGRESS", "Summarise what changed since v0.9 for the announcement."],
    ["bob", "Fix the flaky login test", "BLOCKED", "Waits on the new test fixtures."],
    ["carol", "Review the API contract", "NOT_STARTED", ""],
    ["alice", "Plan the Q3 roadmap", "DEFERRED", ""],
    ["bob", "Set up CI for the web board", "COMPLETED", ""],
    ["carol", "Migrate the old wiki", "CANCELLED", ""],
    ["dave", "Update the onboarding guide", "NOT_STARTED", "New hires start on the 3rd."],
  ];
  for (const [i, [userId, taskTitle, taskStatus, taskDescription]] of seed.entries()) {
    await create(i % 2 ? apiB : apiA, { userId, taskTitle, taskStatus, taskDescription, dueDate: future(2 + i, 9 + i) });
  }
  const viewport = { width: 1600, height: 900 };
  ctxA = await browser.newContext({ viewport });
  ctxB = await browser.newContext({ viewport });
  pageA = await newPage(ctxA, "alice");
  pageB = await newPage(ctxB, "bob");
  pageB.on("request", (req) => bobsRequests.push(`${req.method()} ${new URL(req.url()).pathname}`));
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (Object.keys(metrics).length) writeFileSync(outputPath("metrics.json"), `${JSON.stringify(metrics, null, 2)}\n`);
});

describe("web board", () => {
  test("a wrong token is refused next to the field; the right one opens the board", async (t) => {
    await pageA.goto(`${server.url}/`);
    const csp = await (await pageA.request.get(`${server.url}/`)).headers()["content-security-policy"];
    assert.match(csp, /default-src 'self'/);
    await pageA.getByLabel("Access token").fill("lst_not-a-real-token");
    await pageA.getByRole("button", { name: "Sign in" }).click();
    const err = pageA.locator("#token-error");
    await err.waitFor();
    assert.match(await err.textContent(), /not accepted/);
    assert.equal(await pageA.getByLabel("Access token").getAttribute("aria-invalid"), "true");

    const started = Date.now();
    await pageA.getByLabel("Access token").fill(server.tokens.alice);
    await pageA.getByRole("button", { name: "Sign in" }).click();
    await pageA.locator(".card").first().waitFor();
    metrics.signInToBoardMs = Date.now() - started;
    await pageA.locator('.live[data-state="live"]').waitFor();
    for (const name of ["Not started", "In progress", "Blocked", "Deferred", "Completed", "Cancelled"]) {
      assert.equal(await pageA.getByRole("heading", { level: 2, name: new RegExp(`^${name}`) }).count(), 1, name);
    }
    assert.equal(await pageA.locator(".card").count(), 7);
    const c = pageA.locator(".card", { hasText: "Fix the flaky login test" });
    assert.equal(await c.locator(".assignee").textContent(), "bob");
    assert.match(await c.locator(".version").textContent(), /^v1 by bob$/);
    await pageA.getByText("Signed in (admin)").or(pageA.getByText(/Signed in as alice \(admin\)/)).waitFor();

    // Cold loads of the page (a new browser context each: empty cache), for docs/web.md.
    const loads = [];
    for (let i = 0; i < 5; i++) {
      const cold = await browser.newContext();
      const p = await cold.newPage();
      await p.goto(`${server.url}/`, { waitUntil: "load" });
      await p.getByLabel("Access token").waitFor();
      loads.push(
        await p.evaluate(() => {
          const n = performance.getEntriesByType("navigation")[0];
          return {
            responseEndMs: Math.round(n.responseEnd),
            domContentLoadedMs: Math.round(n.domContentLoadedEventEnd),
            loadEventEndMs: Math.round(n.loadEventEnd),
            bytes: n.encodedBodySize + performance.getEntriesByType("resource").reduce((sum, r) => sum + r.encodedBodySize, 0),
          };
        }),
      );
      await cold.close();
    }
    const median = (k) => loads.map((l) => l[k]).sort((a, b) => a - b)[2];
    const nav = { loads, median: { domContentLoadedMs: median("domContentLoadedMs"), loadEventEndMs: median("loadEventEndMs"), bytes: median("bytes") } };
    metrics.coldLoad = nav;
    t.diagnostic(`sign-in to board ${metrics.signInToBoardMs} ms; cold load (median of 5) ${JSON.stringify(nav.median)}`);
  });

  test("bob signs in in another context; every control on the board has a label", async () => {
    await signIn(pageB, server.tokens.bob);
    assert.equal(await pageB.locator(".card").count(), 7);
    const unlabelled = await pageB.evaluate(() =>
      [...document.querySelectorAll("input, select, textarea")].filter((el) => el.labels.length === 0 && !el.getAttribute("aria-label")).map((el) => el.id || el.outerHTML),
    );
    assert.deepEqual(unlabelled, []);
    // GET /v1/me: his name from the start, and no "(admin)".
    await pageB.getByText(/^Signed in as bob$/).waitFor();
    // Focus lands in the board, on its first card, not on the page body.
    assert.equal(await pageB.evaluate(() => document.activeElement?.classList.contains("card")), true);
  });

  test("a change made over HTTP appears on an open board within a second", async (t) => {
    // Timed from the moment the server acknowledged each write.
    const task = await create(apiB, { userId: "carol", taskTitle: "Made over plain HTTP" });
    const t0 = Date.now();
    await card(pageA, task.taskId).waitFor({ timeout: 1000 });
    const createdMs = Date.now() - t0;
    const r = await apiB("PATCH", `/v1/tasks/${task.taskId}`, { taskStatus: "IN_PROGRESS" }, { "If-Match": task.eTag });
    const t1 = Date.now();
    assert.equal(r.status, 200);
    await inColumn(pageA, "IN_PROGRESS", task.taskId).waitFor({ timeout: 1000 });
    const movedMs = Date.now() - t1;
    assert.equal(await card(pageA, task.taskId).locator(".version").textContent(), "v2 by bob");
    assert.equal((await apiB("DELETE", `/v1/tasks/${task.taskId}`, undefined, { "If-Match": r.body.eTag })).status, 204);
    const t2 = Date.now();
    await card(pageA, task.taskId).waitFor({ state: "detached", timeout: 1000 });
    metrics.httpChangeToBoardMs = { created: createdMs, updated: movedMs, deleted: Date.now() - t2 };
    t.diagnostic(`feed latency: ${JSON.stringify(metrics.httpChangeToBoardMs)}`);
  });

  test("validation errors show next to their fields, all at once, and nothing typed is lost", async () => {
    await pageA.getByRole("button", { name: "New task" }).click();
    const dlg = pageA.getByRole("dialog", { name: "New task" });
    await dlg.waitFor();
    await dlg.getByLabel("Title", { exact: true }).fill("");
    await dlg.getByLabel("Assignee", { exact: true }).fill("not valid!");
    await dlg.getByLabel("Description", { exact: true }).fill("Typed before the error");
    await dlg.getByRole("button", { name: "Create task" }).click();
    const titleErr = dlg.locator('[data-field-error="taskTitle"]');
    const userErr = dlg.locator('[data-field-error="userId"]');
    await titleErr.waitFor();
    await userErr.waitFor();
    assert.match(await titleErr.textContent(), /Title must be 1 to 80 characters/);
    assert.match(await userErr.textContent(), /Assignee must be 1 to 64/);
    const title = dlg.getByLabel("Title", { exact: true });
    assert.equal(await title.getAttribute("aria-invalid"), "true");
    assert.ok((await title.getAttribute("aria-describedby")).includes(await titleErr.getAttribute("id")));
    assert.equal(await dlg.locator('[data-field-error="dueDate"]').isVisible(), false);
    assert.equal(await dlg.getByLabel("Description", { exact: true }).inputValue(), "Typed before the error");
    assert.equal(await dlg.getByRole("alert").locator("li").count(), 2);
    await pageA.screenshot({ path: screenshotPath("validation.png") });

    await title.fill("Validated at last");
    await dlg.getByLabel("Assignee", { exact: true }).fill("alice");
    await dlg.getByRole("button", { name: "Create task" }).click();
    await dlg.waitFor({ state: "detached" });
    await pageA.locator(".card", { hasText: "Validated at last" }).waitFor();
    await pageB.locator(".card", { hasText: "Validated at last" }).waitFor({ timeout: 2000 });
    await pageA.getByText("Signed in as alice (admin)").waitFor();
  });

  /** Bob's board falls behind (as on a slow network): his live feed and list polls are held back. */
  async function staleBob(taskId) {
    let holdList = false;
    await pageB.route((u) => u.pathname === "/v1/changes/stream", () => {});
    await pageB.route((u) => u.pathname === "/v1/tasks", (route) => (holdList ? undefined : route.continue()));
    await pageB.reload();
    await card(pageB, taskId).waitFor();
    holdList = true;
  }

  async function liveBob() {
    await pageB.unrouteAll({ behavior: "ignoreErrors" });
    await pageB.reload();
    await pageB.locator('.live[data-state="live"]').waitFor();
  }

  test("seed scenario: alice sets BLOCKED, bob's stale COMPLETED merges by the BLOCKED rule and says so", async () => {
    const task = await create(apiA, { userId: "bob", taskTitle: "Ship the seed scenario", taskDescription: "Two people, one stale write." });
    await card(pageA, task.taskId).waitFor({ timeout: 2000 });
    await card(pageB, task.taskId).waitFor({ timeout: 2000 });
    await staleBob(task.taskId);

    // Alice drags the card to Blocked.
    await card(pageA, task.taskId).dragTo(pageA.locator('section.column[data-status="BLOCKED"]'));
    await inColumn(pageA, "BLOCKED", task.taskId).waitFor({ timeout: 3000 });
    const afterA = await apiA("GET", `/v1/tasks/${task.taskId}`);
    assert.equal(afterA.body.taskStatus, "BLOCKED");
    assert.equal(afterA.body.version, 2);
    assert.equal(await inColumn(pageB, "NOT_STARTED", task.taskId).count(), 1, "bob's card is stale");

    // Bob, from his stale card, marks it COMPLETED: the server merges (a blocker wins a status
    // conflict), no conflict view opens, and bob is told why the card stays Blocked.
    const patch = pageB.waitForRequest((req) => req.method() === "PATCH");
    await card(pageB, task.taskId).getByLabel(/^Status of/).selectOption("COMPLETED");
    const req = await patch;
    assert.equal(req.headers()["prefer"], "conflict=merge");
    assert.equal(req.headers()["if-match"], task.eTag);
    await inColumn(pageB, "BLOCKED", task.taskId).waitFor({ timeout: 2000 });
    await pageB.getByText(/The status stays Blocked: alice set it meanwhile/).waitFor();
    assert.equal(await pageB.getByTestId("conflict").count(), 0);
    const final = await apiA("GET", `/v1/tasks/${task.taskId}`);
    assert.equal(final.body.taskStatus, "BLOCKED");
    await liveBob();
  });

  test("a conflict on different fields merges without a question; the same field asks field by field", async () => {
    const task = await create(apiA, { userId: "alice", taskTitle: "Two edits at once" });
    await card(pageB, task.taskId).waitFor({ timeout: 2000 });
    await staleBob(task.taskId);

    // Someone else changes the status (IN_PROGRESS) behind bob's back; bob moves it to DEFERRED:
    // the same field, so the view opens straight on the choice.
    let r = await apiA("PATCH", `/v1/tasks/${task.taskId}`, { taskStatus: "IN_PROGRESS" }, { "If-Match": task.eTag });
    assert.equal(r.status, 200);
    await card(pageB, task.taskId).getByLabel(/^Status of/).selectOption("DEFERRED");
    const view = pageB.getByTestId("conflict");
    const choices = view.getByTestId("merge-choices");
    await choices.waitFor();
    assert.equal(await view.getByTestId("blocked-rule").count(), 0);
    assert.equal(await view.getByRole("button", { name: "Merge" }).count(), 0, "no button the help does not describe");
    const help = await view.locator(".action-help").textContent();
    for (const b of await view.locator(".dialog-actions button").allTextContents()) assert.ok(help.includes(`${b}:`), `the help describes ${b}`);
    const fs = choices.locator('fieldset[data-field="taskStatus"]');
    assert.match(await fs.textContent(), /Mine: Deferred/);
    assert.match(await fs.textContent(), /Theirs \(alice\): In progress/);
    await fs.getByLabel(/^Mine/).check();
    await view.getByRole("button", { name: "Save my choices" }).click();
    await view.waitFor({ state: "detached" });
    r = await apiA("GET", `/v1/tasks/${task.taskId}`);
    assert.equal(r.body.taskStatus, "DEFERRED");
    assert.equal(r.body.updatedBy, "bob");

    // Still stale: alice renames it; bob, from his copy, marks it COMPLETED: different fields, so
    // it merges by itself, and a quiet notice says what alice changed.
    await inColumn(pageB, "DEFERRED", task.taskId).waitFor();
    r = await apiA("PATCH", `/v1/tasks/${task.taskId}`, { taskTitle: "Two edits at once (renamed)" }, { "If-Match": r.body.eTag });
    assert.equal(r.status, 200);
    await card(pageB, task.taskId).getByLabel(/^Status of/).selectOption("COMPLETED");
    await pageB.locator(".notice", { hasText: /alice had changed Title meanwhile; both changes are kept/ }).waitFor();
    assert.equal(await view.count(), 0);
    r = await apiA("GET", `/v1/tasks/${task.taskId}`);
    assert.equal(r.body.taskStatus, "COMPLETED");
    assert.equal(r.body.taskTitle, "Two edits at once (renamed)");
    await inColumn(pageB, "COMPLETED", task.taskId).locator(".card-title", { hasText: "(renamed)" }).waitFor();
    await liveBob();
  });

  test("a lock taken in one context shows as a badge in the other; bob's edit controls say why they are off", async (t) => {
    const task = await create(apiA, { userId: "alice", taskTitle: "Rewrite the lock docs" });
    await card(pageA, task.taskId).waitFor({ timeout: 2000 });
    await card(pageB, task.taskId).waitFor({ timeout: 2000 });

    await card(pageA, task.taskId).getByRole("button", { name: /^Edit / }).click();
    const editor = pageA.getByRole("dialog", { name: /Edit “Rewrite the lock docs”/ });
    await editor.waitFor();
    await editor.getByText(/You are editing/).waitFor();
    const lock = await apiB("GET", `/v1/tasks/${task.taskId}/lock`);
    assert.equal(lock.status, 200);
    assert.equal(lock.body.owner, "alice");

    // Locks make no feed entries: bob's board sees it on its next poll (every 10 s).
    const t0 = Date.now();
    const badge = card(pageB, task.taskId).getByTestId("lock-badge");
    await badge.waitFor({ timeout: 15000 });
    metrics.lockBadgeMs = Date.now() - t0;
    t.diagnostic(`lock badge shown after ${metrics.lockBadgeMs} ms`);
    assert.match(await badge.textContent(), /Locked by alice until .* \(in \d+ s\)/);
    const edit = card(pageB, task.taskId).getByRole("button", { name: /^Edit / });
    assert.equal(await edit.getAttribute("aria-disabled"), "true");
    const whyId = await edit.getAttribute("aria-describedby");
    assert.match(await pageB.locator(`#${whyId}`).textContent(), /alice is editing this task/);
    assert.equal(await card(pageB, task.taskId).getByLabel(/^Status of/).isDisabled(), true);
    assert.equal(await card(pageB, task.taskId).getByRole("button", { name: "Break lock" }).count(), 0, "bob is no admin");
    // Still focusable (aria-disabled), and pressing it says why.
    await edit.focus();
    await pageB.keyboard.press("Enter");
    await pageB.getByText(/alice is editing this task until/).first().waitFor();

    // Alice saves with If-Match and Lock-Token, and closing releases the lock.
    await editor.getByLabel("Description", { exact: true }).fill("Explain fencing tokens with an example.");
    await editor.getByRole("button", { name: "Save" }).click();
    await editor.waitFor({ state: "detached" });
    const saved = await apiA("GET", `/v1/tasks/${task.taskId}`);
    assert.equal(saved.body.version, 2);
    assert.equal(saved.body.taskDescription, "Explain fencing tokens with an example.");
    assert.ok(await eventually(async () => (await apiA("GET", `/v1/tasks/${task.taskId}/lock`)).status === 404));
    // Bob sees the new version from the feed and, from the re-read it triggers, the lock gone.
    await card(pageB, task.taskId).locator(".version", { hasText: "v2 by alice" }).waitFor({ timeout: 2000 });
    await badge.waitFor({ state: "detached", timeout: 5000 });
    assert.equal(await edit.getAttribute("aria-disabled"), null);
  });

  test("an admin can break someone else's lock", async () => {
    const task = await create(apiB, { userId: "bob", taskTitle: "Held by bob" });
    await card(pageA, task.taskId).waitFor({ timeout: 2000 });
    const lock = await apiB("POST", `/v1/tasks/${task.taskId}/lock`, { ttlSeconds: 300 });
    assert.equal(lock.status, 200);
    // Alice comes back to the window: the board re-reads the list on focus.
    await pageA.evaluate(() => window.dispatchEvent(new Event("focus")));
    const badge = card(pageA, task.taskId).getByTestId("lock-badge");
    await badge.waitFor({ timeout: 3000 });
    assert.match(await badge.textContent(), /Locked by bob/);
    await card(pageA, task.taskId).getByRole("button", { name: "Break lock" }).click();
    await pageA.getByRole("dialog", { name: "Break the lock?" }).getByRole("button", { name: "Break lock" }).click();
    await badge.waitFor({ state: "detached", timeout: 3000 });
    assert.equal((await apiA("GET", `/v1/tasks/${task.taskId}/lock`)).status, 404);
    // Bob's fencing token is now dead: his write with it is refused.
    const r = await apiB("PATCH", `/v1/tasks/${task.taskId}`, { taskTitle: "x" }, { "Lock-Token": String(lock.body.token) });
    assert.equal(r.status, 423);
  });

  test("the keyboard opens a focused card for editing; Escape closes it and releases the lock", async () => {
    const task = await create(apiA, { userId: "alice", taskTitle: "Keyboard only" });
    const c = card(pageA, task.taskId);
    await c.waitFor({ timeout: 2000 });
    await c.focus();
    await pageA.keyboard.press("Enter");
    const editor = pageA.getByRole("dialog", { name: /Edit “Keyboard only”/ });
    await editor.waitFor();
    assert.equal(await editor.getByLabel("Title", { exact: true }).evaluate((el) => el === document.activeElement), true);
    assert.equal((await apiA("GET", `/v1/tasks/${task.taskId}/lock`)).status, 200);
    await pageA.keyboard.press("Escape");
    await editor.waitFor({ state: "detached" });
    assert.ok(await eventually(async () => (await apiA("GET", `/v1/tasks/${task.taskId}/lock`)).status === 404));
    // The card's status select moves it without a mouse.
    await c.getByLabel(/^Status of/).focus();
    await c.getByLabel(/^Status of/).selectOption("IN_PROGRESS");
    await inColumn(pageA, "IN_PROGRESS", task.taskId).waitFor({ timeout: 2000 });
  });

  test("429 is retried after Retry-After with a quiet notice", async () => {
    const task = await create(apiA, { userId: "alice", taskTitle: "Busy server" });
    const c = card(pageA, task.taskId);
    await c.waitFor({ timeout: 2000 });
    let refused = 0;
    await pageA.route(
      (u) => u.pathname === `/v1/tasks/${task.taskId}`,
      (route) => {
        if (route.request().method() === "PATCH" && refused === 0) {
          refused += 1;
          return route.fulfill({
            status: 429,
            headers: { "Retry-After": "1", "Content-Type": "application/problem+json" },
            body: JSON.stringify({ status: 429, code: "RATE_LIMITED", title: "Too many requests", retryable: true }),
          });
        }
        return route.continue();
      },
    );
    await c.getByLabel(/^Status of/).selectOption("COMPLETED");
    await pageA.locator(".notice-busy", { hasText: /trying again in 1 s/ }).waitFor();
    await inColumn(pageA, "COMPLETED", task.taskId).waitFor({ timeout: 4000 });
    await pageA.locator(".notice-busy").waitFor({ state: "hidden" });
    assert.equal(refused, 1);
    await pageA.unrouteAll({ behavior: "ignoreErrors" });
  });

  test("after a dropped stream the board resumes with Last-Event-ID; a 410 reloads the list", async () => {
    const streams = [];
    pageA.on("request", (req) => {
      if (new URL(req.url()).pathname === "/v1/changes/stream") streams.push(req.headers()["last-event-id"] ?? null);
    });
    // Drop the connection: the server restarts (same port, same database).
    await server.restart();
    const task = await create(apiB, { userId: "bob", taskTitle: "Written while alice's stream was down" });
    await card(pageA, task.taskId).waitFor({ timeout: 15000 });
    await pageA.locator('.live[data-state="live"]').waitFor();
    assert.ok(streams.some((h) => h !== null && /^\d+$/.test(h)), `a reconnect sent Last-Event-ID (${JSON.stringify(streams)})`);

    // The server says the position is too old, first as a 410, then as an `event: error` in the
    // stream: each time the board lists again and follows from the new list's revision.
    let streamCalls = 0;
    let lists = 0;
    await pageA.route(
      (u) => u.pathname === "/v1/changes/stream",
      (route) => {
        streamCalls += 1;
        if (streamCalls === 1) {
          return route.fulfill({
            status: 410,
            headers: { "Content-Type": "application/problem+json" },
            body: JSON.stringify({ status: 410, code: "CURSOR_EXPIRED", title: "Gone", oldestRevision: 1 }),
          });
        }
        if (streamCalls === 2) {
          return route.fulfill({
            status: 200,
            headers: { "Content-Type": "text/event-stream" },
            body: 'event: error\ndata: {"code":"CURSOR_EXPIRED"}\n\n',
          });
        }
        return route.continue();
      },
    );
    pageA.on("request", (req) => {
      if (new URL(req.url()).pathname === "/v1/tasks") lists += 1;
    });
    await pageA.reload();
    await pageA.getByText(/fell behind the change history/).first().waitFor();
    assert.ok(await eventually(() => streamCalls >= 3, 5000), `streams: ${streamCalls}`);
    await pageA.locator('.live[data-state="live"]').waitFor();
    assert.ok(lists >= 3, `listed again after each expiry (${lists})`);
    const late = await create(apiB, { userId: "bob", taskTitle: "After the relist" });
    await card(pageA, late.taskId).waitFor({ timeout: 2000 });
    await pageA.unrouteAll({ behavior: "ignoreErrors" });
  });

  test("a phone-sized screen shows one column at a time, with tabs, without sideways scrolling", async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const page = await newPage(phone, "phone");
    await signIn(page, server.tokens.bob);
    await page.locator(".card").first().waitFor();
    const layout = () =>
      page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        scrollHeight: document.documentElement.scrollHeight,
        shown: [...document.querySelectorAll("section.column")].filter((c) => c.offsetParent !== null).map((c) => c.dataset.status),
      }));
    let l = await layout();
    assert.ok(l.scrollWidth <= 390 && l.scrollHeight <= 844, JSON.stringify(l));
    assert.deepEqual(l.shown, ["NOT_STARTED"]);
    await page.getByRole("tab", { name: /^Blocked/ }).click();
    assert.equal(await page.getByRole("tab", { name: /^Blocked/ }).getAttribute("aria-selected"), "true");
    l = await layout();
    assert.deepEqual(l.shown, ["BLOCKED"]);
    await page.getByRole("tab", { name: /^Not started/ }).click();
    await page.screenshot({ path: screenshotPath("phone.png") });
    await phone.close();
  });

  // Issue 18, item 2: alice edits a task in her browser while bob changes the same field (and two
  // others) in his; her save opens the conflict view. Whatever way she leaves it, the fields she
  // never touched keep bob's values, and every write she sends carries only her change and If-Match.
  describe("after alice's edit clashes with bob's on the same field, bob's change survives", () => {
    const BOB = { taskTitle: "Title by bob", taskDescription: "Description by bob", taskStatus: "IN_PROGRESS" };
    const ALICE = { taskTitle: "Title by alice" };
    const sent = new Map(); // task id -> [{ body, ifMatch }] of every PATCH alice's page sent

    before(() => {
      pageA.on("request", (req) => {
        const m = new URL(req.url()).pathname.match(/^\/v1\/tasks\/([^/]+)$/);
        if (req.method() !== "PATCH" || !m) return;
        if (!sent.has(m[1])) sent.set(m[1], []);
        sent.get(m[1]).push({ body: JSON.parse(req.postData()), ifMatch: req.headers()["if-match"] ?? null });
      });
    });

    async function onServer(id, want) {
      const r = await apiA("GET", `/v1/tasks/${id}`);
      assert.equal(r.status, 200);
      for (const [k, v] of Object.entries(want)) assert.equal(r.body[k], v, `${k} on the server`);
      return r.body;
    }

    /** Every PATCH alice sent for `id` had If-Match and only the fields she changed. */
    function onlyHerFields(id, fields = Object.keys(ALICE)) {
      const writes = sent.get(id) ?? [];
      assert.ok(writes.length > 0, "alice sent a PATCH");
      for (const w of writes) {
        assert.ok(w.ifMatch, `If-Match on ${JSON.stringify(w.body)}`);
        for (const k of Object.keys(w.body)) assert.ok(fields.includes(k), `alice sent ${k}, which she never changed: ${JSON.stringify(w.body)}`);
      }
    }

    /** Opens alice's editor, types her change; bob saves his in his own editor; alice saves. */
    async function raced(name, alice, bob) {
      const task = await create(apiA, { userId: "alice", taskTitle: name, taskDescription: "As created" });
      await card(pageA, task.taskId).waitFor({ timeout: 2000 });
      await card(pageA, task.taskId).getByRole("button", { name: /^Edit / }).click();
      const editor = pageA.locator(`dialog.editor[data-task-id="${task.taskId}"]`);
      await editor.getByText(/You are editing/).waitFor();
      if (alice.taskTitle) await editor.getByLabel("Title", { exact: true }).fill(alice.taskTitle);
      if (alice.taskStatus) await editor.getByLabel("Status", { exact: true }).selectOption(alice.taskStatus);
      if (alice.warningOffset) await editor.getByLabel(/^Warning/).fill(String(alice.warningOffset));

      // Alice's lock goes (an admin breaks it, as when she is away), so bob can take his turn.
      assert.equal((await apiA("DELETE", `/v1/tasks/${task.taskId}/lock?force=true`)).status, 204);
      await pageB.reload();
      await pageB.locator('.live[data-state="live"]').waitFor();
      await card(pageB, task.taskId).getByRole("button", { name: /^Edit / }).click();
      const bobs = pageB.locator(`dialog.editor[data-task-id="${task.taskId}"]`);
      await bobs.getByText(/You are editing/).waitFor();
      if (bob.taskTitle) await bobs.getByLabel("Title", { exact: true }).fill(bob.taskTitle);
      await bobs.getByLabel("Description", { exact: true }).fill(bob.taskDescription);
      await bobs.getByLabel("Status", { exact: true }).selectOption(bob.taskStatus);
      await bobs.getByRole("button", { name: "Save" }).click();
      await bobs.waitFor({ state: "detached" });
      await onServer(task.taskId, { ...bob, version: 2, updatedBy: "bob" });
      assert.ok(await eventually(async () => (await apiA("GET", `/v1/tasks/${task.taskId}/lock`)).status === 404), "bob's lock released");

      // Alice's live feed has brought bob's version (her dialog says so), as it does within ms.
      await editor.getByText(/bob changed this task while you were editing/).waitFor({ timeout: 2000 });
      await editor.getByRole("button", { name: "Save" }).click();
      return { id: task.taskId, editor, view: pageA.getByTestId("conflict") };
    }

    /** As `raced`, on the same field: the conflict view opens on the choice. */
    async function clash(name, alice = ALICE, bob = BOB) {
      const c = await raced(name, alice, bob);
      const { view } = c;
      await view.locator('tr[data-field="taskTitle"] .v-theirs', { hasText: bob.taskTitle }).waitFor();
      assert.match(await view.locator('tr[data-field="taskTitle"] th').textContent(), /Both changed/);
      await onServer(c.id, { ...bob, version: 2 });
      return c;
    }

    test("different fields merge by themselves, with a quiet notice of what bob changed", async () => {
      const c = await raced("Race on different fields", { warningOffset: 45 }, { taskDescription: BOB.taskDescription, taskStatus: BOB.taskStatus });
      await c.editor.waitFor({ state: "detached" });
      await pageA.locator(".notice", { hasText: /bob had changed Description, Status meanwhile; both changes are kept/ }).waitFor();
      assert.equal(await c.view.count(), 0);
      await onServer(c.id, { taskDescription: BOB.taskDescription, taskStatus: BOB.taskStatus, warningOffset: 45, version: 3, updatedBy: "alice" });
      onlyHerFields(c.id, ["warningOffset"]);
    });

    /** The choice screen for the clash on the title. */
    async function choices(view) {
      const form = view.getByTestId("merge-choices");
      await form.waitFor();
      assert.deepEqual(await form.locator("fieldset").evaluateAll((fs) => fs.map((f) => f.dataset.field)), ["taskTitle"]);
      return form;
    }

    /** Back in alice's form: bob's values where she changed nothing, hers where she did; Save sends only hers. */
    async function backInTheForm({ id, editor, view }) {
      await view.waitFor({ state: "detached" });
      await editor.waitFor();
      await editor.getByText(/Editing on top of version 2 \(by bob\)/).waitFor();
      assert.equal(await editor.getByLabel("Title", { exact: true }).inputValue(), ALICE.taskTitle);
      assert.equal(await editor.getByLabel("Description", { exact: true }).inputValue(), BOB.taskDescription);
      assert.equal(await editor.getByLabel("Status", { exact: true }).inputValue(), BOB.taskStatus);
      await onServer(id, { ...BOB, version: 2 });
      await editor.getByRole("button", { name: "Save" }).click();
      await editor.waitFor({ state: "detached" });
      await onServer(id, { ...BOB, ...ALICE, version: 3, updatedBy: "alice" });
      onlyHerFields(id);
    }

    async function keptHers({ id, editor, view }) {
      await view.waitFor({ state: "detached" });
      await editor.waitFor({ state: "detached" });
      await onServer(id, { ...BOB, ...ALICE, version: 3, updatedBy: "alice" });
      onlyHerFields(id);
    }

    async function keptTheirs({ id, editor, view }) {
      await view.waitFor({ state: "detached" });
      await editor.waitFor({ state: "detached" });
      await onServer(id, { ...BOB, version: 2, updatedBy: "bob" });
      onlyHerFields(id);
    }

    const press = (name) => (c) => c.view.getByRole("button", { name }).click();
    const saveMyChoices = (pick) => async (c) => {
      await (await choices(c.view)).getByLabel(pick).check();
      await press("Save my choices")(c);
    };
    // Each way out of the view, and what alice's choice leaves on the server.
    const ways = [
      ["Keep mine", press("Keep mine"), keptHers],
      ["Take theirs", press("Take theirs"), keptTheirs],
      ["Back to my edit", press("Back to my edit"), backInTheForm],
      ["Escape", (c) => c.view.getByRole("button", { name: "Keep mine" }).press("Escape"), backInTheForm],
      ["closing the view with its Close button", press("Close"), backInTheForm],
      // What Chromium does on an Escape that the page may not stop.
      ["the browser closing the view", (c) => c.view.evaluate((dlg) => dlg.close()), backInTheForm],
      ["Save my choices (mine)", saveMyChoices(/^Mine/), keptHers],
      ["Save my choices (theirs)", saveMyChoices(/^Theirs/), keptTheirs],
      ["Escape on a choice", async (c) => (await choices(c.view)).locator("input").first().press("Escape"), backInTheForm],
    ];
    for (const [way, leave, outcome] of ways) {
      test(way, async () => {
        const c = await clash(`Clash: ${way}`);
        await choices(c.view);
        if (way === "Keep mine") await pageA.screenshot({ path: screenshotPath("conflict.png") });
        await leave(c);
        await outcome(c);
      });
    }

    test("Take theirs takes bob's title and still saves alice's other change", async () => {
      const alice = { ...ALICE, warningOffset: 45 };
      const c = await clash("Clash: theirs and mine", alice);
      await c.view.getByText(/Your other changes \(Warning \(minutes before due\)\) are saved whichever you choose/).waitFor();
      await press("Take theirs")(c);
      await c.editor.waitFor({ state: "detached" });
      await onServer(c.id, { ...BOB, warningOffset: 45, version: 3, updatedBy: "alice" });
      onlyHerFields(c.id, Object.keys(alice));
    });

    test("Save my choices keeps bob's Blocked, as the rule note says", async () => {
      const alice = { taskTitle: "Title by alice", taskStatus: "COMPLETED" };
      const bob = { ...BOB, taskStatus: "BLOCKED" };
      const c = await clash("Clash: a blocker", alice, bob);
      await c.view.getByTestId("blocked-rule").waitFor();
      const form = await choices(c.view); // the status is no question: the BLOCKED rule decides it
      await form.getByLabel(/^Mine/).check();
      await c.view.getByRole("button", { name: "Save my choices" }).click();
      await c.editor.waitFor({ state: "detached" });
      await onServer(c.id, { ...bob, taskTitle: alice.taskTitle, version: 3, updatedBy: "alice" });
      onlyHerFields(c.id, Object.keys(alice));
    });
  });

  test("the edit form sends only the changed field, also when an input shows a value differently", async () => {
    // A textarea gives back CRLF as LF: the description must not count as changed for that.
    const task = await create(apiB, { userId: "bob", taskTitle: "Written by a script", taskDescription: "line one\r\nline two" });
    await card(pageA, task.taskId).getByRole("button", { name: /^Edit / }).click();
    const editor = pageA.locator(`dialog.editor[data-task-id="${task.taskId}"]`);
    await editor.getByText(/You are editing/).waitFor();
    const patch = pageA.waitForRequest((req) => req.method() === "PATCH" && req.url().endsWith(`/v1/tasks/${task.taskId}`));
    await editor.getByLabel("Status", { exact: true }).selectOption("DEFERRED");
    await editor.getByRole("button", { name: "Save" }).click();
    const req = await patch;
    assert.deepEqual(JSON.parse(req.postData()), { taskStatus: "DEFERRED" });
    assert.equal(req.headers()["if-match"], task.eTag);
    await editor.waitFor({ state: "detached" });
    const r = await apiA("GET", `/v1/tasks/${task.taskId}`);
    assert.equal(r.body.taskDescription, "line one\r\nline two");
    assert.equal(r.body.taskStatus, "DEFERRED");
  });

  test("a move sends only the status, with If-Match", async () => {
    const task = await create(apiA, { userId: "erin", taskTitle: "Moved by dragging" });
    await card(pageA, task.taskId).waitFor({ timeout: 2000 });
    // Only erin's card, so that both columns fit the window for the drag.
    await pageA.getByLabel("Assignee").selectOption("erin");
    await pageA.evaluate(() => window.scrollTo(0, 0));
    const patch = pageA.waitForRequest((req) => req.method() === "PATCH" && req.url().endsWith(`/v1/tasks/${task.taskId}`));
    await card(pageA, task.taskId).dragTo(pageA.locator('section.column[data-status="DEFERRED"]'));
    const req = await patch;
    assert.deepEqual(JSON.parse(req.postData()), { taskStatus: "DEFERRED" });
    assert.equal(req.headers()["if-match"], task.eTag);
    await inColumn(pageA, "DEFERRED", task.taskId).waitFor({ timeout: 3000 });
    await pageA.getByLabel("Assignee").selectOption("");
  });

  test("who am I: a plain user never asks for the user list; Assignee is pre-filled and suggests names", async () => {
    assert.deepEqual(bobsRequests.filter((r) => r.endsWith("/v1/users")), [], "bob's board never calls GET /v1/users");
    assert.ok(bobsRequests.includes("GET /v1/me"));
    await pageB.getByRole("button", { name: "New task" }).click();
    const dlg = pageB.getByRole("dialog", { name: "New task" });
    const assignee = dlg.getByLabel("Assignee", { exact: true });
    assert.equal(await assignee.inputValue(), "bob");
    const listId = await assignee.getAttribute("list");
    const names = await pageB.locator(`datalist#${listId} option`).evaluateAll((os) => os.map((o) => o.value));
    for (const n of ["bob", "carol", "dave"]) assert.ok(names.includes(n), `${n} in ${names}`);
    await dlg.getByRole("button", { name: "Cancel" }).click();
    // An admin's board also suggests users who own no task yet.
    const adminNames = await pageA.locator("datalist#known-users option").evaluateAll((os) => os.map((o) => o.value));
    assert.ok(adminNames.includes("alice") && adminNames.includes("bob"), `${adminNames}`);
  });

  test("one's own lock, taken elsewhere with the same user, is one's own: edit under it, release it", async () => {
    const task = await create(apiB, { userId: "bob", taskTitle: "Locked from the CLI" });
    const lock = await apiB("POST", `/v1/tasks/${task.taskId}/lock`, { ttlSeconds: 300 });
    assert.equal(lock.status, 200);
    await pageB.evaluate(() => window.dispatchEvent(new Event("focus")));
    const c = card(pageB, task.taskId);
    await c.getByTestId("lock-badge").filter({ hasText: /Held by you until/ }).waitFor({ timeout: 3000 });
    const edit = c.getByRole("button", { name: "Edit Locked from the CLI" });
    assert.equal(await edit.getAttribute("aria-disabled"), null);
    const patch = pageB.waitForRequest((req) => req.method() === "PATCH");
    await edit.click();
    const editor = pageB.locator(`dialog.editor[data-task-id="${task.taskId}"]`);
    await editor.getByText(/editing under your own lock/).waitFor();
    await editor.getByLabel("Description", { exact: true }).fill("Saved under my own lock");
    await editor.getByRole("button", { name: "Save" }).click();
    assert.equal((await patch).headers()["lock-token"], String(lock.body.token));
    await editor.waitFor({ state: "detached" });
    // Closing the dialog leaves the lock held, as it was before: it was taken for a long job.
    const still = await apiA("GET", `/v1/tasks/${task.taskId}/lock`);
    assert.equal(still.status, 200);
    assert.equal(still.body.token, lock.body.token);
    await c.getByRole("button", { name: "Release Locked from the CLI" }).click();
    assert.ok(await eventually(async () => (await apiA("GET", `/v1/tasks/${task.taskId}/lock`)).status === 404));
    await c.getByTestId("lock-badge").waitFor({ state: "detached" });
  });

  test("Hold for 10 minutes takes a lock from the card; the other person sees it", async () => {
    const task = await create(apiA, { userId: "bob", taskTitle: "A long edit" });
    const c = card(pageB, task.taskId);
    await c.waitFor({ timeout: 2000 });
    await c.getByRole("button", { name: "Hold A long edit for 10 minutes" }).click();
    await c.getByTestId("lock-badge").filter({ hasText: /Held by you/ }).waitFor();
    const lock = await apiA("GET", `/v1/tasks/${task.taskId}/lock`);
    assert.equal(lock.body.owner, "bob");
    const left = new Date(lock.body.expiresAt).getTime() - Date.now();
    assert.ok(left > 590_000 && left <= 600_000, `${left} ms left`);
    await pageA.evaluate(() => window.dispatchEvent(new Event("focus")));
    await card(pageA, task.taskId).getByTestId("lock-badge").filter({ hasText: /Locked by bob/ }).waitFor({ timeout: 3000 });
    await c.getByRole("button", { name: "Release A long edit" }).click();
    assert.ok(await eventually(async () => (await apiA("GET", `/v1/tasks/${task.taskId}/lock`)).status === 404));
  });

  test("cards past their warning time say so, and turn overdue without a reload", async () => {
    const soon = await create(apiA, { userId: "alice", taskTitle: "Due soon", dueDate: new Date(Date.now() + 20 * 60_000 - 5_000).toISOString(), warningOffset: 30 });
    const later = await create(apiA, { userId: "alice", taskTitle: "Due later", dueDate: new Date(Date.now() + 60 * 60_000).toISOString(), warningOffset: 30 });
    const edge = await create(apiA, { userId: "alice", taskTitle: "Due in a moment", dueDate: new Date(Date.now() + 1_500).toISOString(), warningOffset: 1 });
    await card(pageB, soon.taskId).getByTestId("due-mark").filter({ hasText: "due in 20 min" }).waitFor({ timeout: 2000 });
    assert.equal(await card(pageB, later.taskId).getByTestId("due-mark").count(), 0);
    await card(pageB, edge.taskId).getByTestId("due-mark").filter({ hasText: "due in 1 min" }).waitFor();
    await card(pageB, edge.taskId).getByTestId("due-mark").filter({ hasText: "Overdue" }).waitFor({ timeout: 4000 });
    for (const t of [soon, later, edge]) assert.equal((await apiA("DELETE", `/v1/tasks/${t.taskId}`)).status, 204);
  });

  test("keyboard only: create, move with Shift+Arrow, arrows between cards, Enter edits; one tab stop per card", async () => {
    await pageB.getByRole("button", { name: "New task" }).focus();
    await pageB.keyboard.press("Enter");
    const dlg = pageB.getByRole("dialog", { name: "New task" });
    await pageB.keyboard.type("Made with keys");
    await pageB.keyboard.press("Enter");
    await dlg.waitFor({ state: "detached" });
    const c = pageB.locator(".card", { hasText: "Made with keys" });
    const id = await c.getAttribute("data-task-id");
    assert.equal((await apiB("GET", `/v1/tasks/${id}`)).body.userId, "bob");
    await c.focus();
    await pageB.keyboard.press("Shift+ArrowRight");
    await inColumn(pageB, "IN_PROGRESS", id).waitFor({ timeout: 2000 });
    assert.equal((await apiB("GET", `/v1/tasks/${id}`)).body.taskStatus, "IN_PROGRESS");
    assert.equal(await pageB.evaluate((i) => document.activeElement?.dataset.taskId === i, id), true, "focus stays on the moved card");
    await pageB.keyboard.press("Shift+ArrowLeft");
    await inColumn(pageB, "NOT_STARTED", id).waitFor({ timeout: 2000 });

    // Arrows: down the column, across to the next one; Tab goes card to card (one stop each).
    const col = await pageB.locator('section.column[data-status="NOT_STARTED"] .card').evaluateAll((cs) => cs.map((x) => x.dataset.taskId));
    await card(pageB, col[0]).focus();
    await pageB.keyboard.press("ArrowDown");
    assert.equal(await pageB.evaluate(() => document.activeElement?.dataset.taskId), col[1]);
    await pageB.keyboard.press("Tab");
    assert.equal(await pageB.evaluate(() => document.activeElement?.dataset.taskId), col[2], "Tab goes to the next card");
    await pageB.keyboard.press("ArrowRight");
    const right = await pageB.evaluate(() => document.activeElement?.closest("section.column")?.dataset.status);
    assert.equal(right, "IN_PROGRESS");
    // Buttons named for their card.
    assert.equal(await card(pageB, id).getByRole("button", { name: "Edit Made with keys" }).count(), 1);
    assert.equal(await card(pageB, id).getByRole("button", { name: "Delete Made with keys" }).count(), 1);
    await card(pageB, id).focus();
    await pageB.keyboard.press("Enter");
    const editor = pageB.getByRole("dialog", { name: /Edit “Made with keys”/ });
    await editor.waitFor();
    await pageB.keyboard.press("Escape");
    await editor.waitFor({ state: "detached" });
  });

  test("search (with /), sort and filters live in the URL and survive a reload", async () => {
    await pageB.locator(".card").first().focus();
    await pageB.keyboard.press("/");
    assert.equal(await pageB.evaluate(() => document.activeElement?.id), "search");
    await pageB.keyboard.type("fixtures"); // in a description only
    await pageB.getByLabel("Sort by").selectOption("title");
    await pageB.getByLabel("Assignee").selectOption("bob");
    const titles = () => pageB.locator(".card .card-title").allTextContents();
    assert.deepEqual(await titles(), ["Fix the flaky login test"]);
    const url = new URL(pageB.url());
    assert.equal(url.searchParams.get("q"), "fixtures");
    assert.equal(url.searchParams.get("sort"), "title");
    assert.equal(url.searchParams.get("user"), "bob");
    await pageB.reload();
    await pageB.locator('.live[data-state="live"]').waitFor();
    assert.equal(await pageB.getByLabel("Search").inputValue(), "fixtures");
    assert.equal(await pageB.getByLabel("Sort by").inputValue(), "title");
    assert.deepEqual(await titles(), ["Fix the flaky login test"]);
    // Sorted by title within a column.
    await pageB.getByLabel("Search").fill("");
    await pageB.getByLabel("Assignee").selectOption("");
    const col = await pageB.locator('section.column[data-status="NOT_STARTED"] .card-title').allTextContents();
    assert.deepEqual(col, [...col].sort((a, b) => a.localeCompare(b)));
    await pageB.getByLabel("Sort by").selectOption("due");
    assert.equal(new URL(pageB.url()).search, "");
  });

  test("500 tasks at 1,280 x 800: columns scroll on their own under fixed headers; a column collapses and stays so", async (t) => {
    const n = 500 - (await apiA("GET", "/v1/tasks?limit=500")).body.tasks.length;
    const statuses = ["NOT_STARTED", "IN_PROGRESS", "BLOCKED", "DEFERRED", "COMPLETED", "CANCELLED"];
    const seeded = Date.now();
    for (let i = 0; i < n; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, n - i) }, (_, k) =>
          create(apiA, { userId: ["alice", "bob", "carol", "dave"][(i + k) % 4], taskTitle: `Bulk task ${i + k + 1}`, taskStatus: statuses[(i + k) % 6], dueDate: future(1 + ((i + k) % 40)) }),
        ),
      );
    }
    t.diagnostic(`${n} tasks created in ${Date.now() - seeded} ms`);
    const wide = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await newPage(wide, "wide");
    await signIn(page, server.tokens.alice);
    // First renders of the whole board: from navigation start to every card drawn (for docs/web.md).
    const renders = [];
    for (let i = 0; i < 5; i++) {
      await page.reload();
      await page.waitForFunction(() => document.querySelectorAll(".card").length >= 500, null, { polling: "raf" });
      renders.push(Math.round(await page.evaluate(() => performance.now())));
    }
    metrics.firstRender500Ms = { renders, median: [...renders].sort((a, b) => a - b)[2] };
    t.diagnostic(`first render of 500 tasks: ${JSON.stringify(metrics.firstRender500Ms)}`);
    await page.locator('.live[data-state="live"]').waitFor();

    const layout = () =>
      page.evaluate(() => {
        const col = document.querySelector('section.column[data-status="NOT_STARTED"]');
        const list = col.querySelector(".cards").getBoundingClientRect();
        const seen = [...col.querySelectorAll(".card")].filter((c) => {
          const r = c.getBoundingClientRect();
          return r.top >= list.top && r.bottom <= list.bottom;
        }).length;
        return {
          pageWidth: document.documentElement.scrollWidth,
          pageHeight: document.documentElement.scrollHeight,
          headTop: col.querySelector("h2").getBoundingClientRect().top,
          barTop: document.querySelector(".topbar").getBoundingClientRect().top,
          lastColRight: document.querySelector('section.column[data-status="CANCELLED"]').getBoundingClientRect().right,
          seen,
        };
      });
    const before = await layout();
    assert.ok(before.pageWidth <= 1280, `no sideways scroll: ${JSON.stringify(before)}`);
    assert.ok(before.pageHeight <= 800, `no page scroll: ${JSON.stringify(before)}`);
    assert.ok(before.lastColRight <= 1280, `every column fits: ${JSON.stringify(before)}`);
    assert.ok(before.seen >= 8, `at least 8 cards visible in a column: ${JSON.stringify(before)}`);
    await page.locator('section.column[data-status="NOT_STARTED"] .cards').evaluate((l) => l.scrollBy(0, 2000));
    const after = await layout();
    assert.equal(after.headTop, before.headTop, "the column header stays");
    assert.equal(after.barTop, 0, "the top bar stays");
    await page.locator('section.column[data-status="NOT_STARTED"] .cards').evaluate((l) => l.scrollTo(0, 0));
    await page.evaluate(() => document.activeElement?.blur());
    await page.screenshot({ path: screenshotPath("board.png") });

    const done = page.locator('section.column[data-status="COMPLETED"]');
    await page.getByRole("button", { name: "Collapse Completed" }).click();
    assert.ok((await done.boundingBox()).width < 60);
    await page.reload();
    await page.getByRole("button", { name: "Expand Completed" }).waitFor();
    assert.ok((await done.boundingBox()).width < 60);
    await page.getByRole("button", { name: "Expand Completed" }).click();
    assert.ok((await done.boundingBox()).width > 150);
    await wide.close();
  });

  test("no script errors and no CSP violations on either board", async () => {
    for (const page of [pageA, pageB]) {
      const csp = await page.evaluate(() => window.__csp ?? []);
      assert.deepEqual(csp, []);
    }
    assert.deepEqual(problems, []);
    assert.deepEqual(consoleErrors.filter((e) => /\b403\b/.test(e)), [], "no request was refused as forbidden");
    assert.ok(paths.webDist);
  });
});
