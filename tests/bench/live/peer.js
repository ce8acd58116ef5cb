// Peer for bench_live: the y-websocket@2.1.0 server (its own bin/server.cjs, in a child process,
// nothing persisted) relaying Yjs updates of one Y.Text between N clients in this process, each
// inserting R tokens/s at random positions. Prints one JSON line of figures.
// Usage: node peer.js N RATE SECONDS
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');
const WebSocket = require('ws');
const Y = require('yjs');
const { WebsocketProvider } = require('y-websocket');

const [n, rate, seconds] = process.argv.slice(2).map(Number);

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
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

(async () => {
  const port = await freePort();
  const server = spawn(process.execPath, [path.join(__dirname, 'node_modules/y-websocket/bin/server.cjs')],
    { env: { ...process.env, HOST: '127.0.0.1', PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => server.stdout.on('data', (d) => { if (/running at/.test(String(d))) resolve(); }));
  const rssBefore = rssKb(server.pid);

  const sent = new Map();
  const ms = [];
  let delivered = 0;
  const clients = [];
  for (let i = 0; i < n; i++) {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(`ws://127.0.0.1:${port}`, 'bench', doc, { WebSocketPolyfill: WebSocket });
    const text = doc.getText('f');
    text.observe((event, tr) => {
      if (tr.local) return;
      const now = performance.now();
      for (const d of event.delta) {
        if (typeof d.insert !== 'string') continue;
        for (const m of d.insert.matchAll(/~c\d+n\d+~/g)) {
          const t = sent.get(m[0]);
          if (t !== undefined) { ms.push(now - t); delivered++; }
        }
      }
    });
    await new Promise((resolve) => provider.once('synced', resolve));
    clients.push({ doc, provider, text, i, k: 0 });
  }
  const rssConnected = rssKb(server.pid);
  const cpu0 = cpuSeconds(server.pid);
  const end = performance.now() + seconds * 1000;
  const timers = clients.map((c) => setInterval(() => {
    if (performance.now() >= end) return;
    const token = `~c${c.i}n${++c.k}~`;
    sent.set(token, performance.now());
    c.text.insert(Math.floor(Math.random() * (c.text.length + 1)), token);
  }, 1000 / rate));
  await sleep(seconds * 1000);
  const cpu1 = cpuSeconds(server.pid);
  const rss = rssKb(server.pid);
  await sleep(3000);
  timers.forEach(clearInterval);
  ms.sort((a, b) => a - b);
  const pick = (q) => (ms.length ? ms[Math.min(ms.length - 1, Math.floor(ms.length * q))] : 0);
  const total = clients.reduce((s, c) => s + c.k, 0);
  clients.forEach((c) => c.provider.destroy());
  server.kill('SIGTERM');
  console.log(JSON.stringify({ p50: pick(0.5), p99: pick(0.99), max: ms.length ? ms[ms.length - 1] : 0,
    delivered, expected: total * (n - 1), cpu: (100 * (cpu1 - cpu0)) / seconds, rssKb: rss,
    rssPerConnKb: Math.round((rssConnected - rssBefore) / n) }));
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
