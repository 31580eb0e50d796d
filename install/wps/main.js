// xlperf's WPS spreadsheet add-in: the buttons 一键校验 and 清除标注.
//
// No validation or annotation logic lives here. The button sends the active workbook's saved path to the
// local xlperf service (`xlperf serve`, Python), which validates it with the same code as `xlperf validate`
// and returns the annotation the Excel button makes as a list of operations (see
// xlperf/addins/recording.py for the table); this file only replays them through the ET object model.
//
// The service's port and per-user token are read from the user's profile (service.json, written by the
// service, readable by the user only). Requests are synchronous XHR: the ribbon callback must finish its
// work before WPS redraws, and the service bounds the time of one validation.
// @ts-check
"use strict";

(function (root) {
  var RESULT_SHEET = "校验结果";
  var SAVEABLE = /\.(xlsx|xlsm|xltx|xltm)$/i;
  var NOTE_CHUNK = 250; // strings over 255 characters passed to objects are cut: notes go in pieces
  var XL_NONE = -4142;
  var VISIBLE = -1;
  var VERY_HIDDEN = 2;
  var START_HINT = "请先启动 xlperf 服务：在终端执行“xlperf serve”（已按安装说明登记为开机自启时，执行" +
    "“systemctl --user start xlperf”或重新登录），然后再点击。";

  /** @typedef {{op: string, sheet: string, cell?: string, value?: any, range?: string, col?: string,
   *   width?: number, target?: string, text?: string | null, color?: string | null, rows?: any[][]}} Op */
  /** @typedef {{ok: boolean, error?: string, message?: string, ops?: Op[], report?: any}} Answer */
  /** @typedef {{port: number, token: string}} ServiceInfo */

  /** The WPS application object (a global in WPS; the tests install a mock). */
  function app() {
    return /** @type {any} */ (root).Application || /** @type {any} */ (root).wps;
  }

  /** @param {string} text */
  function say(text) {
    /** @type {any} */ (root).alert(text);
    return text;
  }

  // The service ----------------------------------------------------------------------------------

  /** Where the service writes service.json: %APPDATA%\xlperf on Windows, ~/.config/xlperf elsewhere. */
  function serviceFile() {
    var env = app().Env;
    var home = String(env.GetHomePath() || "");
    if (/^[A-Za-z]:[\\/]/.test(home)) {
      return String(env.GetAppDataPath()).replace(/[\\/]+$/, "") + "\\xlperf\\service.json";
    }
    return home.replace(/\/+$/, "") + "/.config/xlperf/service.json";
  }

  /** @returns {ServiceInfo | string} the port and token, or a Chinese message saying what is missing */
  function readServiceInfo() {
    var path = serviceFile();
    var fs = app().FileSystem;
    var text = "";
    try {
      text = fs.Exists(path) ? String(fs.ReadFile(path)) : "";
    } catch (e) {
      text = "";
    }
    if (!text) {
      return "没有找到 xlperf 服务的口令文件（" + path + "）。" + START_HINT;
    }
    try {
      var info = JSON.parse(text);
      if (typeof info.port === "number" && typeof info.token === "string" && info.token.length >= 32) {
        return { port: info.port, token: info.token };
      }
    } catch (e) {
      // fall through: a damaged file
    }
    return "xlperf 服务的口令文件（" + path + "）已损坏：请删除它后重新启动 xlperf 服务。";
  }

  /**
   * POST to the service; always an answer, never an exception.
   * @param {string} route
   * @param {object} body
   * @returns {Answer}
   */
  function callService(route, body) {
    var info = readServiceInfo();
    if (typeof info === "string") {
      return { ok: false, error: info };
    }
    var xhr = new XMLHttpRequest();
    try {
      xhr.open("POST", "http://127.0.0.1:" + info.port + route, false);
      xhr.setRequestHeader("Content-Type", "application/json");
      xhr.setRequestHeader("X-Xlperf-Token", info.token);
      xhr.send(JSON.stringify(body));
    } catch (e) {
      return { ok: false, error: "无法连接 xlperf 服务（127.0.0.1:" + info.port + "）。" + START_HINT };
    }
    if (xhr.status === 0) {
      return { ok: false, error: "无法连接 xlperf 服务（127.0.0.1:" + info.port + "）。" + START_HINT };
    }
    var answer;
    try {
      answer = JSON.parse(xhr.responseText);
    } catch (e) {
      return { ok: false, error: "xlperf 服务返回了无法识别的内容（HTTP " + xhr.status + "），请查看服务日志 service.log。" };
    }
    if (xhr.status !== 200 || !answer || answer.ok !== true) {
      return { ok: false, error: (answer && answer.error) || "xlperf 服务出错（HTTP " + xhr.status + "）" };
    }
    return answer;
  }

  // The workbook ---------------------------------------------------------------------------------

  /**
   * The active workbook, saved, as a path the service can read; or a Chinese message.
   * @returns {{book: Et.Workbook, path: string} | string}
   */
  function savedBook() {
    var book = app().ActiveWorkbook;
    if (!book) {
      return "请先打开（激活）要校验的绩效自评工作簿，再点击。";
    }
    var path = String(book.FullName || "");
    if (!book.Path || !SAVEABLE.test(path)) {
      return "请先把工作簿“另存为”Excel 工作簿（.xlsx）格式，再点击。当前文件：" + (path || String(book.Name));
    }
    if (!book.Saved) {
      var answer = /** @type {any} */ (root).confirm("工作簿有未保存的修改。校验的是保存后的文件：现在保存并继续吗？");
      if (!answer) {
        return "未校验：请保存工作簿后再点击。";
      }
      try {
        book.Save();
      } catch (e) {
        return "未能保存工作簿（" + errorText(e) + "），未校验。";
      }
      if (!book.Saved) {
        return "工作簿未能保存，未校验。";
      }
    }
    return { book: book, path: path };
  }

  /** @param {unknown} e */
  function errorText(e) {
    return e && typeof e === "object" && "message" in e ? String(/** @type {any} */ (e).message) : String(e);
  }

  /**
   * A worksheet by name; Excel's and WPS's sheet names ignore case.
   * @param {Et.Workbook} book
   * @param {string} name
   * @returns {Et.Worksheet | null}
   */
  function findSheet(book, name) {
    var sheets = book.Worksheets;
    var key = name.toLowerCase();
    for (var i = 1; i <= sheets.Count; i++) {
      var sheet = /** @type {Et.Worksheet} */ (sheets.Item(i));
      if (String(sheet.Name).toLowerCase() === key) {
        return sheet;
      }
    }
    return null;
  }

  /** @param {Et.Workbook} book */
  function lastVisible(book) {
    var sheets = book.Worksheets;
    for (var i = sheets.Count; i >= 1; i--) {
      var sheet = /** @type {Et.Worksheet} */ (sheets.Item(i));
      if (sheet.Visible === VISIBLE) {
        return sheet;
      }
    }
    return /** @type {Et.Worksheet} */ (sheets.Item(sheets.Count));
  }

  /** Text stays text: a leading apostrophe stops "=…", "-5" or "2021-1" being read as formula, number or date.
   * @param {any} value */
  function asCell(value) {
    return typeof value === "string" && value ? "'" + value : value;
  }

  /** RRGGBB → the BGR number of Interior.Color. @param {string} rgb */
  function bgr(rgb) {
    var n = parseInt(rgb, 16);
    return ((n & 0xff) << 16) | (n & 0xff00) | ((n >> 16) & 0xff);
  }

  /**
   * @param {Et.Range} range
   * @param {string | null | undefined} text
   */
  function setComment(range, text) {
    if (range.Comment) {
      range.Comment.Delete();
    }
    if (text) {
      var comment = range.AddComment(text.slice(0, NOTE_CHUNK));
      for (var start = NOTE_CHUNK; start < text.length; start += NOTE_CHUNK) {
        comment.Text(text.slice(start, start + NOTE_CHUNK), start + 1, 0);
      }
    }
  }

  /**
   * Replace the record sheet's content and make it very hidden.
   * @param {Et.Workbook} book
   * @param {Op} op
   */
  function writeMarks(book, op) {
    var sheet = findSheet(book, op.sheet);
    if (!sheet) {
      sheet = /** @type {Et.Worksheet} */ (book.Worksheets.Add(undefined, lastVisible(book)));
      sheet.Name = op.sheet;
    }
    sheet.Cells.ClearContents();
    var rows = op.rows || [];
    for (var r = 0; r < rows.length; r++) {
      for (var c = 0; c < rows[r].length; c++) {
        if (rows[r][c] !== null && rows[r][c] !== undefined) {
          sheet.Range(String.fromCharCode(65 + c) + (r + 1)).Value2 = asCell(String(rows[r][c]));
        }
      }
    }
    sheet.Visible = VERY_HIDDEN;
  }

  /**
   * One operation on the live workbook.
   * @param {Et.Workbook} book
   * @param {Op} op
   */
  function apply(book, op) {
    if (op.op === "add_sheet") {
      var added = /** @type {Et.Worksheet} */ (book.Worksheets.Add(undefined, lastVisible(book)));
      added.Name = op.sheet;
      return;
    }
    if (op.op === "marks") {
      writeMarks(book, op);
      return;
    }
    var sheet = findSheet(book, op.sheet);
    if (!sheet) {
      throw new Error("没有工作表“" + op.sheet + "”");
    }
    var cell = /** @type {string} */ (op.cell);
    switch (op.op) {
      case "unmerge":
        sheet.Range(op.range).UnMerge();
        break;
      case "hide_col":
        sheet.Range(op.col + ":" + op.col).EntireColumn.Hidden = true;
        break;
      case "col_width":
        sheet.Range(op.col + ":" + op.col).ColumnWidth = /** @type {number} */ (op.width);
        break;
      case "write":
        sheet.Range(cell).Value2 = asCell(op.value);
        break;
      case "clear":
        sheet.Range(cell).Hyperlinks.Delete();
        sheet.Range(cell).ClearContents();
        break;
      case "unlink":
        sheet.Range(cell).Hyperlinks.Delete();
        break;
      case "link":
        sheet.Hyperlinks.Add(sheet.Range(cell), "", op.target, "转到 " + op.target, op.text || cell);
        break;
      case "fill":
        if (op.color) {
          sheet.Range(cell).Interior.Color = bgr(op.color);
        } else {
          sheet.Range(cell).Interior.ColorIndex = XL_NONE;
        }
        break;
      case "comment":
        setComment(sheet.Range(cell), op.text);
        break;
      default:
        throw new Error("未知的标注操作“" + op.op + "”（加载项与 xlperf 版本不一致？）");
    }
  }

  /**
   * Replay the service's operations; a sheet protected by the user is left as it is (never unprotected,
   * so WPS never asks for a password) and listed, as is any operation that fails.
   * @param {Et.Workbook} book
   * @param {Op[]} ops
   * @returns {string[]} problems, in Chinese
   */
  function replay(book, ops) {
    /** @type {string[]} */
    var problems = [];
    /** @type {Record<string, boolean>} */
    var locked = {};
    var application = app();
    var updating = application.ScreenUpdating;
    application.ScreenUpdating = false;
    try {
      for (var i = 0; i < ops.length; i++) {
        var op = ops[i];
        var sheet = op.op === "add_sheet" ? null : findSheet(book, op.sheet);
        if (sheet && sheet.ProtectContents) {
          if (!locked[op.sheet]) {
            locked[op.sheet] = true;
            problems.push("工作表“" + op.sheet + "”设有保护，未标注其中的单元格（问题见“" + RESULT_SHEET + "”）");
          }
          continue;
        }
        try {
          apply(book, op);
        } catch (e) {
          if (problems.length < 20) {
            problems.push((op.cell ? op.sheet + "!" + op.cell + " " : "") + "未能完成（" + errorText(e) + "）");
          }
        }
      }
    } finally {
      application.ScreenUpdating = updating;
    }
    return problems;
  }

  /**
   * The body of both buttons: save check, service call, replay, message box. Returns the message shown.
   * @param {string} route
   */
  function run(route) {
    try {
      var target = savedBook();
      if (typeof target === "string") {
        return say(target);
      }
      var answer = callService(route, { path: target.path });
      if (!answer.ok) {
        return say((route === "/validate" ? "校验未能完成：" : "清除未能完成：") + answer.error);
      }
      var problems = replay(target.book, answer.ops || []);
      if (route === "/validate") {
        var results = findSheet(target.book, RESULT_SHEET);
        if (results) {
          results.Activate();
        }
      }
      var text = String(answer.message || "");
      if (problems.length) {
        text += "\n\n未能完成的标注：\n" + problems.slice(0, 10).join("\n");
      }
      return say(text);
    } catch (e) {
      return say("操作未能完成：" + errorText(e));
    }
  }

  /** 一键校验 */
  function validateActive() {
    return run("/validate");
  }

  /** 清除标注 */
  function clearActive() {
    return run("/clear");
  }

  /** 关于: where the service should be and whether it answers. */
  function about() {
    var info = readServiceInfo();
    if (typeof info === "string") {
      return say("xlperf 绩效自评校验加载项\n" + info);
    }
    var xhr = new XMLHttpRequest();
    var state = "未运行。" + START_HINT;
    try {
      xhr.open("GET", "http://127.0.0.1:" + info.port + "/health", false);
      xhr.setRequestHeader("X-Xlperf-Token", info.token);
      xhr.send();
      if (xhr.status === 200) {
        state = "运行中（版本 " + JSON.parse(xhr.responseText).version + "）";
      } else if (xhr.status === 403) {
        state = "口令不符：请重新启动 xlperf 校验服务（systemctl --user restart xlperf）。";
      }
    } catch (e) {
      // not running: the default text
    }
    return say("xlperf 绩效自评校验加载项\n服务地址：127.0.0.1:" + info.port + "\n服务状态：" + state +
      "\n口令文件：" + serviceFile());
  }

  /** @type {any} */ (root).xlperf = {
    validateActive: validateActive,
    clearActive: clearActive,
    about: about,
    replay: replay,
    serviceFile: serviceFile,
    readServiceInfo: readServiceInfo,
  };
})(typeof window !== "undefined" ? window : globalThis); // window: older WPS webviews lack globalThis
