// Peer for bench_live: the y-websocket@2.1.0 server (its own bin/server.cjs, in its own process,
// nothing persisted) relaying Yjs updates of one Y.Text between N clients, each inserting R
// tokens/s at random positions. The clients run in other node processes (PEER_PROCS of them,
// default min(N, 4)), so that neither the server nor one client event loop holding every client
// limits the rate: each client sends on a fixed schedule (catching up when late) and the row says
// how many it sent. Times are wall-clock milliseconds (performance.timeOrigin + now) shared by
// the processes of one machine. Prints one JSON line of figures.
// Modules are resolved through NODE_PATH (bench_live passes it), so node_modules may live
// outside the source tree.
// Usage: node peer.js N RATE SECONDS          (the parent)
//        node peer.js --clients PORT FIRST COUNT N RATE SECONDS   (a client process)
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');
const readline = require('readline');

const wall = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}
function cpuSeconds(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;  // utime + stime, USER_HZ = 100
}
function rssKb(pid) {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

// A client process: COUNT clients (indices FIRST…), connected, then "ready"; on "go T" each sends
// from wall time T for SECONDS; 3 s later prints {sent: {token: t}, recv: [[token, t]…]}.
async function clients(port, first, count, rate, seconds) {
  const WebSocket = require('ws');
  const Y = require('yjs');
  const { WebsocketProvider } = require('y-websocket');
  const sent = {};
  const recv = [];
  const cs = [];
  for (let i = first; i < first + count; i++) {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(`ws://127.0.0.1:${port}`, 'bench', doc, { WebSocketPolyfill: WebSocket });
    const text = doc.getText('f');
    text.observe((event, tr) => {
      if (tr.local) return;
      const now = wall();
      for (const d of event.delta) {
        if (typeof d.insert !== 'string') continue;
        for (const m of d.insert.matchAll(/~c\d+n\d+~/g)) recv.push([m[0], now]);
      }
    });
    await new Promise((resolve) => provider.once('synced', resolve));
    cs.push({ provider, text, i, k: 0 });
  }
  console.log('ready');
  const rl = readline.createInterface({ input: process.stdin });
  const start = await new Promise((resolve) => rl.once('line', (l) => resolve(Number(l.split(' ')[1]))));
  const period = 1000 / rate;
  const end = start + seconds * 1000;
  cs.forEach((c, n) => { c.next = start + (period * n) / cs.length; });
  await new Promise((resolve) => {
    const tick = () => {
      const now = wall();
      let more = false;
      for (const c of cs) {
        while (c.next <= now && c.next < end) {
          const token = `~c${c.i}n${++c.k}~`;
          sent[token] = wall();
          c.text.insert(Math.floor(Math.random() * (c.text.length + 1)), token);
          c.next += period;
        }
        if (c.next < end) more = true;
      }
      if (!more) return resolve();
      const wait = Math.min(...cs.map((c) => c.next)) - wall();
      setTimeout(tick, Math.max(0, wait));
    };
    tick();
  });
  await sleep(3000);
  cs.forEach((c) => c.provider.destroy());
  process.stdout.write(JSON.stringify({ sent, recv }) + '\n', () => process.exit(0));
}

async function parent(n, rate, seconds) {
  const port = await freePort();
  const serverJs = path.join(path.dirname(require.resolve('y-websocket/package.json')), 'bin/server.cjs');
  const server = spawn(process.execPath, [serverJs],
    { env: { ...process.env, HOST: '127.0.0.1', PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => server.stdout.on('data', (d) => { if (/running at/.test(String(d))) resolve(); }));
  const rssBefore = rssKb(server.pid);

  const procs = Math.max(1, Math.min(n, Number(process.env.PEER_PROCS) || 4));
  const children = [];
  for (let p = 0, first = 0; p < procs; p++) {
    const count = Math.floor(n / procs) + (p < n % procs ? 1 : 0);
    const child = spawn(process.execPath,
      [__filename, '--clients', String(port), String(first), String(count), String(n), String(rate), String(seconds)],
      { env: process.env, stdio: ['pipe', 'pipe', 'inherit'] });
    first += count;
    const lines = readline.createInterface({ input: child.stdout });
    const out = { child, ready: null, result: null };
    out.ready = new Promise((resolve) => { out.resolveReady = resolve; });
    out.result = new Promise((resolve) => {
      lines.on('line', (l) => { if (l === 'ready') out.resolveReady(); else if (l.startsWith('{')) resolve(JSON.parse(l)); });
      child.on('exit', (code) => { if (code) { out.resolveReady(); resolve(null); } });
    });
    children.push(out);
  }
  for (const c of children) await c.ready;  // each process connects its clients in turn
  const rssConnected = rssKb(server.pid);
  const start = wall() + 200;
  for (const c of children) c.child.stdin.write(`go ${start}\n`);
  const cpu0 = cpuSeconds(server.pid);
  await sleep(start - wall() + seconds * 1000);
  const cpu1 = cpuSeconds(server.pid);
  const rss = rssKb(server.pid);
  const results = await Promise.all(children.map((c) => c.result));
  server.kill('SIGTERM');
  if (results.some((r) => !r)) throw new Error('a client process failed');
  const sent = Object.assign({}, ...results.map((r) => r.sent));
  const ms = [];
  for (const r of results) for (const [token, t] of r.recv) if (sent[token] !== undefined) ms.push(t - sent[token]);
  ms.sort((a, b) => a - b);
  const pick = (q) => (ms.length ? ms[Math.min(ms.length - 1, Math.floor(ms.length * q))] : 0);
  const total = Object.keys(sent).length;
  console.log(JSON.stringify({ p50: pick(0.5), p99: pick(0.99), max: ms.length ? ms[ms.length - 1] : 0,
    delivered: ms.length, expected: total * (n - 1), sent: total, cpu: (100 * (cpu1 - cpu0)) / seconds, rssKb: rss,
    rssPerConnKb: Math.round((rssConnected - rssBefore) / n) }));
  process.exit(0);
}

if (process.argv[2] === '--clients') {
  const [port, first, count, , rate, seconds] = process.argv.slice(3).map(Number);
  clients(port, first, count, rate, seconds).catch((e) => { console.error(e); process.exit(1); });
} else {
  const [n, rate, seconds] = process.argv.slice(2).map(Number);
  parent(n, rate, seconds).catch((e) => { console.error(e); process.exit(1); });
}
