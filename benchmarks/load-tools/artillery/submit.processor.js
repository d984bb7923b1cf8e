/*
 * Artillery hooks for the load-tool comparison (docs/decisions/0006-load-tool.md).
 * Plain CommonJS: Artillery loads it itself, in each of its worker threads.
 * pickBody: the next reading submission from BODIES (round robin, as the other tools).
 * logResponse: the per-request log the loss audit needs, one line per response:
 *   "A <end epoch ms> <response ms> <readingId>" for a 202 with an id, "E <end epoch ms> <ms> -" otherwise.
 * Each worker writes its own file (ID_LOG.<pid>.<thread>), flushed in blocks and at exit.
 */
const fs = require('node:fs');
const { threadId } = require('node:worker_threads');

const bodies = JSON.parse(fs.readFileSync(process.env.BODIES, 'utf8'));
let next = 0;
const fd = fs.openSync(`${process.env.ID_LOG}.${process.pid}.${threadId}`, 'a');
let buffered = [];

function flush() {
  if (buffered.length === 0) return;
  fs.writeSync(fd, buffered.join(''));
  buffered = [];
}
process.on('exit', flush);
setInterval(flush, 500).unref();

function pickBody(requestParams, context, ee, done) {
  const b = bodies[next++ % bodies.length];
  requestParams.body = b.body;
  requestParams.headers = { ...requestParams.headers, 'content-type': 'application/json', authorization: `Bearer ${b.token}` };
  return done();
}

function logResponse(requestParams, response, context, ee, done) {
  const ms = response.timings && response.timings.phases ? response.timings.phases.total : -1;
  let id;
  if (response.statusCode === 202) {
    try {
      id = JSON.parse(response.body).readingId;
    } catch {
      id = undefined;
    }
  }
  buffered.push(typeof id === 'string' ? `A ${Date.now()} ${ms} ${id}\n` : `E ${Date.now()} ${ms} -\n`);
  if (buffered.length >= 1000) flush();
  return done();
}

module.exports = { pickBody, logResponse };
