// The WPS add-in's buttons (install/wps/main.js, ribbon.js) against a mock ET object model and a REAL
// xlperf service started here (python -m xlperf serve on a free port, with a temporary HOME).
// Run by tests/wps/test_node.py, which prepares the fixture and the expected result (from
// `xlperf validate --annotate` on the same file) and passes them in the environment.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawn } = require("node:child_process");

const { SyncXMLHttpRequest } = require("./sync_xhr.js");
const { MockBook, mockApplication } = require("./mock_et.js");

const ENV = process.env;
const ADDIN = path.join(ENV.XLPERF_REPO, "install", "wps");
const expected = JSON.parse(fs.readFileSync(ENV.XLPERF_EXPECTED, "utf8"));
const RESULT = "校验结果";

let home;
let service;
const messages = [];
let confirmAnswer = 1;

function waitFor(predicate, what) {
  const deadline = Date.now() + 120000;
  return new Promise((resolve, reject) => {
    const tick = () => {
      const value = predicate();
      if (value) return resolve(value);
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 100);
    };
    tick();
  });
}

test.before(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), "xlperf-wps-home-"));
  const env = { ...ENV, HOME: home, PYTHONPATH: ENV.XLPERF_REPO };
  delete env.XDG_CONFIG_HOME;
  delete env.XLPERF_CONFIG_DIR;
  service = spawn(ENV.XLPERF_PYTHON, ["-m", "xlperf", "serve", "--port", "0"], { env, stdio: "ignore" });
  const infoFile = path.join(home, ".config", "xlperf", "service.json");
  await waitFor(() => {
    try {
      return JSON.parse(fs.readFileSync(infoFile, "utf8")).pid === service.pid;
    } catch (e) {
      return false;
    }
  }, "service.json");
  globalThis.XMLHttpRequest = SyncXMLHttpRequest;
  globalThis.alert = (text) => messages.push(text);
  globalThis.confirm = () => confirmAnswer;
  require(path.join(ADDIN, "main.js"));
  require(path.join(ADDIN, "ribbon.js"));
  globalThis.Application = mockApplication({ home, book: null });
  await waitFor(() => /运行中/.test(globalThis.xlperf.about()), "the service to answer");
});

test.after(async () => {
  if (service && service.exitCode === null) {
    const exited = new Promise((resolve) => service.on("exit", resolve));
    service.kill("SIGTERM");
    await exited;
  }
  fs.rmSync(home, { recursive: true, force: true });
});

function openBook(file, options = {}) {
  const book = new MockBook({
    name: path.basename(file),
    path: path.dirname(file),
    sheets: expected.initial_sheets,
    ...options,
  });
  globalThis.Application = mockApplication({ home, book, files: options.files });
  return book;
}

function cellsOf(sheet) {
  const out = {};
  for (const [addr, c] of sheet.cells) if (c.value !== null) out[addr] = c.value;
  return out;
}

test("一键校验 replays exactly what `xlperf validate --annotate` writes", () => {
  const book = openBook(ENV.XLPERF_FIXTURE);
  const shown = globalThis.ribbon.OnAction({ Id: "xlperfValidate" });
  assert.match(shown, /^校验完成：错误 \d+ 条/);
  assert.doesNotMatch(shown, /未能完成/);
  assert.deepEqual(book.sheets.map((s) => [s.Name, s.Visible]), expected.final_sheets);
  const result = book.sheet(RESULT);
  assert.deepEqual(cellsOf(result), expected.result_values);
  const links = {};
  for (const [addr, c] of result.cells) if (c.link) links[addr] = c.link;
  assert.deepEqual(links, expected.result_links);
  assert.deepEqual([...result.hidden], expected.result_hidden);
  assert.deepEqual(cellsOf(book.sheet(expected.marks_sheet)), expected.marks_values);
  const marked = {};
  for (const s of book.sheets) {
    if (s.Name === RESULT || s.Name === expected.marks_sheet) continue;
    for (const [addr, c] of s.cells) marked[`${s.Name}!${addr}`] = [c.fill ?? null, c.note];
  }
  assert.deepEqual(marked, expected.highlights);
  assert.equal(book.activeSheet, RESULT);
  assert.equal(globalThis.Application.ScreenUpdating, true);
});

test("an unsaved workbook is saved first, or not validated when the user says no", () => {
  confirmAnswer = 0;
  const refused = openBook(ENV.XLPERF_FIXTURE, { saved: false });
  const before = SyncXMLHttpRequest.log.length;
  assert.match(globalThis.xlperf.validateActive(), /未校验：请保存/);
  assert.equal(SyncXMLHttpRequest.log.length, before);
  assert.equal(refused.saves, 0);
  confirmAnswer = 1;
  const book = openBook(ENV.XLPERF_FIXTURE, { saved: false });
  assert.match(globalThis.xlperf.validateActive(), /^校验完成/);
  assert.equal(book.saves, 1);
});

test("a new or non-xlsx workbook must be saved as .xlsx", () => {
  openBook("工作簿1", { path: "" });
  assert.match(globalThis.xlperf.validateActive(), /另存为/);
  openBook("/tmp/预算.et");
  assert.match(globalThis.xlperf.validateActive(), /另存为/);
  globalThis.Application = mockApplication({ home, book: null });
  assert.match(globalThis.xlperf.validateActive(), /请先打开/);
});

test("a sheet protected by the user is left alone and listed, never unprotected", () => {
  const book = openBook(ENV.XLPERF_FIXTURE);
  const name = expected.protected_sheet;
  book.sheet(name).ProtectContents = true;
  const shown = globalThis.xlperf.validateActive();
  assert.match(shown, new RegExp(`工作表“${name}”设有保护`));
  assert.equal(book.sheet(name).unprotectCalls, 0);
  assert.equal(book.sheet(name).cells.size, 0);
  assert.ok(Object.keys(cellsOf(book.sheet(RESULT))).length > 0);
});

test("service not running, token file missing, wrong token: Chinese messages that say what to do", () => {
  const infoFile = path.join(home, ".config", "xlperf", "service.json");
  const info = JSON.parse(fs.readFileSync(infoFile, "utf8"));
  openBook(ENV.XLPERF_FIXTURE, { files: { [infoFile]: JSON.stringify({ ...info, port: 9 }) } });
  assert.match(globalThis.xlperf.validateActive(), /无法连接 xlperf 服务.*xlperf serve/s);
  openBook(ENV.XLPERF_FIXTURE, { files: { [infoFile]: JSON.stringify({ ...info, token: "x".repeat(40) }) } });
  assert.match(globalThis.xlperf.validateActive(), /口令不符/);
  openBook(ENV.XLPERF_FIXTURE, { files: { [infoFile]: "{not json" } });
  assert.match(globalThis.xlperf.validateActive(), /已损坏/);
  globalThis.Application = mockApplication({ home: path.join(home, "nobody"), book: openBook(ENV.XLPERF_FIXTURE) });
  assert.match(globalThis.xlperf.validateActive(), /没有找到 xlperf 服务的口令文件.*xlperf serve/s);
});

test("a file the service cannot read is a message, not a crash", () => {
  openBook(ENV.XLPERF_BROKEN);
  assert.match(globalThis.xlperf.validateActive(), /工作簿无法读取/);
});

test("清除标注 gives the highlighted cells their original fill and note back", () => {
  const book = openBook(ENV.XLPERF_ANNOTATED, { sheets: expected.final_sheets });
  const shown = globalThis.ribbon.OnAction({ Id: "xlperfClear" });
  assert.equal(shown, `已清除 ${Object.keys(expected.highlights).length} 处标注（单元格恢复原来的填充色和批注）。`);
  const restored = {};
  for (const s of book.sheets) {
    if (s.Name === RESULT || s.Name === expected.marks_sheet) continue;
    for (const [addr, c] of s.cells) restored[`${s.Name}!${addr}`] = [c.fill ?? null, c.note];
  }
  assert.deepEqual(restored, expected.originals);
});

test("every request carried the token and was synchronous", () => {
  assert.ok(SyncXMLHttpRequest.log.length > 3);
  for (const xhr of SyncXMLHttpRequest.log) {
    if (xhr.url) assert.ok(xhr.headers["X-Xlperf-Token"], xhr.url);
  }
});
