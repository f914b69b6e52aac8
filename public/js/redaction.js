// Progressive enhancement of the redaction form: drag on a page image to draw a box, which fills
// the next empty row of the form (page and percentages of the page); the rows are drawn back over
// the pages as outlines. Without this script the form of numbers works the same.
document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('redaction-form');
  if (!form) return;
  const pages = Array.from(document.querySelectorAll('.redact-page'));
  const field = (tr, name) => tr.querySelector(`[name$="[${name}]"]`);
  const rows = () => Array.from(form.querySelectorAll('tr[data-row]'));
  const clamp = (v) => Math.min(1, Math.max(0, v));
  const round = (v) => String(Math.round(v * 10000) / 100);

  function draw() {
    for (const page of pages) page.querySelectorAll('.redact-box').forEach((b) => b.remove());
    for (const tr of rows()) {
      const [x, y, w, h] = ['x', 'y', 'w', 'h'].map((n) => parseFloat(field(tr, n).value));
      if (![x, y, w, h].every(Number.isFinite)) continue;
      const page = pages.find((p) => p.dataset.page === field(tr, 'page').value.trim());
      if (page) page.appendChild(box(x / 100, y / 100, w / 100, h / 100, tr.querySelector('td').textContent));
    }
  }

  function box(x, y, w, h, label) {
    const el = document.createElement('span');
    el.className = 'redact-box';
    el.style.left = `${x * 100}%`;
    el.style.top = `${y * 100}%`;
    el.style.width = `${w * 100}%`;
    el.style.height = `${h * 100}%`;
    el.textContent = label || '';
    return el;
  }

  function addRow() {
    const body = form.querySelector('tbody');
    const last = body.lastElementChild;
    const copy = last.cloneNode(true);
    const index = body.children.length;
    copy.dataset.row = String(index);
    copy.querySelector('td').textContent = String(index + 1);
    copy.querySelectorAll('[name]').forEach((input) => {
      input.name = input.name.replace(/boxes\[\d+\]/, `boxes[${index}]`);
      if (input.tagName === 'INPUT') input.value = '';
    });
    body.appendChild(copy);
    return copy;
  }

  for (const page of pages) {
    const img = page.querySelector('img');
    let start = null;
    let ghost = null;
    const at = (e) => {
      const r = img.getBoundingClientRect();
      return { x: clamp((e.clientX - r.left) / r.width), y: clamp((e.clientY - r.top) / r.height) };
    };
    img.addEventListener('pointerdown', (e) => {
      e.preventDefault();
      img.setPointerCapture(e.pointerId);
      start = at(e);
      ghost = box(start.x, start.y, 0, 0, '');
      page.appendChild(ghost);
    });
    img.addEventListener('pointermove', (e) => {
      if (!start) return;
      const p = at(e);
      ghost.style.left = `${Math.min(start.x, p.x) * 100}%`;
      ghost.style.top = `${Math.min(start.y, p.y) * 100}%`;
      ghost.style.width = `${Math.abs(p.x - start.x) * 100}%`;
      ghost.style.height = `${Math.abs(p.y - start.y) * 100}%`;
    });
    img.addEventListener('pointerup', (e) => {
      if (!start) return;
      const p = at(e);
      const rect = { x: Math.min(start.x, p.x), y: Math.min(start.y, p.y), w: Math.abs(p.x - start.x), h: Math.abs(p.y - start.y) };
      start = null;
      ghost.remove();
      if (rect.w < 0.005 || rect.h < 0.005) return;
      const tr = rows().find((r) => ['x', 'y', 'w', 'h'].every((n) => field(r, n).value.trim() === '')) || addRow();
      field(tr, 'page').value = page.dataset.page;
      field(tr, 'x').value = round(rect.x);
      field(tr, 'y').value = round(rect.y);
      field(tr, 'w').value = round(rect.w);
      field(tr, 'h').value = round(rect.h);
      draw();
      field(tr, 'covers').focus();
    });
  }
  form.addEventListener('input', draw);
  draw();
});
