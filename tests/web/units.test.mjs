// Unit tests of the board's pure parts (no browser): the text/event-stream parser, the store's
// ordering rules, the BLOCKED rule and Retry-After. The TypeScript sources are bundled in memory with
// the esbuild that web/ already installs (web/build.sh runs first in tests/web/run.sh).
import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { before, describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const web = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "web");
let m;

before(async () => {
  const { build } = await import(pathToFileURL(join(web, "node_modules/esbuild/lib/main.js")).href);
  const out = await build({
    stdin: {
      contents: `
        export { SseParser } from "./src/sse";
        export { TaskStore, liveLock } from "./src/store";
        export { blockedRuleApplies } from "./src/conflict";
        export { retryAfterMs, backoffMs } from "./src/api";`,
      resolveDir: web,
      loader: "ts",
    },
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    logLevel: "silent",
  });
  m = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString("base64")}`);
});

function task(over = {}) {
  return {
    taskId: "t1",
    userId: "alice",
    taskTitle: "T",
    taskDescription: "",
    dueDate: "2030-01-01T00:00:00.000Z",
    warningOffset: 0,
    taskStatus: "NOT_STARTED",
    version: 1,
    eTag: '"1-1"',
    createdAt: "",
    updatedAt: "",
    updatedBy: "alice",
    lock: null,
    ...over,
  };
}

describe("SseParser", () => {
  const stream =
    'id: 1\r\nevent: change\r\ndata: {"a":1}\r\n\r\n: heartbeat\n\nid: 2\nevent: change\ndata: one\ndata:two\n\nretry: 500\nevent: error\rdata: {"code":"CURSOR_EXPIRED"}\r\r';
  const expected = [
    { type: "change", data: '{"a":1}', lastEventId: "1" },
    { type: "change", data: "one\ntwo", lastEventId: "2" },
    { type: "error", data: '{"code":"CURSOR_EXPIRED"}', lastEventId: "2" },
  ];

  test("gives the same events however the stream is cut into chunks (CR, LF, CRLF line ends)", () => {
    for (const size of [1, 2, 3, 5, 8, 13, stream.length]) {
      const p = new m.SseParser();
      const events = [];
      for (let i = 0; i < stream.length; i += size) events.push(...p.push(stream.slice(i, i + size)));
      assert.deepEqual(events, expected, `chunks of ${size}`);
      assert.equal(p.retryMs, 500);
    }
  });

  test("an event without data is not dispatched, and an unfinished one waits", () => {
    const p = new m.SseParser();
    assert.deepEqual(p.push("event: change\n\nid: 9\ndata: x"), []);
    assert.deepEqual(p.push("\n\n"), [{ type: "message", data: "x", lastEventId: "9" }]);
  });
});

describe("TaskStore", () => {
  test("an older copy never replaces a newer one; the feed keeps the known lock", () => {
    const s = new m.TaskStore();
    const lock = { taskId: "t1", owner: "bob", acquiredAt: "", expiresAt: "2999-01-01T00:00:00.000Z", token: 7 };
    s.upsert(task({ version: 3, eTag: '"3-9"', lock }));
    s.upsert(task({ version: 2, eTag: '"2-5"' }));
    assert.equal(s.get("t1").version, 3);
    s.applyChange({ revision: 10, type: "updated", taskId: "t1", version: 4, by: "bob", at: "", task: task({ version: 4, lock: null }) });
    assert.equal(s.get("t1").version, 4);
    assert.equal(s.get("t1").lock.owner, "bob");
    s.applyChange({ revision: 11, type: "deleted", taskId: "t1", version: 5, by: "bob", at: "", task: null });
    assert.equal(s.get("t1"), undefined);
  });

  test("a list drops missing tasks only when it is as new as the feed and nothing local is newer", () => {
    const s = new m.TaskStore();
    const t0 = performance.now();
    s.replaceAll([task(), task({ taskId: "t2" })], 5, t0);
    s.applyChange({ revision: 8, type: "created", taskId: "t3", version: 1, by: "bob", at: "", task: task({ taskId: "t3" }) });
    s.replaceAll([task()], 6, t0 - 1); // an older list: keeps t2 and t3
    assert.deepEqual(s.all().map((t) => t.taskId).sort(), ["t1", "t2", "t3"]);
    s.replaceAll([task(), task({ taskId: "t3" })], 9, performance.now());
    assert.deepEqual(s.all().map((t) => t.taskId).sort(), ["t1", "t3"]);
  });

  test("an expired lock is no lock", () => {
    const past = task({ lock: { taskId: "t1", owner: "bob", acquiredAt: "", expiresAt: "2000-01-01T00:00:00.000Z", token: 1 } });
    assert.equal(m.liveLock(past), null);
  });
});

describe("the BLOCKED rule", () => {
  const base = task({ taskStatus: "NOT_STARTED" });
  test("applies to a status conflict in which either side is BLOCKED", () => {
    assert.equal(m.blockedRuleApplies(base, task({ taskStatus: "BLOCKED" }), { taskStatus: "COMPLETED" }), true);
    assert.equal(m.blockedRuleApplies(base, task({ taskStatus: "COMPLETED" }), { taskStatus: "BLOCKED" }), true);
  });
  test("does not apply without a conflict or without BLOCKED", () => {
    assert.equal(m.blockedRuleApplies(base, task({ taskStatus: "NOT_STARTED" }), { taskStatus: "COMPLETED" }), false);
    assert.equal(m.blockedRuleApplies(base, task({ taskStatus: "IN_PROGRESS" }), { taskStatus: "COMPLETED" }), false);
    assert.equal(m.blockedRuleApplies(base, task({ taskStatus: "BLOCKED" }), { taskStatus: "BLOCKED" }), false);
    assert.equal(m.blockedRuleApplies(base, task({ taskStatus: "BLOCKED" }), { taskTitle: "x" }), false);
  });
});

describe("retries", () => {
  test("Retry-After in seconds or as a date; backoff never sooner than it", () => {
    assert.equal(m.retryAfterMs(new Headers({ "Retry-After": "3" })), 3000);
    const now = Date.parse("2030-01-01T00:00:00Z");
    assert.equal(m.retryAfterMs(new Headers({ "Retry-After": "Tue, 01 Jan 2030 00:00:05 GMT" }), now), 5000);
    assert.equal(m.retryAfterMs(new Headers()), 0);
    for (let i = 0; i < 50; i++) {
      assert.ok(m.backoffMs(0, 2000) >= 2000);
      assert.ok(m.backoffMs(10, 0) <= 8000);
    }
  });
});
