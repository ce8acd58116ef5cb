// Signature pad: progressive enhancement of the signing form. Without JavaScript the typed name
// is used. Pointer events cover touch, mouse and pen.
// The pad is as wide as its container (app.css); its bitmap is its CSS size times the device
// pixel ratio (at most 2, to keep the PNG small), and follows it when the size changes (a phone
// turned round): the drawing is redrawn to the new size, never lost.
(function () {
  'use strict';
  var form = document.getElementById('sign-form');
  if (!form) return;
  var pad = form.querySelector('[data-signature-pad]');
  var canvas = pad && pad.querySelector('canvas');
  if (!canvas || !canvas.getContext) return;
  var input = pad.querySelector('input[name="drawing"]');
  var ctx = canvas.getContext('2d');
  var drawing = false, drawn = false, last = null, scale = 1;
  function pen() {
    ctx.strokeStyle = '#0b0c0c';
    ctx.lineWidth = 3 * scale;
    ctx.lineCap = 'round';
  }
  function reset() {
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    pen();
    drawn = false;
    input.value = '';
  }
  // The bitmap to the pad's current CSS size; what was drawn is scaled onto it.
  function fit() {
    var cw = canvas.clientWidth, ch = canvas.clientHeight;  // inside the border
    if (!cw || !ch) return;  // hidden: fitted when shown
    scale = Math.min(window.devicePixelRatio || 1, 2);
    var w = Math.round(cw * scale), h = Math.round(ch * scale);
    if (w === canvas.width && h === canvas.height) return;
    var old = null;
    if (drawn) {
      old = document.createElement('canvas');
      old.width = canvas.width;
      old.height = canvas.height;
      old.getContext('2d').drawImage(canvas, 0, 0);
    }
    canvas.width = w;
    canvas.height = h;
    var had = drawn;
    reset();
    if (old) {
      ctx.drawImage(old, 0, 0, w, h);
      drawn = had;
      input.value = canvas.toDataURL('image/png');
    }
  }
  function point(e) {
    var r = canvas.getBoundingClientRect();
    return { x: (e.clientX - r.left - canvas.clientLeft) * canvas.width / canvas.clientWidth,
      y: (e.clientY - r.top - canvas.clientTop) * canvas.height / canvas.clientHeight };
  }
  canvas.style.touchAction = 'none';
  canvas.addEventListener('pointerdown', function (e) {
    fit();
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
    fit();
  }
  form.querySelectorAll('input[name="method"]').forEach(function (r) { r.addEventListener('change', sync); });
  var pending = 0;
  window.addEventListener('resize', function () {
    if (drawing) return;
    window.cancelAnimationFrame(pending);
    pending = window.requestAnimationFrame(fit);
  });
  reset();
  sync();
})();
