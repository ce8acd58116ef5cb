// Progressive enhancement only: every page works without this file.
(function () {
  'use strict';
  document.addEventListener('DOMContentLoaded', function () {
    // Move focus to the error summary so screen-reader and keyboard users hear what is wrong.
    var summary = document.querySelector('.error-summary');
    if (summary) summary.focus();
  });
})();
