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
    // Not an admin: the header says so by not saying admin.
    await pageB.getByText(/^Signed in$/).waitFor();
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

  test("seed scenario: alice sets BLOCKED, bob's stale COMPLETED shows the conflict, bob merges, BLOCKED stays", async () => {
    const task = await create(apiA, { userId: "bob", taskTitle: "Ship the seed scenario", taskDescription: "Two people, one stale write." });
    await card(pageA, task.taskId).waitFor({ timeout: 2000 });
    await card(pageB, task.taskId).waitFor({ timeout: 2000 });

    // Bob's board falls behind (as on a slow network): his live feed and list polls are held back.
    let holdList = false;
    await pageB.route((u) => u.pathname === "/v1/changes/stream", () => {});
    await pageB.route((u) => u.pathname === "/v1/tasks", (route) => (holdList ? undefined : route.continue()));
    await pageB.reload();
    await card(pageB, task.taskId).waitFor();
    holdList = true;

    // Alice drags the card to Blocked.
    await card(pageA, task.taskId).dragTo(pageA.locator('section.column[data-status="BLOCKED"]'));
    await inColumn(pageA, "BLOCKED", task.taskId).waitFor({ timeout: 3000 });
    const afterA = await apiA("GET", `/v1/tasks/${task.taskId}`);
    assert.equal(afterA.body.taskStatus, "BLOCKED");
    assert.equal(afterA.body.version, 2);
    assert.equal(await inColumn(pageB, "NOT_STARTED", task.taskId).count(), 1, "bob's card is stale");

    // Bob, from his stale card, marks it COMPLETED with the keyboard alternative to dragging.
    await card(pageB, task.taskId).getByLabel(/^Status of/).selectOption("COMPLETED");
    const view = pageB.getByTestId("conflict");
    await view.waitFor();
    const row = view.locator('tr[data-field="taskStatus"]');
    await row.locator(".v-base", { hasText: "Not started" }).waitFor();
    assert.equal(await row.locator(".v-base").textContent(), "Not started");
    assert.equal(await row.locator(".v-theirs").textContent(), "Blocked");
    assert.equal(await row.locator(".v-yours").textContent(), "Completed");
    assert.match(await row.locator("th").textContent(), /Both changed/);
    assert.match(await view.getByRole("columnheader").nth(2).textContent(), /v2, by alice/);
    assert.match(await view.getByTestId("blocked-rule").textContent(), /keeps Blocked/);
    await pageB.screenshot({ path: screenshotPath("conflict.png") });

    await view.getByRole("button", { name: "Merge" }).click();
    await view.waitFor({ state: "detached" });
    await inColumn(pageB, "BLOCKED", task.taskId).waitFor({ timeout: 2000 });
    await pageB.getByText(/status stays Blocked/).waitFor();
    const final = await apiA("GET", `/v1/tasks/${task.taskId}`);
    assert.equal(final.body.taskStatus, "BLOCKED");

    await pageB.unrouteAll({ behavior: "ignoreErrors" });
    await pageB.reload();
    await pageB.locator('.live[data-state="live"]').waitFor();
  });

  test("a conflict on different fields merges without a question; the same field asks field by field", async () => {
    const task = await create(apiA, { userId: "alice", taskTitle: "Two edits at once" });
    await card(pageB, task.taskId).waitFor({ timeout: 2000 });
    let holdList = false;
    await pageB.route((u) => u.pathname === "/v1/changes/stream", () => {});
    await pageB.route((u) => u.pathname === "/v1/tasks", (route) => (holdList ? undefined : route.continue()));
    await pageB.reload();
    await card(pageB, task.taskId).waitFor();
    holdList = true;

    // Someone else changes the status (IN_PROGRESS) behind bob's back; bob moves it to DEFERRED.
    let r = await apiA("PATCH", `/v1/tasks/${task.taskId}`, { taskStatus: "IN_PROGRESS" }, { "If-Match": task.eTag });
    assert.equal(r.status, 200);
    await card(pageB, task.taskId).getByLabel(/^Status of/).selectOption("DEFERRED");
    const view = pageB.getByTestId("conflict");
    await view.waitFor();
    assert.equal(await view.getByTestId("blocked-rule").count(), 0);
    await view.getByRole("button", { name: "Merge" }).click();
    const choices = view.getByTestId("merge-choices");
    await choices.waitFor();
    const fs = choices.locator('fieldset[data-field="taskStatus"]');
    assert.match(await fs.textContent(), /Mine: Deferred/);
    assert.match(await fs.textContent(), /Theirs: In progress/);
    await fs.getByLabel(/^Mine/).check();
    await view.getByRole("button", { name: "Save my choices" }).click();
    await view.waitFor({ state: "detached" });
    r = await apiA("GET", `/v1/tasks/${task.taskId}`);
    assert.equal(r.body.taskStatus, "DEFERRED");
    assert.equal(r.body.updatedBy, "bob");

    // Still stale: alice renames it; bob, from his copy, marks it COMPLETED and keeps his.
    await inColumn(pageB, "DEFERRED", task.taskId).waitFor();
    r = await apiA("PATCH", `/v1/tasks/${task.taskId}`, { taskTitle: "Two edits at once (renamed)" }, { "If-Match": r.body.eTag });
    assert.equal(r.status, 200);
    await card(pageB, task.taskId).getByLabel(/^Status of/).selectOption("COMPLETED");
    await view.waitFor();
    await view.locator('tr[data-field="taskTitle"] .v-theirs', { hasText: "(renamed)" }).waitFor();
    assert.match(await view.locator('tr[data-field="taskTitle"] th').textContent(), /Only them/);
    await view.getByRole("button", { name: "Keep mine" }).click();
    await view.waitFor({ state: "detached" });
    r = await apiA("GET", `/v1/tasks/${task.taskId}`);
    assert.equal(r.body.taskStatus, "COMPLETED");
    assert.equal(r.body.taskTitle, "Two edits at once (renamed)");

    await pageB.unrouteAll({ behavior: "ignoreErrors" });
    await pageB.reload();
    await pageB.locator('.live[data-state="live"]').waitFor();
  });

  test("a lock taken in one context shows as a badge in the other; bob's edit controls say why they are off", async (t) => {
    const task = await create(apiA, { userId: "alice", taskTitle: "Rewrite the lock docs" });
    await card(pageA, task.taskId).waitFor({ timeout: 2000 });
    await card(pageB, task.taskId).waitFor({ timeout: 2000 });

    await card(pageA, task.taskId).getByRole("button", { name: "Edit" }).click();
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
    const edit = card(pageB, task.taskId).getByRole("button", { name: "Edit" });
    assert.equal(await edit.getAttribute("aria-disabled"), "true");
    const whyId = await edit.getAttribute("aria-describedby");
    assert.match(await pageB.locator(`#${whyId}`).textContent(), /alice is editing this task/);
    assert.equal(await card(pageB, task.taskId).getByLabel(/^Status of/).isDisabled(), true);
    assert.equal(await card(pageB, task.taskId).getByRole("button", { name: "Break lock" }).count(), 0, "bob is no admin");
    // Still focusable (aria-disabled), and pressing it says why.
    await edit.focus();
    await pageB.keyboard.press("Enter");
    await pageB.getByText(/alice is editing this task until/).first().waitFor();
    await pageB.screenshot({ path: screenshotPath("board.png") });

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

  test("a phone-sized screen stacks the columns without sideways scrolling", async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const page = await newPage(phone, "phone");
    await signIn(page, server.tokens.bob);
    await page.locator(".card").first().waitFor();
    const layout = await page.evaluate(() => {
      const cols = [...document.querySelectorAll("section.column")].map((c) => c.getBoundingClientRect());
      return { scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth, stacked: cols[1].top >= cols[0].bottom };
    });
    assert.ok(layout.scrollWidth <= layout.width, JSON.stringify(layout));
    assert.ok(layout.stacked);
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

    /** Opens alice's editor, types her change; bob saves his in his own editor; alice saves: the conflict view. */
    async function clash(name, alice = ALICE, bob = BOB) {
      const task = await create(apiA, { userId: "alice", taskTitle: name, taskDescription: "As created" });
      await card(pageA, task.taskId).waitFor({ timeout: 2000 });
      await card(pageA, task.taskId).getByRole("button", { name: "Edit" }).click();
      const editor = pageA.locator(`dialog.editor[data-task-id="${task.taskId}"]`);
      await editor.getByText(/You are editing/).waitFor();
      await editor.getByLabel("Title", { exact: true }).fill(alice.taskTitle);
      if (alice.taskStatus) await editor.getByLabel("Status", { exact: true }).selectOption(alice.taskStatus);

      // Alice's lock goes (an admin breaks it, as when she is away), so bob can take his turn.
      assert.equal((await apiA("DELETE", `/v1/tasks/${task.taskId}/lock?force=true`)).status, 204);
      await pageB.reload();
      await pageB.locator('.live[data-state="live"]').waitFor();
      await card(pageB, task.taskId).getByRole("button", { name: "Edit" }).click();
      const bobs = pageB.locator(`dialog.editor[data-task-id="${task.taskId}"]`);
      await bobs.getByText(/You are editing/).waitFor();
      await bobs.getByLabel("Title", { exact: true }).fill(bob.taskTitle);
      await bobs.getByLabel("Description", { exact: true }).fill(bob.taskDescription);
      await bobs.getByLabel("Status", { exact: true }).selectOption(bob.taskStatus);
      await bobs.getByRole("button", { name: "Save" }).click();
      await bobs.waitFor({ state: "detached" });
      await onServer(task.taskId, { ...bob, version: 2, updatedBy: "bob" });
      assert.ok(await eventually(async () => (await apiA("GET", `/v1/tasks/${task.taskId}/lock`)).status === 404), "bob's lock released");

      await editor.getByRole("button", { name: "Save" }).click();
      const view = pageA.getByTestId("conflict");
      await view.locator('tr[data-field="taskTitle"] .v-theirs', { hasText: bob.taskTitle }).waitFor();
      assert.match(await view.locator('tr[data-field="taskTitle"] th').textContent(), /Both changed/);
      await onServer(task.taskId, { ...bob, version: 2 });
      return { id: task.taskId, editor, view };
    }

    /** The choice screen that Merge opens for the clash on the title. */
    async function choices(view) {
      await view.getByRole("button", { name: "Merge" }).click();
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
    const pressOnChoices = (name) => async (c) => {
      await choices(c.view);
      await press(name)(c);
    };
    const saveMyChoices = (pick) => async (c) => {
      await (await choices(c.view)).getByLabel(pick).check();
      await press("Save my choices")(c);
    };
    // Each way out of the view, and what alice's choice leaves on the server.
    const ways = [
      ["Keep mine", press("Keep mine"), keptHers],
      ["Take theirs", press("Take theirs"), keptTheirs],
      ["Back to my edit", press("Back to my edit"), backInTheForm],
      ["Escape", (c) => c.view.getByRole("button", { name: "Merge" }).press("Escape"), backInTheForm],
      ["closing the view with its Close button", press("Close"), backInTheForm],
      // What Chromium does on an Escape that the page may not stop.
      ["the browser closing the view", (c) => c.view.evaluate((dlg) => dlg.close()), backInTheForm],
      ["Merge, then Save my choices (mine)", saveMyChoices(/^Mine/), keptHers],
      ["Merge, then Save my choices (theirs)", saveMyChoices(/^Theirs/), keptTheirs],
      ["Merge, then the choice screen's Take theirs", pressOnChoices("Take theirs"), keptTheirs],
      ["Merge, then the choice screen's Back to my edit", pressOnChoices("Back to my edit"), backInTheForm],
      ["Merge, then Escape on the choice screen", async (c) => (await choices(c.view)).locator("input").first().press("Escape"), backInTheForm],
    ];
    for (const [way, leave, outcome] of ways) {
      test(way, async () => {
        const c = await clash(`Clash: ${way}`);
        await leave(c);
        await outcome(c);
      });
    }

    test("Save my choices keeps bob's Blocked, as Merge said it would", async () => {
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
    await card(pageA, task.taskId).getByRole("button", { name: "Edit" }).click();
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

  test("no script errors and no CSP violations on either board", async () => {
    for (const page of [pageA, pageB]) {
      const csp = await page.evaluate(() => window.__csp ?? []);
      assert.deepEqual(csp, []);
    }
    assert.deepEqual(problems, []);
    assert.ok(paths.webDist);
  });
});
