// publish serve: added to pages only as they are served (never written to build/).
// A top-level page listens to /_serve/events (Server-Sent Events) and passes every event on to its
// frames, so a gallery of many frames holds one connection, not one per frame (browsers allow six).
// "changed" lists the served files whose content changed: the page reloads if it is one of them
// (keeping its scroll position), swaps a changed stylesheet in place, refreshes watched images.
// "status" carries the build's errors (an overlay over the last good page) and warnings (a bar).
(() => {
  "use strict";
  if (window.__publishServe) return;
  window.__publishServe = true;

  const scrollKey = "publish-serve-scroll:" + location.pathname;
  const dismissedKey = "publish-serve-dismissed";
  // The server's own pages: the listing is redrawn on any change (a title may have changed); the gallery
  // only when outputs come or go (its frames follow their pages themselves).
  const view = document.documentElement.getAttribute("data-serve-view");
  const since = (document.currentScript && document.currentScript.dataset.since) || "";
  let lastStatus = null;
  let server = null;

  history.scrollRestoration = "manual";
  const saved = sessionStorage.getItem(scrollKey);
  if (saved !== null) {
    sessionStorage.removeItem(scrollKey);
    const [x, y] = JSON.parse(saved);
    const restore = () => window.scrollTo(x, y);
    if (document.readyState === "complete") restore();
    else window.addEventListener("load", restore, { once: true });
  }

  const here = () => {
    const p = decodeURIComponent(location.pathname);
    return p.endsWith("/") ? p + "index.html" : p;
  };
  const pathOf = (url) => {
    const u = new URL(url, location.href);
    return u.origin === location.origin ? decodeURIComponent(u.pathname) : null;
  };

  function reload() {
    sessionStorage.setItem(scrollKey, JSON.stringify([window.scrollX, window.scrollY]));
    location.reload();
  }

  function bust(url, build) {
    const u = new URL(url, location.href);
    u.searchParams.set("serve", String(build));
    return u.href;
  }

  // Swaps each changed stylesheet in place; the promise settles when every new one has loaded (or failed).
  function swapStyles(changed, build) {
    const loads = [];
    for (const link of document.querySelectorAll('link[rel~="stylesheet"]')) {
      const p = pathOf(link.href);
      if (!p || !changed.has(p)) continue;
      const next = link.cloneNode();
      next.href = bust(link.href, build);
      loads.push(new Promise((done) => {
        const drop = () => { link.remove(); done(); };
        next.addEventListener("load", drop, { once: true });
        next.addEventListener("error", drop, { once: true });
      }));
      link.after(next);
    }
    return Promise.all(loads);
  }

  function onChanged(data) {
    const changed = new Set(data.files);
    if (view === "listing" || (view ? data.listing : false)) {
      reload();
      return;
    }
    if (!view && changed.has(here())) {
      // the page changed too (a brand colour is also in its theme-color): restyle now, reload after
      swapStyles(changed, data.build).then(reload);
      return;
    }
    swapStyles(changed, data.build);
    for (const img of document.querySelectorAll("img[data-serve-watch]")) {
      if (changed.has(img.dataset.serveWatch)) img.src = bust(img.src, data.build);
    }
  }

  let host = null;
  function box() {
    if (!host) {
      host = document.createElement("publish-serve");
      const root = host.attachShadow({ mode: "open" });
      const css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = "/_serve/serve.css";
      const inner = document.createElement("div");
      inner.className = "root";
      root.append(css, inner);
    }
    if (!host.isConnected) (document.body || document.documentElement).append(host);
    return host.shadowRoot.querySelector(".root");
  }

  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    Object.assign(e, props);
    e.append(...children);
    return e;
  }

  function onStatus(status) {
    if (server !== null && status.server !== server) {
      reload(); // a new server: what it serves may differ from what this page shows
      return;
    }
    server = status.server;
    lastStatus = status;
    const root = box();
    root.replaceChildren();
    if (status.errors.length) {
      root.append(el("div", { className: "overlay", role: "alertdialog", ariaLabel: "The last rebuild failed" },
        el("div", { className: "panel" },
          el("h2", { textContent: "The last rebuild failed" }),
          el("pre", { className: "errors", textContent: status.errors.join("\n") }),
          el("p", { textContent: "The page underneath is the last good build. Fix the input and save: this goes away." }))));
    }
    const warnings = status.warnings.join("\n");
    if (warnings && sessionStorage.getItem(dismissedKey) !== warnings) {
      const bar = el("div", { className: "bar", role: "status" },
        el("pre", { className: "warnings", textContent: warnings }));
      const button = el("button", { type: "button", textContent: "Dismiss" });
      button.addEventListener("click", () => {
        sessionStorage.setItem(dismissedKey, warnings);
        bar.remove();
      });
      bar.append(button);
      root.append(bar);
    }
  }

  function dispatch(kind, data) {
    if (kind === "status") onStatus(data);
    else if (kind === "changed") onChanged(data);
    for (const frame of document.querySelectorAll("iframe")) {
      try {
        frame.contentWindow.postMessage({ publishServe: kind, data }, location.origin);
      } catch (e) { /* a frame of another origin, or gone */ }
    }
  }

  window.addEventListener("message", (e) => {
    if (e.origin !== location.origin || !e.data) return;
    if (e.data.publishServe) dispatch(e.data.publishServe, e.data.data);
    else if (e.data.publishServeHello && lastStatus && e.source) {
      e.source.postMessage({ publishServe: "status", data: lastStatus }, location.origin);
    }
  });

  const framed = window.parent !== window && (() => {
    try { return window.parent.__publishServe === true; } catch (e) { return false; }
  })();
  if (framed) {
    window.parent.postMessage({ publishServeHello: true }, location.origin);
  } else {
    const events = new EventSource("/_serve/events?since=" + encodeURIComponent(since));
    for (const kind of ["status", "changed"]) {
      events.addEventListener(kind, (e) => dispatch(kind, JSON.parse(e.data)));
    }
  }
})();
