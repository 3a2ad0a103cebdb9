/* On every page: install the offline helper (service worker), show on the home page what is
 * kept on this device, and make signing out forget it (after warning about anything unsent).
 * The offline store itself is in /static/offline/vault.js, loaded here only when needed.
 * Also: a table too wide for the screen scrolls inside its .table-wrap box; such a box is made
 * reachable by the keyboard and named after its table, so it can be scrolled without a mouse. */
(function () {
  "use strict";
  // Words through Django's JavaScript catalog when the page loads it (base.html does, for any
  // language but English); English otherwise.
  function _(s) { return window.gettext ? window.gettext(s) : s; }
  function ngettext(s, p, n) { return window.ngettext ? window.ngettext(s, p, n) : (n === 1 ? s : p); }
  function fmt(s, o) { return s.replace(/%\((\w+)\)s/g, function (m, k) { return o[k]; }); }

  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* offline page still works online */ });
  }

  function withVault(then) {
    if (window.CWTTVault) return then(window.CWTTVault);
    var script = document.createElement("script");
    script.src = document.querySelector("script[src*='device']").src.replace(/web\/device[^\/]*\.js.*$/, "offline/vault.js");
    script.onload = function () { then(window.CWTTVault); };
    document.head.appendChild(script);
  }

  function hasStore() {
    // Only look when this browser ever made the store, so signing out stays instant otherwise.
    if (!window.indexedDB || !indexedDB.databases) return Promise.resolve(true);
    return indexedDB.databases().then(function (dbs) {
      return dbs.some(function (d) { return d.name === "cwtt-offline"; });
    }, function () { return true; });
  }

  var panel = document.querySelector("[data-device-status]");
  if (panel && window.indexedDB) {
    hasStore().then(function (present) {
      if (!present) return;
      withVault(function (vault) {
        vault.status().then(function (s) {
          if (!s.exists) return;
          var text = panel.querySelector("[data-device-summary]");
          var when = s.packAt ? new Date(s.packAt).toLocaleString() : "";
          var parts = [];
          if (when) parts.push(fmt(_("Class lists on this phone were updated %(when)s."), { when: when }));
          if (s.waiting) parts.push(fmt(ngettext("%(n)s assessment is waiting to be sent: open offline work to send it.", "%(n)s assessments are waiting to be sent: open offline work to send them.", s.waiting), { n: s.waiting }));
          else parts.push(_("Everything captured on this phone has been sent."));
          if (s.conflicts) parts.push(fmt(ngettext("%(n)s needs your decision.", "%(n)s need your decision.", s.conflicts), { n: s.conflicts }));
          text.textContent = parts.join(" ");
          panel.dataset.state = s.waiting ? "pending" : "ready";
        });
      });
    });
  }

  document.querySelectorAll("form[data-sign-out]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.forgotten) return;
      event.preventDefault();
      var finish = function () {
        if (!navigator.onLine) {
          // No network to reach the server: the phone has forgotten everything; say so.
          var main = document.querySelector("main");
          main.innerHTML = "";
          var p = document.createElement("p");
          p.className = "ok";
          p.setAttribute("role", "status");
          p.textContent = form.dataset.offlineMessage;
          main.appendChild(p);
          return;
        }
        form.dataset.forgotten = "1";
        form.submit();
      };
      if (!window.indexedDB) return finish();
      hasStore().then(function (present) {
        if (!present) return finish();
        withVault(function (vault) {
          vault.status().then(function (s) {
            if (s.waiting && !window.confirm(fmt(ngettext(
              "%(n)s assessment on this phone has not been sent yet. Signing out deletes it from this phone. Sign out anyway?",
              "%(n)s assessments on this phone have not been sent yet. Signing out deletes them from this phone. Sign out anyway?",
              s.waiting), { n: s.waiting }))) return;
            vault.forget().then(finish, finish);
          }, function () { vault.forget().then(finish, finish); });
        });
      });
    });
  });
})();

(function () {
  "use strict";
  // Name of the scrolling box: the table's own name (aria-labelledby or caption), else the
  // nearest heading before it.
  function nameOf(wrap) {
    var table = wrap.querySelector("table");
    if (table && table.getAttribute("aria-labelledby")) {
      return { by: table.getAttribute("aria-labelledby") };
    }
    if (table && table.getAttribute("aria-label")) return { text: table.getAttribute("aria-label") };
    if (table && table.caption) return { text: table.caption.textContent.trim() };
    for (var node = wrap; node && node !== document.body; node = node.parentElement) {
      for (var before = node.previousElementSibling; before; before = before.previousElementSibling) {
        var heading = /^H[1-6]$/.test(before.tagName) ? before : before.querySelector("h1, h2, h3, h4, h5, h6");
        if (heading && heading.textContent.trim()) return { text: heading.textContent.trim() };
      }
    }
    return { text: document.title };
  }

  function mark() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        var name = nameOf(wrap);
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        if (name.by) wrap.setAttribute("aria-labelledby", name.by);
        else wrap.setAttribute("aria-label", name.text);
        wrap.dataset.scrolls = "1";
      } else if (!scrolls && wrap.dataset.scrolls) {
        ["tabindex", "role", "aria-labelledby", "aria-label", "data-scrolls"].forEach(function (attr) {
          wrap.removeAttribute(attr);
        });
      }
    });
  }

  var waiting = null;
  function soon() {
    if (waiting) window.clearTimeout(waiting);
    waiting = window.setTimeout(function () { waiting = null; mark(); }, 150);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mark);
  else mark();
  window.addEventListener("resize", soon);
  // Tables that arrive later (htmx swaps, the offline pages drawn by script) are looked at too.
  if (window.MutationObserver) {
    new MutationObserver(soon).observe(document.body, { childList: true, subtree: true });
  }
  // Escape closes the phone menu and puts the focus back on its button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector("details.menu[open]");
    if (!open) return;
    open.removeAttribute("open");
    open.querySelector("summary").focus();
  });
})();
