// A mock of the part of WPS's ET object model (Application, Workbook, Worksheet, Range, Interior, Comment,
// Hyperlinks) the add-in uses, recording the resulting workbook state for the tests. It behaves like
// Excel/WPS where that matters to the add-in: a leading apostrophe makes text (and is not part of the
// value), AddComment fails on a cell that already has a note, Sheets.Item fails on an unknown sheet.
"use strict";

const XL_NONE = -4142;

function rgbOf(bgr) {
  const r = bgr & 0xff, g = (bgr >> 8) & 0xff, b = (bgr >> 16) & 0xff;
  return [r, g, b].map((v) => v.toString(16).padStart(2, "0")).join("").toUpperCase();
}

class MockSheet {
  constructor(book, name, visible = -1) {
    this.book = book;
    this.Name = name;
    this.Visible = visible;
    this.ProtectContents = false;
    this.cells = new Map(); // "A1" → {value, fill, note, link}
    this.hidden = new Set();
    this.widths = {};
    this.unmerged = [];
    this.unprotectCalls = 0;
    const sheet = this;
    this.Hyperlinks = {
      Add(anchor, address, sub, tip, text) {
        const c = anchor.cell();
        c.link = sub;
        c.value = text;
        return {};
      },
    };
    this.Cells = { ClearContents() { for (const c of sheet.cells.values()) c.value = null; } };
  }
  cell(addr) {
    if (!/^[A-Z]{1,3}[1-9][0-9]*$/.test(addr)) throw new Error(`bad address ${addr}`);
    this.touch();
    if (!this.cells.has(addr)) this.cells.set(addr, { value: null, fill: undefined, note: null, link: null });
    return this.cells.get(addr);
  }
  touch() {
    if (this.ProtectContents) throw new Error(`sheet ${this.Name} is protected`);
  }
  Range(addr) {
    return new MockRange(this, String(addr));
  }
  Activate() {
    this.book.activeSheet = this.Name;
  }
  Unprotect() {
    this.unprotectCalls += 1;
    throw new Error("a password prompt would appear here");
  }
}

class MockRange {
  constructor(sheet, addr) {
    this.sheet = sheet;
    this.addr = addr;
  }
  cell() {
    return this.sheet.cell(this.addr);
  }
  get Value2() { return this.cell().value; }
  set Value2(v) {
    this.cell().value = typeof v === "string" && v.startsWith("'") ? v.slice(1) : v;
  }
  get Interior() {
    const c = this.cell();
    return {
      set Color(bgr) { c.fill = rgbOf(bgr); },
      set ColorIndex(i) { if (i === XL_NONE) c.fill = null; else throw new Error("unexpected ColorIndex"); },
    };
  }
  get Comment() {
    const c = this.cell();
    if (c.note === null) return null;
    return {
      Delete() { c.note = null; },
      Text(text, start, overwrite) {
        if (overwrite !== 0 || start !== c.note.length + 1) throw new Error("unexpected Comment.Text");
        c.note += text;
        return c.note;
      },
    };
  }
  AddComment(text) {
    const c = this.cell();
    if (c.note !== null) throw new Error("the cell already has a comment");
    if (text.length > 255) throw new Error("AddComment: text over 255 characters");
    c.note = text;
    return this.Comment;
  }
  get Hyperlinks() {
    const c = this.cell();
    return { Delete() { c.link = null; } };
  }
  ClearContents() { this.cell().value = null; }
  UnMerge() { this.sheet.touch(); this.sheet.unmerged.push(this.addr); }
  get EntireColumn() {
    const sheet = this.sheet, col = this.addr.split(":")[0];
    return { set Hidden(v) { sheet.touch(); if (v) sheet.hidden.add(col); else sheet.hidden.delete(col); } };
  }
  set ColumnWidth(w) { this.sheet.touch(); this.sheet.widths[this.addr.split(":")[0]] = w; }
}

class MockBook {
  constructor({ name, path, saved = true, sheets = [] }) {
    this.Name = name;
    this.Path = path;
    this.FullName = path ? `${path}/${name}` : name;
    this.Saved = saved;
    this.saves = 0;
    this.sheets = sheets.map(([n, visible]) => new MockSheet(this, n, visible));
    const book = this;
    this.Worksheets = {
      get Count() { return book.sheets.length; },
      Item(index) {
        const s = typeof index === "number" ? book.sheets[index - 1] : book.sheets.find((x) => x.Name === index);
        if (!s) throw new Error(`no sheet ${index}`);
        return s;
      },
      Add(before, after) {
        const s = new MockSheet(book, `Sheet${book.sheets.length + 1}`);
        const at = after ? book.sheets.indexOf(after) + 1 : before ? book.sheets.indexOf(before) : 0;
        book.sheets.splice(at, 0, s);
        return s;
      },
    };
    this.Sheets = this.Worksheets;
  }
  Save() {
    this.saves += 1;
    this.Saved = true;
  }
  sheet(name) {
    return this.sheets.find((s) => s.Name === name);
  }
}

function mockApplication({ home, book, files }) {
  const fs = require("node:fs");
  return {
    ActiveWorkbook: book,
    ScreenUpdating: true,
    Env: { GetHomePath: () => home, GetAppDataPath: () => `${home}/AppData/Roaming` },
    FileSystem: {
      Exists: (p) => (files && p in files) || fs.existsSync(p),
      ReadFile: (p) => (files && p in files ? files[p] : fs.readFileSync(p, "utf8")),
    },
  };
}

module.exports = { MockBook, MockSheet, mockApplication, rgbOf };
