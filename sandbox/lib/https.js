(function (exports, require, module) {
  'use strict';
  // Node 20's https client: http's ClientRequest with https.globalAgent, so
  // that an http: URL is refused (ERR_INVALID_PROTOCOL). TLS options (ca,
  // cert, key, rejectUnauthorized, ...) are ignored: the sandbox's
  // transport decides.
  const http = require('http');
  module.exports = http[Symbol.for('vault.sandbox.http.make')]();
});
