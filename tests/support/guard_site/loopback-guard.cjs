// The loopback guard for Node processes a test run starts (NODE_OPTIONS=--require): no name
// lookup but localhost, no connection but to loopback. A stopped call throws and is logged to
// LOOPBACK_GUARD_LOG, which the test run reads after each test (tests/support/network_guard.py).
"use strict";
const dns = require("dns");
const fs = require("fs");
const net = require("net");

function loopback(host) {
  if (host === undefined || host === null || host === "") return true;
  const name = String(host).replace(/^\[|\]$/g, "").replace(/\.$/, "").toLowerCase();
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  if (net.isIPv4(name)) return name.startsWith("127.") || name === "0.0.0.0";
  if (net.isIPv6(name)) return name === "::1" || name === "::";
  return false;
}

function stopped(call, target) {
  const log = process.env.LOOPBACK_GUARD_LOG;
  const line = { pid: process.pid, call, target: String(target).slice(0, 200), argv: process.argv.slice(0, 3) };
  if (log) fs.appendFileSync(log, JSON.stringify(line) + "\n");
  return new Error(`loopback guard: ${call}(${target}) would leave this machine`);
}

const lookup = dns.lookup;
dns.lookup = function (host, ...rest) {
  if (!loopback(host)) throw stopped("dns.lookup", host);
  return lookup.call(this, host, ...rest);
};
const promisedLookup = dns.promises.lookup;
dns.promises.lookup = async function (host, ...rest) {
  if (!loopback(host)) throw stopped("dns.promises.lookup", host);
  return promisedLookup.call(this, host, ...rest);
};
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = args[0];
  const options = Array.isArray(first) ? first[0] : first;
  const host = typeof options === "object" && options !== null ? options.host : args[1];
  const path = typeof options === "object" && options !== null ? options.path : undefined;
  if (path === undefined && typeof options !== "string" && !loopback(host ?? "localhost")) {
    throw stopped("net.connect", host);
  }
  return connect.apply(this, args);
};
