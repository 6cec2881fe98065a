// MathJax 2 configuration of the site. MathJax itself is copied at build time
// from the jupyter-server-mathjax package (docs/hooks.py): no CDN. That package
// ships the combined configuration TeX-AMS-MML_HTMLorMML-full and the STIX-Web
// fonts, so the HTML-CSS output uses those fonts and nothing else. Only the math
// that pymdownx.arithmatex marked (class "arithmatex") is typeset.
window.MathJax = {
  config: ["TeX-AMS-MML_HTMLorMML-full.js"],
  jax: ["input/TeX", "output/HTML-CSS"],
  tex2jax: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    ignoreClass: ".*|",
    processClass: "arithmatex",
  },
  "HTML-CSS": {
    availableFonts: [],
    preferredFont: null,
    webFont: "STIX-Web",
    imageFont: null,
    linebreaks: { automatic: true },
  },
  "fast-preview": { disabled: true },
  messageStyle: "none",
  showMathMenu: false,
};
