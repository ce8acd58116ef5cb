// Live editing of a draft plan (progressive enhancement: without this file, or without
// WebSocket, the form posts as before). Protocol and OT: docs/live.md. Positions are code points.
(function () {
  'use strict';
  if (!('WebSocket' in window) || !document.querySelector) return;

  // ---- OT on arrays of code points: components are n (skip), "s" (insert), {d: n} (delete).
  function cps(s) { return Array.from(s); }
  function len(c) { return typeof c === 'number' ? c : typeof c === 'string' ? cps(c).length : c.d; }
  function push(op, c) {
    if (len(c) === 0) return;
    var last = op[op.length - 1];
    if (op.length && typeof last === typeof c && typeof c !== 'object') {
      op[op.length - 1] = last + c;
    } else if (op.length && typeof last === 'object' && typeof c === 'object') {
      op[op.length - 1] = { d: last.d + c.d };
    } else {
      op.push(c);
    }
  }
  function trim(op) { while (op.length && typeof op[op.length - 1] === 'number') op.pop(); return op; }
  function apply(text, op) {
    var src = cps(text), out = [], pos = 0;
    op.forEach(function (c) {
      if (typeof c === 'number') { out.push.apply(out, src.slice(pos, pos + c)); pos += c; }
      else if (typeof c === 'string') out.push(c);
      else pos += c.d;
    });
    if (pos > src.length) throw new Error('op past end');
    return out.join('') + src.slice(pos).join('');
  }
  function taker(op) {
    var i = 0, off = 0;
    return {
      done: function () { return i >= op.length; },
      peek: function () { return op[i]; },
      take: function (n) {
        var c = op[i];
        if (typeof c === 'string') { i++; off = 0; return c; }
        var total = len(c), k = Math.min(n, total - off);
        off += k;
        if (off === total) { i++; off = 0; }
        return typeof c === 'number' ? k : { d: k };
      }
    };
  }
  function transform(op, other, left) {
    var out = [], t = taker(op);
    other.forEach(function (c) {
      var n, p;
      if (typeof c === 'number') {
        n = c;
        while (n > 0 && !t.done()) { p = t.take(n); if (typeof p !== 'string') n -= len(p); push(out, p); }
      } else if (typeof c === 'string') {
        if (left && typeof t.peek() === 'string') push(out, t.take(Infinity));
        push(out, cps(c).length);
      } else {
        n = c.d;
        while (n > 0 && !t.done()) { p = t.take(n); if (typeof p === 'string') push(out, p); else n -= len(p); }
      }
    });
    while (!t.done()) push(out, t.take(Infinity));
    return trim(out);
  }
  // The edit that turns a into b: common prefix and suffix kept.
  function diff(a, b) {
    var x = cps(a), y = cps(b), s = 0, e = 0, op = [];
    while (s < x.length && s < y.length && x[s] === y[s]) s++;
    while (e < x.length - s && e < y.length - s && x[x.length - 1 - e] === y[y.length - 1 - e]) e++;
    push(op, s);
    push(op, { d: x.length - s - e });
    push(op, y.slice(s, y.length - e).join(''));
    return trim(op);
  }
  // Where a code-point position moves to under op (ties stay before a remote insert).
  function movePos(pos, op) {
    var at = 0, out = pos;
    for (var i = 0; i < op.length && at <= pos; i++) {
      var c = op[i];
      if (typeof c === 'number') at += c;
      else if (typeof c === 'string') { if (at < pos) out += len(c); }
      else { out -= Math.min(c.d, Math.max(0, pos - at)); at += c.d; }
    }
    return out;
  }
  function toUnits(text, cp) { return cps(text).slice(0, cp).join('').length; }
  function toCps(text, units) { return cps(text.slice(0, units)).length; }

  // ---- The channel.
  document.addEventListener('DOMContentLoaded', function () {
    var form = document.querySelector('form.plan-form[data-live]');
    if (!form) return;
    // Every word this script writes comes from the server, in the page's language
    // (data-words, web/pages/live_words.cpp): whole messages whose {{name}} placeholders are
    // filled here. Without them the form stays a plain form (it posts as before).
    var words;
    try { words = JSON.parse(form.getAttribute('data-words') || ''); } catch (e) { return; }
    if (!words || typeof words !== 'object') return;
    var lang = document.documentElement.lang || 'en-GB';
    var inEnglish = {};  // keys whose message has no translation in use: marked as English
    (words.en || []).forEach(function (k) { inEnglish[k] = true; });
    function number(n) {
      try { return new Intl.NumberFormat(lang).format(n); } catch (e) { return String(n); }
    }
    function say(key, values) {
      return String(words[key] || '').replace(/\{\{(\w+)\}\}/g, function (m, name) {
        return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : m;
      });
    }
    // Writes message `key` into el (text only), marked lang="en-GB" when it shows in English;
    // a text the server wrote in the page's language (key null) is not marked.
    function write(el, key, values, text) {
      el.textContent = key ? say(key, values) : text;
      if (key && inEnglish[key]) { el.setAttribute('lang', 'en-GB'); el.setAttribute('dir', 'ltr'); }
      else { el.removeAttribute('lang'); el.removeAttribute('dir'); }
    }
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + form.getAttribute('data-live');
    // The page shows the user's own answers again (kept after an error), not the saved ones.
    var kept = form.hasAttribute('data-kept');
    // One id per page load: operation numbers (seq) start again with it.
    var clientId = Array.from(crypto.getRandomValues(new Uint8Array(12)), function (b) {
      return ('0' + b.toString(16)).slice(-2);
    }).join('');

    var status = document.createElement('p');
    status.className = 'live-status';
    status.setAttribute('role', 'status');
    form.insertBefore(status, form.firstChild);
    var announcer = document.createElement('div');
    announcer.className = 'visually-hidden';
    announcer.setAttribute('aria-live', 'polite');
    document.body.appendChild(announcer);

    var ws = null, revision = 0, seq = 0, inflight = null, pending = [], texts = {}, known = false;
    var resuming = false, skipSnapshot = 0, retry = 500, lastPeople = {};
    var values = {};  // other fields: { value, rev } — last writer wins, per field
    // Each long text as the server has it at `revision` (what texts[] holds less the edits of
    // ours not yet confirmed): a later snapshot keeps the unconfirmed edits on top of its text.
    var confirmed = {};
    var snapshotVersion = 0;
    function area(field) { return form.querySelector('textarea[name="f.' + field + '"]'); }
    function label(field) {
      var el = area(field) || form.querySelector('[name="f.' + field + '"]');
      var l = el && el.id ? form.querySelector('label[for="' + el.id + '"]') : null;
      return l ? l.textContent.trim() : tableTitle(field) ? tableTitle(field).textContent.trim() : field;
    }
    // The label of a cell's control (its <label>, or its group's <legend>).
    function cellLabel(el) {
      var l = el.id ? form.querySelector('label[for="' + el.id + '"]') : null;
      var group = el.closest('fieldset:not(.table-row)');
      var text = group && group.querySelector('legend') ? group.querySelector('legend').textContent : l ? l.textContent : '';
      return text.trim();
    }
    function tableTitle(field) {
      var count = form.querySelector('input.row-count[name="rows.' + field + '"]');
      return count ? count.parentNode.querySelector('.table-title') : null;
    }
    function send(o) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(o)); }

    // ---- Whole-value fields (text boxes, dates, numbers, choices, yes/no): read and shown as the
    // form post sends them. Person fields and table cells go with the form post only.
    function controls(field) {
      return Array.prototype.filter.call(form.querySelectorAll('[name="f.' + field + '"]'), function (el) {
        return el.type !== 'hidden';
      });
    }
    function liveValueField(field) {
      var els = controls(field);
      if (!els.length) return false;
      return els.every(function (el) { return el.tagName !== 'TEXTAREA'; });
    }
    // The answer the controls of one field or cell hold (checkboxes: a list; radios: the one
    // chosen), now or (rendered) as the server put them in the page.
    function readControls(els, rendered) {
      var on = function (el) { return rendered ? el.defaultChecked : el.checked; };
      if (els[0].type === 'checkbox') return els.filter(on).map(function (el) { return el.value; });
      if (els[0].type === 'radio') {
        var checked = els.filter(on)[0];
        return checked ? checked.value : null;
      }
      var v = els[0].value;
      return v === '' ? null : v;
    }
    // The option a select showed when the page was rendered.
    function defaultOption(sel) {
      var opts = Array.prototype.slice.call(sel.options);
      var chosen = opts.filter(function (o) { return o.defaultSelected; })[0] || opts[0];
      return chosen ? chosen.value : '';
    }
    // A person field may offer "Someone else" with a typed name beside its list.
    function typedName(field) { return form.querySelector('input[name="f.' + field + '._text"]'); }
    // What the field holds now, or (rendered) what the server put in the page.
    function readValue(field, rendered) {
      var els = controls(field);
      if (els[0].type === 'checkbox' || els[0].type === 'radio') return readControls(els, rendered);
      var v = els[0].value, typed = typedName(field);
      if (typed && (rendered ? defaultOption(els[0]) : v) === '_other') {
        var name = rendered ? typed.defaultValue : typed.value;
        return name.trim() === '' ? null : name.trim();
      }
      if (rendered && els[0].tagName === 'SELECT') {
        v = defaultOption(els[0]);
      } else if (rendered) {
        v = els[0].defaultValue;
      }
      return v === '' ? null : v;
    }
    function showValue(field, v) {
      var els = controls(field);
      if (!els.length) return;
      var typed = typedName(field);
      if (typed && els[0].tagName === 'SELECT') {
        var listed = v !== null && v !== undefined && Array.prototype.some.call(els[0].options, function (o) { return o.value === String(v) && o.value !== '_other'; });
        els[0].value = v === null || v === undefined ? '' : listed ? String(v) : '_other';
        typed.value = v !== null && v !== undefined && !listed ? String(v) : '';
        return;
      }
      showControls(els, v);
    }
    // Shows a value in the controls of one answer (a field, or a cell of a row).
    function showControls(els, v) {
      var text = v === true ? 'yes' : v === false ? 'no' : v;
      els.forEach(function (el) {
        if (el.type === 'checkbox') el.checked = Array.isArray(v) && v.indexOf(el.value) >= 0;
        else if (el.type === 'radio') el.checked = text !== null && text !== undefined && String(text) === el.value;
        else el.value = text === null || text === undefined ? '' : String(text);
      });
    }
    function plain(v) {
      if (v === true) return 'yes';
      if (v === false) return 'no';
      if (v === null || v === undefined || (Array.isArray(v) && !v.length)) return '';
      return Array.isArray(v) ? JSON.stringify(v.map(String)) : String(v);
    }
    // An answer as the page shows it: the labels of the options chosen (in the page's
    // language), joined as the language lists them; typed text as typed.
    function answerWords(els, v) {
      if (v === null || v === undefined || v === '' || (Array.isArray(v) && !v.length)) return say('empty');
      if (v === true) return say('yes');
      if (v === false) return say('no');
      function one(x) {
        x = String(x);
        for (var i = 0; i < els.length; i++) {
          var el = els[i];
          if ((el.type === 'radio' || el.type === 'checkbox') && el.value === x) {
            var l = el.id ? form.querySelector('label[for="' + el.id + '"]') : null;
            if (l) return l.textContent.trim();
          } else if (el.tagName === 'SELECT' && x !== '') {
            var o = Array.prototype.filter.call(el.options, function (opt) { return opt.value === x; })[0];
            if (o) return o.textContent.trim();
          }
        }
        return x;
      }
      var list = Array.isArray(v) ? v.map(one) : [one(v)];
      try { return new Intl.ListFormat(lang, { type: 'conjunction' }).format(list); } catch (e) { return list.join(', '); }
    }
    function sendSet(field, v) {
      pending.push({ field: field, set: true, value: v, rev: values[field].rev, seq: ++seq });
      values[field].value = v;
      sendNext();
    }
    // Someone saved over this person's value: say what was lost, and offer it back in one click.
    function overwritten(m) {
      var row = m.row ? rowById(m.field, m.row) : null;
      if (m.row && !row) return;
      var els = row ? cellControls(row, m.column) : controls(m.field), el = els[0];
      if (!el) return;
      var what = row ? cellLabel(el) : label(m.field);
      var legend = row && row.querySelector('legend') ? row.querySelector('legend').textContent.trim() : '';
      var about = { name: m.by, question: what, row: legend, answer: answerWords(els, m.lost) };
      var box = el.closest('.field') || el.parentNode;
      var old = box.querySelector('.live-overwritten');
      if (old) old.remove();
      var note = document.createElement('div');
      note.className = 'live-overwritten notice';
      note.setAttribute('role', 'status');
      var p = document.createElement('p');
      write(p, row ? 'overwritten_cell' : 'overwritten', about);
      var restore = document.createElement('button');
      restore.type = 'button';
      restore.className = 'button secondary';
      write(restore, 'restore');
      restore.addEventListener('click', function () {
        if (row) {
          showCell(row, m.column, m.lost);
          queueRow({ type: 'cell', field: m.field, row: m.row, column: m.column, value: m.lost,
                     cellRevision: row.liveRevs[m.column] || 0 });
        } else {
          showValue(m.field, m.lost);
          sendSet(m.field, m.lost);
        }
        note.remove();
        write(announcer, row ? 'restored_cell' : 'restored', about);
      });
      note.appendChild(p);
      note.appendChild(restore);
      box.appendChild(note);
      write(announcer, row ? 'overwritten_cell' : 'overwritten', about);
    }
    // ---- Repeating tables: rows are added and removed by operations of their own (the server
    // names each new row), cells are set last-writer-wins. The rows keep their form-post names
    // (f.<table>.<i>.<column>) in step, so a plain Save posts what the page shows.
    var tables = {};  // field -> { box, list, template, add }
    function tableRows(t) { return Array.prototype.slice.call(t.list.querySelectorAll('fieldset.table-row')); }
    function colOf(name) { var p = name.split('.'); return p.length === 4 ? p[3] : null; }
    function cellControls(row, col) {
      return Array.prototype.filter.call(row.querySelectorAll('[name^="f."]'), function (el) {
        return el.type !== 'hidden' && colOf(el.name) === col;
      });
    }
    function readCell(row, col) {
      var els = cellControls(row, col);
      return els.length ? readControls(els, false) : null;
    }
    function showCell(row, col, v) { showControls(cellControls(row, col), v); }
    function touched(box) {
      return Array.prototype.some.call(box.querySelectorAll('.table-rows input, .table-rows select, .table-rows textarea'), function (el) {
        if (el.type === 'checkbox' || el.type === 'radio') return el.checked !== el.defaultChecked;
        if (el.tagName === 'SELECT') return el.value !== defaultOption(el);
        return el.value !== el.defaultValue;
      });
    }
    // Gives a row's controls the row key `key` in their names (f.<table>.<key>.<column>) and ids.
    function rekey(row, field, key) {
      var name = new RegExp('^f\\.' + field + '\\.[^.]+\\.'), id = new RegExp('f-' + field + '-[^-]+-', 'g');
      Array.prototype.forEach.call(row.querySelectorAll('*'), function (el) {
        if (el.name) el.name = el.name.replace(name, 'f.' + field + '.' + key + '.');
        ['id', 'for', 'aria-describedby'].forEach(function (a) {
          var v = el.getAttribute(a);
          if (v) el.setAttribute(a, v.replace(id, 'f-' + field + '-' + key + '-'));
        });
      });
    }
    function renumber(field) {
      var t = tables[field], rows = tableRows(t);
      rows.forEach(function (row, i) {
        row.setAttribute('data-row', String(i));
        var legend = row.querySelector('legend'), title = tableTitle(field);
        if (legend && title) write(legend, 'row_legend', { label: title.textContent.trim(), number: number(i + 1) });
        var which = row.querySelector('.live-remove-row .visually-hidden');
        if (which && legend) which.textContent = ': ' + legend.textContent;
        rekey(row, field, String(i));
      });
      t.box.querySelector('input.row-count').value = String(rows.length);
      var max = Number(t.list.getAttribute('data-max-rows') || 0);
      t.add.disabled = max > 0 && rows.length >= max;
    }
    function makeRow(field, id, cells, revs) {
      var t = tables[field], row = t.template.cloneNode(true);
      row.setAttribute('data-row-id', id);
      row.liveRevs = revs || {};  // column -> revision of its last set, sent back with a cell
      // Names of its own before it joins the form, so its radio buttons never share a group with
      // another row's; renumber() gives the form-post names.
      rekey(row, field, 'x' + id.replace(/[^A-Za-z0-9]/g, '_'));
      Object.keys(cells || {}).forEach(function (col) { showCell(row, col, cells[col]); });
      var remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'button secondary live-remove-row';
      write(remove, 'remove_row');
      var which = document.createElement('span');
      which.className = 'visually-hidden';
      remove.appendChild(which);
      remove.addEventListener('click', function () {
        queueRow({ type: 'row_remove', field: field, row: id });
      });
      row.appendChild(remove);
      return row;
    }
    function rowById(field, id) {
      return tableRows(tables[field]).filter(function (r) { return r.getAttribute('data-row-id') === id; })[0];
    }
    // Takes a table live from a snapshot: the rows drawn again from the server's, with their ids.
    function setupTable(field, rows) {
      var t = tables[field];
      if (!t) {
        var count = form.querySelector('input.row-count[name="rows.' + field + '"]');
        var box = count && count.parentNode, list = box && box.querySelector('.table-rows');
        var drawn = list ? list.querySelectorAll('fieldset.table-row') : [];
        // No empty row to copy (the table is full), or answers typed before the socket opened:
        // this table stays with the form post on this page load.
        if (!drawn.length || kept || touched(box)) return;
        var template = drawn[drawn.length - 1].cloneNode(true);
        Array.prototype.forEach.call(template.querySelectorAll('.remove-row, .error-message'), function (n) { n.remove(); });
        template.classList.remove('field-error');
        Array.prototype.forEach.call(template.querySelectorAll('[name^="f."]'), function (el) {
          var col = colOf(el.name);
          if (col) showCell(template, col, null);
        });
        var add = document.createElement('button');
        add.type = 'button';
        add.className = 'button secondary live-add-row';
        write(add, 'add_row');
        t = tables[field] = { box: box, list: list, template: template, add: add };
        add.addEventListener('click', function () {
          var last = tableRows(t).pop();
          queueRow({ type: 'row_add', field: field, after: last ? last.getAttribute('data-row-id') : '' });
        });
        var hint = list.nextElementSibling;
        if (hint && hint.classList.contains('hint')) hint.replaceWith(add);
        else list.parentNode.insertBefore(add, list.nextSibling);
      }
      t.list.innerHTML = '';
      rows.forEach(function (r) { t.list.appendChild(makeRow(field, r.id, r.cells, r.revs)); });
      renumber(field);
    }
    function queueRow(frame) {
      frame.seq = ++seq;
      pending.push({ field: frame.field, row: true, frame: frame, seq: frame.seq });
      sendNext();
    }
    // A committed table operation, ours or someone else's.
    function rowOp(m) {
      var t = tables[m.field];
      if (!t) return;
      var mine = m.client === clientId;
      if (m.type === 'row_add') {
        var after = m.after ? rowById(m.field, m.after) : null;
        var revs = {};
        Object.keys(m.cells || {}).forEach(function (col) { revs[col] = m.revision; });
        var row = makeRow(m.field, m.row, m.cells, revs);
        if (after) after.parentNode.insertBefore(row, after.nextSibling);
        else t.list.appendChild(row);
        renumber(m.field);
        if (mine) {
          var first = row.querySelector('input:not([type=hidden]), select, textarea');
          if (first) first.focus();
          write(announcer, 'row_added');
        } else write(announcer, 'row_added_by', { name: m.author, table: label(m.field) });
      } else if (m.type === 'row_remove') {
        var gone = rowById(m.field, m.row);
        if (gone) gone.remove();
        renumber(m.field);
        if (mine) write(announcer, 'row_removed');
        else write(announcer, 'row_removed_by', { name: m.author, table: label(m.field) });
      } else {
        var target = rowById(m.field, m.row);
        if (target) target.liveRevs[m.column] = m.revision;
        if (mine) return;
        var ours = (inflight ? [inflight] : []).concat(pending).some(function (x) {
          return x.row && x.frame.type === 'cell' && x.frame.row === m.row && x.frame.column === m.column;
        });
        if (target && !ours) showCell(target, m.column, m.value);
      }
    }
    function sendNext() {
      if (inflight || !pending.length || resuming) return;
      inflight = pending.shift();
      sendInflight();
    }
    // Each edit names the version of the last snapshot: one made before a snapshot of a version
    // saved meanwhile is refused ("conflict"), as the snapshot's handling has kept it already.
    function sendInflight() {
      if (inflight.row) send(Object.assign({}, inflight.frame, { version: snapshotVersion }));
      else if (inflight.set) send({ type: 'set', field: inflight.field, value: inflight.value, fieldRevision: inflight.rev, seq: inflight.seq, version: snapshotVersion });
      else send({ type: 'op', field: inflight.field, revision: revision, seq: inflight.seq, op: inflight.op, version: snapshotVersion });
    }
    function setArea(field, text, op) {
      var el = area(field);
      if (!el) return;
      var old = el.value, focused = document.activeElement === el;
      var s = toCps(old, el.selectionStart), e = toCps(old, el.selectionEnd);
      el.value = text;
      if (focused) {
        if (op) { s = movePos(s, op); e = movePos(e, op); }
        el.setSelectionRange(toUnits(text, s), toUnits(text, e));
      }
    }
    // Live edits are folded into versions as they go: a plain save is based on the newest.
    function baseVersion(v) {
      var input = form.querySelector('input[name="base_version"]');
      if (input && v) input.value = String(v);
    }
    // reason: the server's, already in the page's language; none: the catalogue's own.
    function readOnly(reason) {
      if (reason) write(status, null, null, reason);
      else write(status, 'read_only');
      Array.prototype.forEach.call(form.querySelectorAll('textarea, input, select'), function (el) {
        if (el.type !== 'hidden') el.setAttribute('readonly', '');
      });
      Array.prototype.forEach.call(form.querySelectorAll('.live-add-row, .live-remove-row'), function (b) { b.disabled = true; });
    }
    function showPresence(people) {
      Array.prototype.forEach.call(form.querySelectorAll('.live-presence-list'), function (n) { n.remove(); });
      var now = {};
      people.forEach(function (p) {
        now[p.conn] = p;
        if (p.field) {
          // Out of flow below the field (app.css): a tag coming or going never moves a control
          // under someone's pointer, and a click on it reaches what is underneath.
          var el = area(p.field) || form.querySelector('[name="f.' + p.field + '"]') || tableTitle(p.field);
          var box = el && el.closest('.field');
          if (box) {
            var list = box.querySelector(':scope > .live-presence-list');
            if (!list) {
              list = document.createElement('span');
              list.className = 'live-presence-list';
              box.appendChild(list);
            }
            var tag = document.createElement('span');
            tag.className = 'live-presence';
            write(tag, 'here', { name: p.name });
            list.appendChild(tag);
          }
        }
        var before = lastPeople[p.conn];
        if (!before) write(announcer, 'joined', { name: p.name });
        else if (p.field && before.field !== p.field) write(announcer, 'is_in', { name: p.name, question: label(p.field) });
      });
      Object.keys(lastPeople).forEach(function (c) { if (!now[c]) write(announcer, 'left', { name: lastPeople[c].name }); });
      lastPeople = now;
      write(status, 'status', { count: number(people.length) });
    }
    // What this page changed that the server has not confirmed: long texts as { base: the
    // confirmed text, local: the text shown }, other answers as the value last set.
    function unsentEdits() {
      var out = { texts: {}, sets: {} };
      Object.keys(texts).forEach(function (f) {
        if (f in confirmed && texts[f] !== confirmed[f]) out.texts[f] = { base: confirmed[f], local: texts[f] };
      });
      (inflight ? [inflight] : []).concat(pending).forEach(function (x) {
        if (x.set) out.sets[x.field] = x.value;
      });
      return out;
    }
    // Beside a field whose unconfirmed answer was kept over a version saved meanwhile.
    function keptNotice(field) {
      var el = area(field) || form.querySelector('[name="f.' + field + '"]');
      var box = el && el.closest('.field');
      var about = { question: label(field) };
      if (box) {
        var old = box.querySelector(':scope > .live-kept');
        if (old) old.remove();
        var note = document.createElement('p');
        note.className = 'live-kept notice';
        note.setAttribute('role', 'status');
        write(note, 'restored', about);
        box.appendChild(note);
      }
      write(announcer, 'restored', about);
    }
    function onMessage(ev) {
      var m = JSON.parse(ev.data), i;
      if (m.type === 'snapshot') {
        if (skipSnapshot) { skipSnapshot--; return; }
        // A later snapshot: a version was saved from a form meanwhile and the server started
        // everyone again from it. What the user wrote that the server had not confirmed is still
        // theirs: it is merged into the new version and sent again, and they are told so.
        var unsent = known ? unsentEdits() : null, restored = [];
        revision = m.revision; inflight = null; pending = []; resuming = false;
        snapshotVersion = m.version;
        Object.keys(m.fields).forEach(function (f) {
          if (m.fields[f].kind === 'table') { setupTable(f, m.fields[f].rows); return; }
          if (m.fields[f].kind !== 'text') {
            if (!liveValueField(f)) return;
            values[f] = { value: m.fields[f].value, rev: m.fields[f].fieldRevision || 0 };
            // The first time, an answer the user changed before the socket connected, or every
            // answer of a page that shows the user's own answers again (after an error), is theirs.
            var shown = readValue(f);
            var theirs = kept || plain(shown) !== plain(readValue(f, true));
            if (!known && m.editable && theirs && plain(shown) !== plain(values[f].value)) {
              pending.push({ field: f, set: true, value: shown, rev: values[f].rev, seq: ++seq });
              values[f].value = shown;
            } else if (unsent && m.editable && Object.prototype.hasOwnProperty.call(unsent.sets, f) &&
                       plain(unsent.sets[f]) !== plain(values[f].value)) {
              pending.push({ field: f, set: true, value: unsent.sets[f], rev: values[f].rev, seq: ++seq });
              values[f].value = unsent.sets[f];
              showValue(f, unsent.sets[f]);
              restored.push(f);
            } else showValue(f, values[f].value);
            return;
          }
          texts[f] = confirmed[f] = m.fields[f].text;
          var unsentText = unsent && m.editable && unsent.texts[f];
          if (unsentText) {
            // Their edits since the last confirmed text, moved past what the saved version changed.
            var keep = transform(diff(unsentText.base, unsentText.local),
                                 diff(unsentText.base, texts[f]), false);
            if (keep.length) {
              pending.push({ field: f, op: keep, seq: ++seq });
              texts[f] = apply(texts[f], keep);
              restored.push(f);
            }
          }
          var el = area(f);
          if (!known && el && m.editable && el.value !== texts[f] && (kept || el.value !== el.defaultValue)) {
            // The user's typing since the page was rendered, merged with what others did meanwhile
            // (both are edits of the rendered text); a page of kept answers is theirs as it stands.
            var op = kept ? diff(texts[f], el.value)
                          : transform(diff(el.defaultValue, el.value), diff(el.defaultValue, texts[f]), false);
            if (op.length) {
              pending.push({ field: f, op: op, seq: ++seq });
              texts[f] = apply(texts[f], op);
            }
          }
          setArea(f, texts[f]);
        });
        baseVersion(m.version);
        known = true;
        sendNext();
        if (!m.editable) readOnly(m.reason);
        restored.forEach(keptNotice);
      } else if (m.type === 'resumed') {
        resuming = false;
        if (inflight) sendInflight();
        else sendNext();
      } else if (m.type === 'op') {
        revision = m.revision;
        if (m.field in confirmed) confirmed[m.field] = apply(confirmed[m.field], m.op);
        if (m.client === clientId) {
          if (inflight && m.seq === inflight.seq) { inflight = null; sendNext(); }
          return;
        }
        var remote = m.op;
        var mine = inflight ? [inflight].concat(pending) : pending;
        for (i = 0; i < mine.length; i++) {
          if (mine[i].field !== m.field || mine[i].set) continue;
          var a = transform(mine[i].op, remote, false);
          remote = transform(remote, mine[i].op, true);
          mine[i].op = a;
        }
        texts[m.field] = apply(texts[m.field], remote);
        setArea(m.field, texts[m.field], remote);
      } else if (m.type === 'set') {
        revision = m.revision;
        if (values[m.field]) {
          values[m.field].rev = m.revision;
          // A set of ours still on its way is sequenced after this one: ours will be the value.
          var ours = (inflight ? [inflight] : []).concat(pending).some(function (x) { return x.set && x.field === m.field; });
          if (m.client !== clientId && !ours) { values[m.field].value = m.value; showValue(m.field, m.value); }
        }
        if (m.client === clientId && inflight && m.seq === inflight.seq) { inflight = null; sendNext(); }
      } else if (m.type === 'row_add' || m.type === 'row_remove' || m.type === 'cell') {
        revision = m.revision;
        rowOp(m);
        if (m.client === clientId && inflight && m.seq === inflight.seq) { inflight = null; sendNext(); }
      } else if (m.type === 'overwritten') {
        overwritten(m);
      } else if (m.type === 'ack') {
        if (inflight && m.seq === inflight.seq) { inflight = null; sendNext(); }
      } else if (m.type === 'version') {
        baseVersion(m.version);
      } else if (m.type === 'presence') {
        showPresence(m.people);
      } else if (m.type === 'error') {
        if (m.code === 'read_only') readOnly(m.message);
        else write(status, null, null, m.message);
        if (inflight && m.seq === inflight.seq) { inflight = null; sendNext(); }
      }
    }
    function connect() {
      ws = new WebSocket(url);
      ws.onopen = function () {
        retry = 500;
        send({ type: 'hello', client: clientId });
        if (known) { resuming = true; skipSnapshot = 1; send({ type: 'resume', revision: revision, version: snapshotVersion }); }
      };
      ws.onmessage = onMessage;
      ws.onclose = function () {
        write(status, 'paused');
        setTimeout(connect, retry);
        retry = Math.min(retry * 2, 10000);
      };
    }
    form.addEventListener('input', function (ev) {
      var el = ev.target;
      if (el.tagName !== 'TEXTAREA' || el.name.indexOf('f.') !== 0 || !known) return;
      var field = el.name.slice(2);
      if (!(field in texts)) return;
      var op = diff(texts[field], el.value);
      if (!op.length) return;
      texts[field] = el.value;
      pending.push({ field: field, op: op, seq: ++seq });
      sendNext();
    });
    form.addEventListener('change', function (ev) {
      var n = ev.target.name || '';
      if (n.indexOf('f.') !== 0 || !known) return;
      var parts = n.split('.'), row = ev.target.closest('fieldset.table-row');
      if (parts.length === 4 && tables[parts[1]] && row && row.getAttribute('data-row-id')) {
        queueRow({ type: 'cell', field: parts[1], row: row.getAttribute('data-row-id'), column: parts[3],
                   value: readCell(row, parts[3]), cellRevision: row.liveRevs[parts[3]] || 0 });
        return;
      }
      var field = n.slice(2).replace(/\._text$/, '');
      if (!values[field]) return;
      sendSet(field, readValue(field));
    });
    form.addEventListener('focusin', function (ev) {
      var n = ev.target.name || '';
      if (n.indexOf('f.') === 0) send({ type: 'focus', field: n.slice(2).split('.')[0] });
    });
    form.addEventListener('focusout', function () { send({ type: 'focus', field: '' }); });
    // The plain post saves the live text too: the server folds live edits into versions, so the
    // base version may have moved on; the post then answers 409 with the merge view as before.
    connect();
  });
})();
