// Peer for bench_write_path: Node's `http` + better-sqlite3 doing the work sendflow does for
// `PATCH /api/v1/pupils/{id}`, so the same C++ load generator can drive both servers.
//
// Per request: resume the session (SHA-256 of the cookie token, looked up in SQLite), check the
// CSRF header in constant time, load the pupil scoped to the user's academy, validate the JSON
// (known fields, types, lengths, a real past date, year group, UPN shape), then in ONE
// transaction (BEGIN IMMEDIATE) UPDATE the pupil and INSERT a SHA-256 hash-chained audit row,
// re-read the pupil and answer it as JSON. SQLite: WAL, synchronous=FULL, foreign_keys=ON.
//
// The plan edit (`PATCH /api/v1/plans/{id}` {"base_version", "values"}), as sendflow does it:
// resume, CSRF, load the plan scoped to the user's academies and its latest version, parse the
// body strictly (only base_version and values; base_version an integer; each value of its field's
// JSON type, known fields only, read-only fields ignored, null removes), merge into the latest
// values, check required answers, canonical JSON (sorted keys) and its SHA-256, then in ONE
// transaction: refuse a stale base_version (409), INSERT the new version, UPDATE the plan's current
// version, INSERT the hash-chained audit row; answer {version, changed, missing, warnings}.
// `POST /api/v1/plans` {"pupil_id", "type": "risk_assessment"} creates one (version 1, prefilled
// from the pupil) for the bench's set-up.
//
// Environment: PEER_DB (database file, created), PEER_PORT (0 = any), PEER_EMAIL and
// PEER_PASSWORD (the one account seeded), PEER_PUPILS (how many pupils to seed, default 10).
// Prints "peer listening on http://127.0.0.1:PORT" once ready. Loopback only.
'use strict';

const http = require('http');
const crypto = require('crypto');
const Database = require('better-sqlite3');

const dbPath = process.env.PEER_DB || 'peer.db';
const port = Number(process.env.PEER_PORT || 0);
const email = process.env.PEER_EMAIL || 'senco@oakfield.example';
const password = process.env.PEER_PASSWORD || 'oakfield-senco-demo';
const pupilCount = Number(process.env.PEER_PUPILS || 10);
const kMaxBody = 1024 * 1024;

const db = new Database(dbPath);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 10000');

// The subset of sendflow's 001_people.sql this path touches.
db.exec(`
CREATE TABLE IF NOT EXISTS academy (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS user (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name TEXT NOT NULL, password_hash TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS membership (user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
  academy_id INTEGER NOT NULL, role TEXT NOT NULL, PRIMARY KEY (user_id, academy_id, role));
CREATE TABLE IF NOT EXISTS pupil (id INTEGER PRIMARY KEY,
  academy_id INTEGER NOT NULL REFERENCES academy(id), legal_name TEXT NOT NULL,
  preferred_name TEXT NOT NULL DEFAULT '', date_of_birth TEXT NOT NULL, year_group TEXT NOT NULL,
  upn TEXT NOT NULL DEFAULT '', active INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS pupil_academy ON pupil(academy_id, active, legal_name);
CREATE TABLE IF NOT EXISTS session (id_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE, created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL, ip TEXT NOT NULL, user_agent TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit_event (id INTEGER PRIMARY KEY, at TEXT NOT NULL,
  actor TEXT NOT NULL, action TEXT NOT NULL, subject_type TEXT NOT NULL,
  subject_id INTEGER NOT NULL, academy_id INTEGER NOT NULL, detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_subject ON audit_event(subject_type, subject_id);
CREATE TABLE IF NOT EXISTS plan (id INTEGER PRIMARY KEY,
  academy_id INTEGER NOT NULL REFERENCES academy(id), pupil_id INTEGER NOT NULL REFERENCES pupil(id),
  type TEXT NOT NULL, state TEXT NOT NULL, current_version INTEGER NOT NULL,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS plan_version (id INTEGER PRIMARY KEY,
  plan_id INTEGER NOT NULL REFERENCES plan(id), number INTEGER NOT NULL, form_version INTEGER NOT NULL,
  values_json TEXT NOT NULL, content_hash TEXT NOT NULL, author TEXT NOT NULL,
  created_at TEXT NOT NULL, UNIQUE (plan_id, number));
CREATE INDEX IF NOT EXISTS audit_academy ON audit_event(academy_id, id);
`);

const nowIso = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

function hashPassword(pw) {
  const salt = crypto.randomBytes(16);
  const key = crypto.scryptSync(pw, salt, 32, { N: 16384, r: 8, p: 1 });
  return `${salt.toString('hex')}$${key.toString('hex')}`;
}
function passwordMatches(pw, stored) {
  const [salt, key] = stored.split('$');
  const got = crypto.scryptSync(pw, Buffer.from(salt, 'hex'), 32, { N: 16384, r: 8, p: 1 });
  return crypto.timingSafeEqual(got, Buffer.from(key, 'hex'));
}

if (!db.prepare('SELECT 1 FROM user LIMIT 1').get()) {
  db.transaction(() => {
    const at = nowIso();
    db.prepare('INSERT INTO academy(id, name, created_at) VALUES (1, ?, ?)').run('Oakfield', at);
    db.prepare('INSERT INTO user(id, email, name, password_hash, created_at) VALUES (1,?,?,?,?)')
      .run(email, 'Bench SENCO', hashPassword(password), at);
    db.prepare("INSERT INTO membership(user_id, academy_id, role) VALUES (1, 1, 'senco')").run();
    const ins = db.prepare(`INSERT INTO pupil(academy_id, legal_name, preferred_name, date_of_birth,
      year_group, created_at, updated_at) VALUES (1, ?, '', ?, ?, ?, ?)`);
    for (let i = 0; i < pupilCount; i++) {
      ins.run(`Pupil ${i + 1}`, `201${i % 10}-03-2${i % 8}`, String(1 + (i % 11)), at, at);
    }
  })();
}

const q = {
  userByEmail: db.prepare('SELECT id, name, password_hash, active FROM user WHERE email = ?'),
  userById: db.prepare('SELECT id, name, email, active FROM user WHERE id = ?'),
  academies: db.prepare('SELECT academy_id, role FROM membership WHERE user_id = ?'),
  createSession: db.prepare(`INSERT INTO session(id_hash, user_id, created_at, last_seen_at, ip,
    user_agent) VALUES (?,?,?,?,?,?)`),
  findSession: db.prepare('SELECT user_id, created_at, last_seen_at FROM session WHERE id_hash = ?'),
  touchSession: db.prepare('UPDATE session SET last_seen_at = ? WHERE id_hash = ?'),
  pupil: db.prepare(`SELECT id, academy_id, legal_name, preferred_name, date_of_birth, year_group,
    upn, active FROM pupil WHERE id = ?`),
  pupils: db.prepare(`SELECT id, academy_id, legal_name, preferred_name, date_of_birth, year_group,
    upn, active FROM pupil WHERE academy_id = ? ORDER BY legal_name, id`),
  updatePupil: db.prepare(`UPDATE pupil SET legal_name=?, preferred_name=?, date_of_birth=?,
    year_group=?, upn=?, active=?, updated_at=? WHERE id=?`),
  lastAudit: db.prepare('SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1'),
  insertAudit: db.prepare(`INSERT INTO audit_event(id, at, actor, action, subject_type, subject_id,
    academy_id, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)`),
};

// The plan edit's form: the risk assessment's fields the bench can reach (id -> kind, limits).
const kRiskForm = {
  version: 1,
  fields: {
    pupil_name: { kind: 'text', readonly: true, required: true },
    preferred_name: { kind: 'text', max: 200 },
    date_of_birth: { kind: 'date', readonly: true, required: true },
    year_group: { kind: 'choice', options: kYearGroupList(), required: true },
    hazards: { kind: 'long_text', max: 20000 },
    who_harmed: { kind: 'long_text', max: 20000 },
    controls: { kind: 'long_text', max: 20000 },
    review_date: { kind: 'date' },
    further_action: { kind: 'yes_no' },
  },
};
function kYearGroupList() {
  return ['N', 'R', ...Array.from({ length: 14 }, (_, i) => String(i + 1))];
}

const qp = {
  plan: db.prepare('SELECT id, academy_id, pupil_id, type, state, current_version FROM plan WHERE id = ?'),
  version: db.prepare('SELECT values_json FROM plan_version WHERE plan_id = ? AND number = ?'),
  latest: db.prepare('SELECT max(number) AS n FROM plan_version WHERE plan_id = ?'),
  insertPlan: db.prepare(`INSERT INTO plan(academy_id, pupil_id, type, state, current_version,
    created_at, updated_at) VALUES (?, ?, ?, 'draft', 1, ?, ?)`),
  insertVersion: db.prepare(`INSERT INTO plan_version(plan_id, number, form_version, values_json,
    content_hash, author, created_at) VALUES (?,?,?,?,?,?,?)`),
  touchPlan: db.prepare('UPDATE plan SET current_version = ?, updated_at = ? WHERE id = ?'),
};

// Canonical JSON: object keys sorted at every level.
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

function appendAudit(event) {
  const last = q.lastAudit.get();
  const id = last ? last.id + 1 : 1;
  const prevHash = last ? last.hash : '0'.repeat(64);
  const at = nowIso();
  const c = JSON.stringify([id, at, event.actor, event.action, event.subjectType,
    event.subjectId, event.academyId, event.detail, prevHash]);
  q.insertAudit.run(id, at, event.actor, event.action, event.subjectType, event.subjectId,
    event.academyId, event.detail, prevHash, sha256Hex(c));
}

class Conflict extends Error {}
const saveVersion = db.transaction((plan, base, values, hash, author) => {
  const latest = qp.latest.get(plan.id).n;
  if (latest !== base) throw new Conflict();
  const at = nowIso();
  qp.insertVersion.run(plan.id, base + 1, kRiskForm.version, canonical(values), hash, author, at);
  qp.touchPlan.run(base + 1, at, plan.id);
  appendAudit({ actor: author, action: 'plan.edit', subjectType: 'plan', subjectId: plan.id,
    academyId: plan.academy_id, detail: canonical({ version: base + 1 }) });
  return base + 1;
});

const createPlanTx = db.transaction((pupil, author) => {
  const at = nowIso();
  const id = Number(qp.insertPlan.run(pupil.academy_id, pupil.id, 'risk_assessment', at, at)
    .lastInsertRowid);
  const values = { pupil_name: pupil.legal_name, preferred_name: pupil.preferred_name,
    date_of_birth: pupil.date_of_birth, year_group: pupil.year_group };
  const json = canonical(values);
  qp.insertVersion.run(id, 1, kRiskForm.version, json, sha256Hex(json), author, at);
  appendAudit({ actor: author, action: 'plan.create', subjectType: 'plan', subjectId: id,
    academyId: pupil.academy_id, detail: canonical({ type: 'risk_assessment' }) });
  return id;
});

function createPlan(req, res, ctx, body) {
  let input;
  try {
    input = JSON.parse(body);
  } catch {
    return fail(res, 400, 'bad_request', 'The body is not valid JSON.');
  }
  if (!Number.isInteger(input.pupil_id) || input.type !== 'risk_assessment')
    return fail(res, 422, 'invalid', 'Give pupil_id and type');
  const pupil = q.pupil.get(input.pupil_id);
  if (!pupil || !ctx.sencoOf.has(pupil.academy_id))
    return fail(res, 404, 'not_found', 'There is no such pupil.');
  const id = createPlanTx(pupil, `user:${ctx.user.id}`);
  const p = qp.plan.get(id);
  send(res, 201, { id: p.id, academy_id: p.academy_id, pupil_id: p.pupil_id, type: p.type,
    state: p.state, version: p.current_version });
}

function checkValue(f, v) {
  switch (f.kind) {
    case 'text': case 'long_text':
      return typeof v === 'string' && [...v].length <= f.max && !/[\u0000-\u0008]/.test(v);
    case 'date': return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);
    case 'choice': return typeof v === 'string' && f.options.includes(v);
    case 'yes_no': return typeof v === 'boolean';
    default: return false;
  }
}

function patchPlan(req, res, ctx, id, body) {
  const plan = qp.plan.get(id);
  if (!plan || !ctx.academies.has(plan.academy_id))
    return fail(res, 404, 'not_found', 'There is no such plan.');
  if (!ctx.sencoOf.has(plan.academy_id))
    return fail(res, 403, 'forbidden', 'You may not edit this plan.');
  let input;
  try {
    input = JSON.parse(body);
  } catch {
    return fail(res, 400, 'bad_request', 'The body is not valid JSON.');
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return fail(res, 400, 'bad_request', 'The body must be a JSON object.');
  const errs = [];
  for (const k of Object.keys(input))
    if (k !== 'base_version' && k !== 'values')
      errs.push({ field: k, message: `${k} is not a field of this resource` });
  if (!Number.isInteger(input.base_version) || input.base_version < 1)
    errs.push({ field: 'base_version', message: 'base_version must be a whole number' });
  const patch = input.values;
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
    errs.push({ field: 'values', message: 'values must be an object' });
  if (errs.length) return fail(res, 400, 'bad_request', 'Check the request', errs);
  if (plan.state !== 'draft') return fail(res, 409, 'conflict', 'This plan is not editable now.');
  const latest = qp.version.get(plan.id, plan.current_version);
  const values = JSON.parse(latest.values_json);
  const changed = [];
  for (const [k, v] of Object.entries(patch)) {
    const f = kRiskForm.fields[k];
    if (!f) { errs.push({ field: k, message: `${k} is not a question of this form` }); continue; }
    if (f.readonly) continue;
    if (v === null) { if (k in values) { delete values[k]; changed.push(k); } continue; }
    if (!checkValue(f, v)) { errs.push({ field: k, message: `${k} is not a valid answer` }); continue; }
    if (canonical(values[k]) !== canonical(v)) { values[k] = v; changed.push(k); }
  }
  if (errs.length) return fail(res, 422, 'invalid', 'Check the answers', errs);
  const missing = Object.entries(kRiskForm.fields)
    .filter(([k, f]) => f.required && (values[k] === undefined || values[k] === ''))
    .map(([k]) => k);
  let version;
  try {
    version = saveVersion(plan, input.base_version, values, sha256Hex(canonical(values)),
      `user:${ctx.user.id}`);
  } catch (e) {
    if (e instanceof Conflict) return fail(res, 409, 'conflict', 'The plan changed since.');
    throw e;
  }
  send(res, 200, { version, changed, missing, warnings: [] });
}

const sha256Hex = (s) => crypto.createHash('sha256').update(s).digest('hex');
const csrfFor = (token) =>
  crypto.createHash('sha256').update('sendflow-csrf:' + token).digest('base64url');

// One transaction: the row and its hash-chained audit event commit together or not at all.
const updateWithAudit = db.transaction((p, event) => {
  q.updatePupil.run(p.legal_name, p.preferred_name, p.date_of_birth, p.year_group, p.upn,
    p.active ? 1 : 0, nowIso(), p.id);
  const last = q.lastAudit.get();
  const id = last ? last.id + 1 : 1;
  const prevHash = last ? last.hash : '0'.repeat(64);
  const at = nowIso();
  const canonical = JSON.stringify([id, at, event.actor, event.action, event.subjectType,
    event.subjectId, event.academyId, event.detail, prevHash]);
  q.insertAudit.run(id, at, event.actor, event.action, event.subjectType, event.subjectId,
    event.academyId, event.detail, prevHash, sha256Hex(canonical));
});

function send(res, status, obj, headers = {}) {
  const body = JSON.stringify(obj);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(body);
}
const fail = (res, status, code, message, fields) =>
  send(res, status, { error: { code, message, ...(fields ? { fields } : {}) } });

function cookie(req, name) {
  for (const part of (req.headers.cookie || '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return '';
}

function resume(req) {
  const token = cookie(req, 'sf_session');
  if (!token || token.length > 100) return null;
  const idHash = sha256Hex(token);
  const s = q.findSession.get(idHash);
  if (!s) return null;
  const now = Math.floor(Date.now() / 1000);
  if (now - s.last_seen_at > 3600 || now - s.created_at > 12 * 3600) return null;
  const user = q.userById.get(s.user_id);
  if (!user || !user.active) return null;
  if (now - s.last_seen_at >= 60) q.touchSession.run(now, idHash);
  const memberships = q.academies.all(user.id);
  return { token, user, academies: new Set(memberships.map((m) => m.academy_id)),
    sencoOf: new Set(memberships.filter((m) => m.role === 'senco').map((m) => m.academy_id)) };
}

function csrfOk(req, token) {
  const presented = Buffer.from(String(req.headers['x-csrf-token'] || ''));
  const expected = Buffer.from(csrfFor(token));
  return presented.length === expected.length && crypto.timingSafeEqual(presented, expected);
}

const kYearGroups = new Set(['N', 'R', ...Array.from({ length: 14 }, (_, i) => String(i + 1))]);
function validatePupil(p) {
  const errs = [];
  const text = (key, label, max, required) => {
    const v = p[key].trim();
    if (required && !v) errs.push({ field: key, message: `Enter ${label}` });
    else if ([...v].length > max) errs.push({ field: key, message: `${label} is too long` });
  };
  text('legal_name', "the pupil's legal name", 200, true);
  text('preferred_name', 'the preferred name', 200, false);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(p.date_of_birth);
  const d = m && new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  if (!p.date_of_birth.trim()) errs.push({ field: 'date_of_birth', message: 'Enter the date of birth' });
  else if (!d || d.getUTCDate() !== +m[3] || d.getUTCMonth() !== +m[2] - 1)
    errs.push({ field: 'date_of_birth', message: 'Date of birth must be a real date' });
  else {
    const days = (Date.now() - d.getTime()) / 86400000;
    if (days < 0) errs.push({ field: 'date_of_birth', message: 'Date of birth must be in the past' });
    else if (days > 366 * 26) errs.push({ field: 'date_of_birth', message: 'Too long ago' });
  }
  if (!kYearGroups.has(p.year_group)) errs.push({ field: 'year_group', message: 'Choose a year group' });
  if (p.upn && !/^[A-Za-z]\d{11}[A-Za-z0-9]$/.test(p.upn))
    errs.push({ field: 'upn', message: 'A UPN is 13 characters' });
  return errs;
}

const kPupilFields = ['legal_name', 'preferred_name', 'date_of_birth', 'year_group', 'upn'];
function patchPupil(req, res, ctx, id, body) {
  const existing = q.pupil.get(id);
  if (!existing || !ctx.academies.has(existing.academy_id))
    return fail(res, 404, 'not_found', 'There is no such pupil.');
  if (!ctx.sencoOf.has(existing.academy_id))
    return fail(res, 403, 'forbidden', "Only a SENCO can change a pupil's record.");
  let input;
  try {
    input = JSON.parse(body);
  } catch {
    return fail(res, 400, 'bad_request', 'The body is not valid JSON.');
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return fail(res, 400, 'bad_request', 'The body must be a JSON object.');
  const next = { ...existing, active: existing.active === 1 };
  const errs = [];
  for (const [k, v] of Object.entries(input)) {
    if (kPupilFields.includes(k)) {
      if (typeof v !== 'string') errs.push({ field: k, message: `${k} must be a string` });
      else next[k] = v;
    } else if (k === 'active') {
      if (typeof v !== 'boolean') errs.push({ field: k, message: 'active must be true or false' });
      else next.active = v;
    } else {
      errs.push({ field: k, message: `${k} is not a field of this resource` });
    }
  }
  errs.push(...validatePupil(next));
  if (errs.length) return fail(res, 422, 'invalid', "Check the pupil's details", errs);
  next.legal_name = next.legal_name.trim();
  next.preferred_name = next.preferred_name.trim();
  updateWithAudit(next, {
    actor: `user:${ctx.user.id}`,
    action: next.active || !existing.active ? 'pupil.update' : 'pupil.deactivate',
    subjectType: 'pupil', subjectId: id, academyId: existing.academy_id, detail: '{}',
  });
  const p = q.pupil.get(id);
  send(res, 200, { ...p, active: p.active === 1 });
}

function login(req, res, body) {
  let input;
  try {
    input = JSON.parse(body);
  } catch {
    return fail(res, 400, 'bad_request', 'The body is not valid JSON.');
  }
  const user = q.userByEmail.get(String(input.email || ''));
  if (!user || !user.active || !passwordMatches(String(input.password || ''), user.password_hash))
    return fail(res, 401, 'unauthorized', 'The email or password is not right.');
  const token = crypto.randomBytes(32).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  q.createSession.run(sha256Hex(token), user.id, now, now, req.socket.remoteAddress || '',
    String(req.headers['user-agent'] || '').slice(0, 300));
  send(res, 200, { csrf_token: csrfFor(token), user_id: user.id, name: user.name },
    { 'Set-Cookie': `sf_session=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200` });
}

function route(req, res, body) {
  const path = req.url.split('?')[0];
  if (req.method === 'POST' && path === '/api/v1/session') return login(req, res, body);
  const ctx = resume(req);
  if (!ctx) return fail(res, 401, 'unauthorized', 'Please sign in.');
  if (req.method === 'GET' && path === '/api/v1/pupils') {
    const pupils = [];
    for (const a of ctx.academies) for (const p of q.pupils.all(a)) pupils.push({ ...p, active: p.active === 1 });
    return send(res, 200, { pupils });
  }
  if (req.method === 'POST' && path === '/api/v1/plans') {
    if (!csrfOk(req, ctx.token)) return fail(res, 403, 'forbidden', 'The form has expired.');
    return createPlan(req, res, ctx, body);
  }
  const pm = /^\/api\/v1\/plans\/(\d+)$/.exec(path);
  if (req.method === 'PATCH' && pm) {
    if (!csrfOk(req, ctx.token)) return fail(res, 403, 'forbidden', 'The form has expired.');
    return patchPlan(req, res, ctx, Number(pm[1]), body);
  }
  const m = /^\/api\/v1\/pupils\/(\d+)$/.exec(path);
  if (req.method === 'PATCH' && m) {
    if (!csrfOk(req, ctx.token)) return fail(res, 403, 'forbidden', 'The form has expired.');
    return patchPupil(req, res, ctx, Number(m[1]), body);
  }
  return fail(res, 404, 'not_found', 'There is no such page.');
}

const server = http.createServer((req, res) => {
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size > kMaxBody) {
      fail(res, 413, 'too_large', 'The request is too large.');
      req.destroy();
    } else chunks.push(c);
  });
  req.on('end', () => {
    if (res.writableEnded) return;
    try {
      route(req, res, Buffer.concat(chunks).toString('utf8'));
    } catch (e) {
      console.error(`${req.method} ${req.url} failed: ${e.message}`);
      if (!res.headersSent) fail(res, 500, 'internal', 'Something went wrong on our side.');
    }
  });
});
server.keepAliveTimeout = 30000;
server.listen(port, '127.0.0.1', () => {
  console.log(`peer listening on http://127.0.0.1:${server.address().port}`);
});
const stop = () => server.close(() => { db.close(); process.exit(0); });
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
