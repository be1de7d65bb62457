// Layout and contrast checks run in the page, on one root element (a report widget, the panel).
// Returns {problems: [...], sourceChars: [...], fontPx: [...]}; each problem names the element.
(args) => {
  const [root, sourceSelector] = args;
  const problems = [];
  const describe = (el) => {
    const cls = String(el.getAttribute('class') || '').split(/\s+/).filter(Boolean).slice(0, 3).join('.');
    const text = (el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return `${el.tagName.toLowerCase()}${cls ? '.' + cls : ''} "${text}"`;
  };
  const parse = (text) => {
    let m = text.match(/^rgba?\(([^)]+)\)$/);
    if (m) {
      const v = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
      return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1];
    }
    m = text.match(/^color\(srgb ([^)]+)\)$/);
    if (m) {
      const v = m[1].split(/[\s\/]+/).filter(Boolean).map(Number);
      return [v[0] * 255, v[1] * 255, v[2] * 255, v.length > 3 ? v[3] : 1];
    }
    return null;
  };
  const over = (top, bottom) => {  // alpha-composite top over an opaque bottom
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const luminance = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => {
    const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  // the background layers under an element, nearest first, to the first opaque one
  const backgrounds = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      const image = cs.backgroundImage;
      if (image && image.includes('gradient')) {
        const stops = (image.match(/(rgba?\([^)]+\)|color\(srgb [^)]+\))/g) || []).map(parse).filter(Boolean);
        if (stops.length) { layers.push({ options: stops }); }
      }
      const bg = parse(cs.backgroundColor);
      if (bg && bg[3] > 0) {
        layers.push({ options: [bg] });
        if (bg[3] >= 1) { return layers; }
      }
    }
    layers.push({ options: [[255, 255, 255, 1]] });
    return layers;
  };
  // a drawing's shape under an SVG text (a numbered box): a layer of its own
  const shapeUnder = (el) => {
    const r = el.getBoundingClientRect();
    const [x, y] = [r.left + r.width / 2, r.top + r.height / 2];
    // geometry, not hit-testing: the text may be scrolled out of the viewport
    const hit = [...el.closest('svg').querySelectorAll('rect, circle')].reverse().find(e => {
      const b = e.getBoundingClientRect();
      return b.width > 0 && x >= b.left && x <= b.right && y >= b.top && y <= b.bottom &&
        e.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING;
    });
    if (!hit) { return null; }
    const cs = getComputedStyle(hit);
    const fill = parse(cs.fill);
    if (!fill) { return null; }
    return [fill[0], fill[1], fill[2], fill[3] * parseFloat(cs.fillOpacity)];
  };
  // every colour the text may sit on (a gradient bar: each of its stops)
  const behind = (el) => {
    const layers = backgrounds(el).reverse();
    if (el instanceof SVGTextElement) {
      const shape = shapeUnder(el);
      if (shape) { layers.push({ options: [shape] }); }
    }
    let results = [layers[0].options[0]];
    for (const layer of layers.slice(1)) {
      const next = [];
      for (const base of results) { for (const c of layer.options) { next.push(over(c, base)); } }
      results = next;
    }
    return results;
  };
  const scrolledInside = (el) => {
    for (let p = el.parentElement; p && p !== root; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll') { return true; }
    }
    return false;
  };
  const rootBox = root.getBoundingClientRect();
  const fontPx = [];
  let checked = 0;
  for (const el of [root, ...root.querySelectorAll('*')]) {
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden' || el.closest('[hidden]') || el.closest('style,script,title')) {
      continue;
    }
    if (el.closest('details:not([open]) > :not(summary)')) { continue; }
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) { continue; }
    const svgText = el instanceof SVGTextElement;
    const ownText = svgText ? (el.textContent || '').trim() :
      [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) || el.tagName === 'INPUT' || el.tagName === 'OPTION';
    if (!svgText && el instanceof SVGElement) { continue; }
    // outside the root, with no sideways-scrolling box of its own in between
    if ((rect.right > rootBox.right + 1 || rect.left < rootBox.left - 1) && !scrolledInside(el)) {
      problems.push(`outside the root (${Math.round(rect.left)}..${Math.round(rect.right)} of ${Math.round(rootBox.left)}..${Math.round(rootBox.right)}): ${describe(el)}`);
    }
    if (!ownText) { continue; }
    // text cut off or spilling out of its own box
    if (!svgText && cs.display !== 'inline' && el.tagName !== 'OPTION' &&
        cs.overflowX !== 'auto' && cs.overflowX !== 'scroll' && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`text wider than its box (${el.scrollWidth} > ${el.clientWidth}): ${describe(el)}`);
    }
    if (cs.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`text ends in an ellipsis: ${describe(el)}`);
    }
    // legible size: SVG text as drawn on screen
    let size = parseFloat(cs.fontSize);
    if (svgText) {
      const ctm = el.getScreenCTM();
      size = size * (ctm ? Math.hypot(ctm.a, ctm.b) : 1);
      fontPx.push(size);
      if (size < 9.95) { problems.push(`drawing text at ${size.toFixed(1)} px: ${describe(el)}`); }
    }
    // contrast (WCAG AA: 4.5, or 3 for large text)
    let fg = parse(svgText ? cs.fill : cs.color);
    if (!fg) { continue; }
    const opacity = parseFloat(svgText ? cs.fillOpacity : '1') * parseFloat(cs.opacity);
    fg = [fg[0], fg[1], fg[2], fg[3] * opacity];
    const large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
    const need = large ? 3 : 4.5;
    for (const bg of behind(el)) {
      const r = ratio(over(fg, bg), bg);
      if (r < need - 0.005) {
        problems.push(`contrast ${r.toFixed(2)} < ${need}: ${describe(el)} (${cs.color}/${svgText ? cs.fill : ''} on rgb(${bg.slice(0, 3).map(Math.round)}))`);
        break;
      }
    }
    checked += 1;
  }
  // the source column: at least 30 characters of its own font
  const sourceChars = [];
  for (const cell of root.querySelectorAll(sourceSelector)) {
    if (cell.getBoundingClientRect().width === 0) { continue; }
    const probe = document.createElement('span');
    probe.textContent = '0'.repeat(30);
    probe.style.cssText = 'position:absolute;visibility:hidden;white-space:pre';
    cell.appendChild(probe);
    const ch = probe.getBoundingClientRect().width / 30;
    probe.remove();
    const cs = getComputedStyle(cell);
    const inner = cell.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    sourceChars.push(inner / ch);
    // the whole source column in view: not partly hidden behind a sideways-scrolling box
    const box = cell.getBoundingClientRect();
    for (let p = cell.parentElement; p && p !== root.parentElement; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') {
        const view = p.getBoundingClientRect();
        if (box.right > view.right + 1 || box.left < view.left - 1) {
          problems.push(`source column partly out of view (${Math.round(box.left)}..${Math.round(box.right)} in ${Math.round(view.left)}..${Math.round(view.right)}): ${describe(cell)}`);
        }
        break;
      }
    }
  }
  return { problems, sourceChars, fontPx, checked };
}
