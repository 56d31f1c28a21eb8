// What a page gets wrong for people using a screen reader or reading low-contrast text:
// form controls without a label, links and buttons without a name, and text whose contrast
// with what is behind it is under WCAG AA (4.5:1; 3:1 for large text). Returns the problems.
() => {
  const problems = [];
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 1 && box.height > 1 && style.visibility !== "hidden" && style.display !== "none";
  };
  const describe = (el) => el.outerHTML.replace(/\s+/g, " ").slice(0, 100);

  for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    const named = el.labels?.length || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
    if (!named) problems.push(`no label: ${describe(el)}`);
  }
  for (const el of document.querySelectorAll("a[href], button")) {
    const name = (el.innerText || "").trim() || el.getAttribute("aria-label") || el.getAttribute("title")
      || el.querySelector("title, img[alt]")?.textContent;
    if (!name && visible(el)) problems.push(`no name: ${describe(el)}`);
  }

  const parse = (text) => {
    const match = text.match(/rgba?\(([^)]+)\)/);
    if (!match) return null;
    const parts = match[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return { rgb: parts.slice(0, 3), alpha: parts.length > 3 ? parts[3] : 1 };
  };
  const over = (top, bottom) => top.rgb.map((v, i) => v * top.alpha + bottom[i] * (1 - top.alpha));
  // The colour behind an element: its own background and its ancestors', layered; null when
  // an image or gradient is behind it (its contrast cannot be read from colours).
  const behind = (el) => {
    const layers = [];
    for (let node = el; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.backgroundImage !== "none") return null;
      const colour = parse(style.backgroundColor);
      if (colour && colour.alpha > 0) {
        layers.push(colour);
        if (colour.alpha >= 1) break;
      }
    }
    return layers.reverse().reduce((below, layer) => over(layer, below), [255, 255, 255]);
  };
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    // SVG text is painted with fill, not color; a disabled control is exempt from AA.
    if (!node.textContent.trim() || seen.has(el) || el.closest("svg, [disabled]") || !visible(el)) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    const back = behind(el);
    const ink = parse(style.color);
    if (!back || !ink) continue;
    const [light, dark] = [luminance(over(ink, back)), luminance(back)].sort((a, b) => b - a);
    const ratio = (light + 0.05) / (dark + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      problems.push(`contrast ${ratio.toFixed(2)}:1 for "${node.textContent.trim().slice(0, 40)}" (${style.color} on rgb(${back.map(Math.round)}))`);
    }
  }
  return problems;
}
