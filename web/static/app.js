// Progressive enhancement only: every page works without this file.
(function () {
  'use strict';

  // Current answers of a field as the browser would post them ("yes"/"no" for yes/no fields).
  function answers(form, name) {
    var out = [];
    var inputs = form.querySelectorAll('[name="' + name.replace(/"/g, '') + '"]');
    Array.prototype.forEach.call(inputs, function (el) {
      if ((el.type === 'radio' || el.type === 'checkbox') && !el.checked) return;
      if (el.value !== '') out.push(el.value);
    });
    return out;
  }

  // Show a field or section only while its condition holds; hidden ones keep their answers.
  function applyConditions(form) {
    var items = form.querySelectorAll('[data-when-field]');
    Array.prototype.forEach.call(items, function (el) {
      var values = answers(form, el.getAttribute('data-when-field'));
      var show;
      if (el.hasAttribute('data-when-not-empty')) {
        show = values.length > 0;
      } else {
        var wanted = JSON.parse(el.getAttribute('data-when-values') || '[]');
        show = values.some(function (v) { return wanted.indexOf(v) !== -1; });
      }
      el.hidden = !show;
      // The explanation is for people who see every field (no script): not needed now.
      var hint = el.querySelector(':scope > .when-hint, :scope > span.when-hint');
      if (hint) hint.hidden = true;
    });
  }

  // A link of the error summary or of "Still to complete" moves the focus to its input and
  // shows the input's question above it (GOV.UK's error summary does the same).
  document.addEventListener('click', function (ev) {
    var link = ev.target.closest && ev.target.closest('.error-summary a[href^="#"], .notice a[href^="#"]');
    if (!link) return;
    var id = decodeURIComponent(link.getAttribute('href').slice(1));
    var input = document.getElementById(id);
    if (!input) {
      // A table whose rows live editing has removed: its first input, or its "Add a row" button.
      Array.prototype.some.call(document.querySelectorAll('.table-field[id$="-field"]'), function (box) {
        if (id.indexOf(box.id.slice(0, -'field'.length)) !== 0) return false;
        input = box.querySelector('input:not([type=hidden]), select, textarea, button');
        return true;
      });
    }
    if (!input || !/^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(input.tagName)) return;
    ev.preventDefault();
    var group = input.closest('fieldset');
    var legend = group && group.querySelector('legend');
    var label = legend || document.querySelector('label[for="' + input.id + '"]');
    (label || input).scrollIntoView();
    input.focus({ preventScroll: true });
  });

  document.addEventListener('DOMContentLoaded', function () {
    // Move focus to the error summary so screen-reader and keyboard users hear what is wrong.
    var summary = document.querySelector('.error-summary');
    if (summary) summary.focus();

    var form = document.querySelector('form.plan-form');
    if (form) {
      applyConditions(form);
      form.addEventListener('change', function () { applyConditions(form); });
    }
  });
})();
