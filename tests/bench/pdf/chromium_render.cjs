// Peer for bench_pdf_render: the same plan (JSON from the benchmark) as HTML, printed to PDF by a
// warm headless Chromium (playwright-core, browser kept running, one page per worker).
// Usage: node chromium_render.cjs PLAN.json ITERATIONS OUT.pdf
// Prints one JSON line: median_ms, p90_ms, p99_ms, docs_per_s_2_workers, peak_rss_kb, bytes.
// Text is set with the system's fonts (fontconfig falls back from DejaVu Sans to Noto for other
// scripts) and each value has dir="auto", so a right-to-left answer is laid out right to left.
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require(require.resolve('playwright-core', {
  paths: [path.resolve(__dirname, '../../..'), process.cwd()],
}));

const esc = (s) => String(s ?? '—').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const text = (s) => esc(s === null || s === undefined || s === '' ? '—' : s).replace(/\n/g, '<br>');

function html(plan) {
  const h = plan.header;
  const item = (it) => {
    if (it.kind === 'long') return `<h4>${esc(it.label)}</h4><p dir="auto">${text(it.value)}</p>`;
    if (it.kind === 'table') {
      const head = it.columns.map((c) => `<th>${esc(c)}</th>`).join('');
      const rows = it.rows.map((r) => `<tr>${r.map((c) => `<td dir="auto">${text(c)}</td>`).join('')}</tr>`).join('');
      return `${it.label ? `<h4>${esc(it.label)}</h4>` : ''}<table class="grid"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
    }
    let v = it.value;
    if (it.kind === 'choice') v = (it.options.length ? it.options.map((o) => (it.chosen.includes(o) ? '☑ ' : '☐ ') + o) : it.chosen).join('\n');
    if (it.kind === 'rating') v = '■ ' + it.value;
    return `<div class="row"><div class="label">${esc(it.label)}</div><div class="value" dir="auto">${text(v)}</div></div>`;
  };
  const sections = plan.sections.map((s) => `<section><h2>${esc(s.title)}</h2>${s.items.map(item).join('')}</section>`).join('');
  const sigs = plan.signatures.map((s) => `<div class="sig"><b>${esc(s.role)}</b><div>Name: <bdi>${s.name ? esc(s.name) : '______________'}</bdi></div><div>Date: ${s.date ? esc(s.date) : '______________'}</div><div>Signature: ______________________</div></div>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(h.title)}</title><style>
  @page { size: A4; margin: 58pt 50pt 64pt 50pt; }
  body { font-family: 'DejaVu Sans', sans-serif; font-size: 10pt; color: #1c1f24; }
  h1 { font-size: 19pt; margin: 4pt 0 10pt; } h2 { font-size: 13pt; color: #14406f; border-bottom: 1px solid #14406f; break-after: avoid; }
  h4 { margin: 8pt 0 2pt; break-after: avoid; } .academy { color: #14406f; font-weight: bold; }
  .cards { display: grid; grid-template-columns: 1fr 1fr; background: #eff2f7; padding: 8pt 14pt; border-left: 3px solid #14406f; }
  .cards small { color: #5c616b; display: block; } .row { display: flex; border-bottom: 1px solid #d0d4db; padding: 3pt 0; break-inside: avoid; }
  .label { width: 170pt; color: #5c616b; } .value { flex: 1; } table.grid { border-collapse: collapse; width: 100%; font-size: 9pt; }
  .grid th { background: #dee8f5; text-align: left; } .grid th, .grid td { border: 1px solid #d0d4db; padding: 3pt 4pt; vertical-align: top; }
  .grid tr { break-inside: avoid; } .sig { border: 1px solid #d0d4db; padding: 8pt; margin: 8pt 0; break-inside: avoid; }
  </style></head><body><div class="academy">${esc(h.academy)}</div><h1>${esc(h.title)}</h1>
  <div class="cards"><div><small>Pupil</small><b><bdi>${esc(h.pupil)}</bdi></b></div><div><small>Date of birth</small><b>${esc(h.dob)}</b></div>
  <div><small>Year group</small><b>${esc(h.year)}</b></div><div><small>Plan status</small><b>${esc(h.state)}</b></div>
  <div><small>Version</small><b>${esc(h.version)}</b></div><div><small>Next review date</small><b>${esc(h.review)}</b></div></div>
  ${sections}<section><h2>Signatures</h2>${sigs}</section></body></html>`;
}

// RSS of a process and all its descendants (node + the Chromium processes), in KiB.
function treeRssKb(root) {
  const children = new Map();
  const rss = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(d));
      rss.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[21]) * 4);
    } catch (e) { /* gone */ }
  }
  let total = 0;
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop();
    total += rss.get(pid) || 0;
    todo.push(...(children.get(pid) || []));
  }
  return total;
}

(async () => {
  const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const n = Number(process.argv[3]);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  let peak = 0;
  const sample = () => { peak = Math.max(peak, treeRssKb(process.pid)); };
  const timer = setInterval(sample, 500);
  const footer = `<div style="font-size:7pt;width:100%;margin:0 50pt;font-family:'DejaVu Sans'"><span style="color:#8b1a1a">${esc(plan.header.confidentiality)}</span><span style="float:right">Page <span class="pageNumber"></span> of <span class="totalPages"></span></span><br>${esc(plan.header.footer)}</div>`;
  const header = `<div style="font-size:7pt;width:100%;margin:0 50pt;color:#888;font-family:'DejaVu Sans'">${esc(plan.header.pupil)} — ${esc(plan.header.title)}<span style="float:right">${esc(plan.header.academy)}</span></div>`;
  const doc = html(plan);
  const render = async (page) => {
    await page.setContent(doc);
    return page.pdf({ format: 'A4', displayHeaderFooter: true, headerTemplate: header, footerTemplate: footer,
      margin: { top: '78px', bottom: '86px', left: '67px', right: '67px' } });
  };
  const pages = [await browser.newPage(), await browser.newPage()];
  const first = await render(pages[0]);
  fs.writeFileSync(process.argv[4], first);
  for (let i = 0; i < 3; i++) await render(pages[0]);
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await render(pages[0]);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  const t0 = process.hrtime.bigint();
  let done = 0;
  await Promise.all(pages.map(async (p, w) => {
    for (let i = 0; i < (w === 0 ? Math.floor(n / 2) : n - Math.floor(n / 2)); i++) { await render(p); done++; }
  }));
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  clearInterval(timer);
  sample();
  await browser.close();
  console.log(JSON.stringify({ median_ms: times[Math.floor(times.length / 2)],
    p90_ms: times[Math.min(times.length - 1, Math.floor(times.length * 0.9))],
    p99_ms: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))],
    docs_per_s_2_workers: done / elapsed, peak_rss_kb: peak, bytes: first.length }));
})().catch((e) => { console.error(e); process.exit(1); });
