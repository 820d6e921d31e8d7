/* audit.js: measures the rendered report, for tests/browser/render.sh.
 * Injected at the end of a copy of the page (the page itself runs no
 * script); writes its findings into <pre id="audit">, which Chromium's
 * --dump-dom prints.  One finding a line, after "AUDIT ":
 *   width W SCROLLW      the viewport's width and the page's scroll width
 *                        (more than W: something sticks out sideways)
 *   wide TAG.CLASS R     an element reaching past the viewport (R: its right)
 *   text N               text nodes measured
 *   minsize PX TEXT      the smallest rendered text, in CSS px: the
 *                        computed font size times the scale of the SVG
 *                        it is in (a chart shrunk to fit is smaller)
 *   mincontrast R TEXT   the lowest WCAG 2.1 contrast ratio of a text
 *   small PX TEXT        every text under 11 px
 *   low R FG BG TEXT     every text under 4.5:1
 *   last TEXT            the last cell of each table's first and last row
 *                        (the print check looks for them in the PDF)
 * Contrast: the text's colour (fill in SVG) against its effective
 * background: in HTML the first opaque background-color up the tree,
 * translucent ones blended over it; in SVG the last shape drawn before
 * the text whose box holds the text's centre, else the SVG's HTML
 * background. */
(function () {
	var out = [];
	var W = document.documentElement.clientWidth;
	function rgba(s) {
		var m = s && s.match(/[\d.]+/g);
		if (!m || s.indexOf('rgb') !== 0)
			return null;
		return m.map(Number);
	}
	function lin(v) {
		v /= 255;
		return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
	}
	function lum(c) {
		return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
	}
	function over(fg, bg) {
		var a = fg.length > 3 ? fg[3] : 1;
		return [0, 1, 2].map(function (i) { return fg[i] * a + bg[i] * (1 - a); });
	}
	function htmlBg(el) {
		var layers = [];
		for (var e = el; e && e.nodeType === 1; e = e.parentElement) {
			var c = rgba(getComputedStyle(e).backgroundColor);
			if (c && (c.length < 4 || c[3] > 0)) {
				layers.push(c);
				if (c.length < 4 || c[3] >= 1)
					break;
			}
		}
		var bg = [255, 255, 255];
		for (var i = layers.length - 1; i >= 0; i--)
			bg = over(layers[i], bg);
		return bg;
	}
	function svgBg(t, svg) {
		var b = t.getBoundingClientRect(), x = b.left + b.width / 2, y = b.top + b.height / 2;
		var shapes = svg.querySelectorAll('rect,circle,path,polygon');
		var bg = null;
		for (var i = 0; i < shapes.length; i++) {
			var s = shapes[i];
			if (s.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_PRECEDING)
				break;	/* drawn after the text: on top, not under */
			var r = s.getBoundingClientRect();
			var f = rgba(getComputedStyle(s).fill);
			if (f && r.left <= x && x <= r.right && r.top <= y && y <= r.bottom)
				bg = f;
		}
		var base = htmlBg(svg);
		return bg ? over(bg, base) : base;
	}
	var minSize = 1e9, minSizeText = '', minRatio = 1e9, minRatioText = '', n = 0;
	var walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (var node; (node = walk.nextNode()); ) {
		var text = node.nodeValue.replace(/\s+/g, ' ').trim();
		var p = node.parentElement;
		if (!text || !p || p.closest('title,desc,style,script,#audit'))
			continue;
		if (!p.getClientRects().length)
			continue;	/* not rendered */
		var cs = getComputedStyle(p);
		if (cs.visibility === 'hidden')
			continue;
		var svg = p.closest('svg'), size = parseFloat(cs.fontSize), fg, bg;
		if (svg) {
			var vb = svg.viewBox.baseVal;
			if (vb && vb.width)
				size *= svg.getBoundingClientRect().width / vb.width;
			fg = rgba(cs.fill);
			bg = svgBg(p, svg);
		} else {
			fg = rgba(cs.color);
			bg = htmlBg(p);
		}
		if (!fg)
			continue;
		fg = over(fg, bg);
		var l1 = lum(fg), l2 = lum(bg);
		var ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
		var shown = text.slice(0, 40);
		n++;
		if (size < minSize) { minSize = size; minSizeText = shown; }
		if (ratio < minRatio) { minRatio = ratio; minRatioText = shown; }
		if (size < 11 - 1e-6)
			out.push('small ' + size.toFixed(2) + ' ' + shown);
		if (ratio < 4.5)
			out.push('low ' + ratio.toFixed(2) + ' rgb(' + fg.map(Math.round) + ') rgb(' +
				 bg.map(Math.round) + ') ' + shown);
	}
	out.unshift('width ' + W + ' ' + document.documentElement.scrollWidth);
	var all = document.body.getElementsByTagName('*'), wide = 0;
	for (var i = 0; i < all.length && wide < 20; i++) {
		var e = all[i], r = e.getBoundingClientRect();
		if (r.right <= W + 0.5 || !r.width)
			continue;
		var clipped = false;
		for (var a = e.parentElement; a && a !== document.body; a = a.parentElement) {
			var ox = getComputedStyle(a).overflowX;
			if (ox !== 'visible' && a.getBoundingClientRect().right <= W + 0.5) {
				clipped = true;
				break;
			}
		}
		if (!clipped) {
			out.push('wide ' + e.tagName.toLowerCase() + '.' + (e.getAttribute('class') || '') +
				 ' ' + Math.round(r.right));
			wide++;
		}
	}
	out.push('text ' + n);
	out.push('minsize ' + minSize.toFixed(2) + ' ' + minSizeText);
	out.push('mincontrast ' + minRatio.toFixed(2) + ' ' + minRatioText);
	var tables = document.querySelectorAll('table');
	for (var t = 0; t < tables.length; t++) {
		var rows = tables[t].rows;
		if (!rows.length)
			continue;
		[rows[0], rows[rows.length - 1]].forEach(function (row) {
			var c = row.cells[row.cells.length - 1];
			var s = c && c.textContent.replace(/\s+/g, ' ').trim();
			if (s)
				out.push('last ' + s);
		});
	}
	var pre = document.createElement('pre');
	pre.id = 'audit';
	pre.textContent = out.map(function (l) { return '\nAUDIT ' + l; }).join('') + '\n';
	document.body.appendChild(pre);
	if (document.currentScript)
		document.currentScript.remove();
})();
