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
