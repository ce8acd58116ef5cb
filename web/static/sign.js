// Signature pad: progressive enhancement of the signing form. Without JavaScript the typed name
// is used. Pointer events cover touch, mouse and pen.
(function () {
  'use strict';
  var form = document.getElementById('sign-form');
  if (!form) return;
  var pad = form.querySelector('[data-signature-pad]');
  var canvas = pad && pad.querySelector('canvas');
  if (!canvas || !canvas.getContext) return;
  var input = pad.querySelector('input[name="drawing"]');
  var ctx = canvas.getContext('2d');
  var drawing = false, drawn = false, last = null;
  function reset() {
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.strokeStyle = '#0b0c0c';
    ctx.lineWidth = 3;
    ctx.lineCap = 'round';
    drawn = false;
    input.value = '';
  }
  function point(e) {
    var r = canvas.getBoundingClientRect();
    return { x: (e.clientX - r.left) * canvas.width / r.width, y: (e.clientY - r.top) * canvas.height / r.height };
  }
  canvas.style.touchAction = 'none';
  canvas.addEventListener('pointerdown', function (e) {
    drawing = true; last = point(e); canvas.setPointerCapture(e.pointerId); e.preventDefault();
  });
  canvas.addEventListener('pointermove', function (e) {
    if (!drawing) return;
    var p = point(e);
    ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
    last = p; drawn = true; e.preventDefault();
  });
  function end() {
    if (drawing && drawn) input.value = canvas.toDataURL('image/png');
    drawing = false;
  }
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  pad.querySelector('[data-clear]').addEventListener('click', reset);
  function sync() {
    var drawn = form.querySelector('#method-drawn').checked;
    pad.hidden = !drawn;
  }
  form.querySelectorAll('input[name="method"]').forEach(function (r) { r.addEventListener('change', sync); });
  reset();
  sync();
})();
