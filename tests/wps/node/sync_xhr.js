// A synchronous XMLHttpRequest for Node (which has none): each send() runs the request in a child Node
// process and waits for it, so the add-in's synchronous code talks to a real service over real HTTP.
"use strict";
const { execFileSync } = require("node:child_process");

const CHILD = `
const http = require("node:http");
const req = JSON.parse(process.argv[1]);
const r = http.request(req.url, { method: req.method, headers: req.headers }, (res) => {
  const chunks = [];
  res.on("data", (c) => chunks.push(c));
  res.on("end", () => process.stdout.write(JSON.stringify({ status: res.statusCode,
    body: Buffer.concat(chunks).toString("utf8") })));
});
r.on("error", () => process.stdout.write(JSON.stringify({ status: 0, body: "" })));
if (req.body !== null) r.write(req.body);
r.end();
`;

class SyncXMLHttpRequest {
  constructor() {
    this.status = 0;
    this.responseText = "";
    this.headers = {};
    SyncXMLHttpRequest.log.push(this);
  }
  open(method, url, async) {
    if (async !== false) throw new Error("the add-in must use synchronous requests");
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name, value) {
    this.headers[name] = value;
  }
  send(body) {
    const headers = { ...this.headers };
    if (body !== undefined && body !== null) headers["Content-Length"] = Buffer.byteLength(body); // as browsers do
    const req = { url: this.url, method: this.method, headers, body: body === undefined ? null : body };
    const out = execFileSync(process.execPath, ["-e", CHILD, JSON.stringify(req)], { timeout: 300000 });
    const res = JSON.parse(out.toString("utf8"));
    this.status = res.status;
    this.responseText = res.body;
    if (res.status === 0) throw new Error("net::ERR_CONNECTION_REFUSED");
  }
}
SyncXMLHttpRequest.log = [];

module.exports = { SyncXMLHttpRequest };
