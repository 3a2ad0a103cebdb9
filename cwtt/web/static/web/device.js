/* On every page: install the offline helper (service worker), show on the home page what is
 * kept on this device, and make signing out forget it (after warning about anything unsent).
 * The offline store itself is in /static/offline/vault.js, loaded here only when needed. */
(function () {
  "use strict";
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* offline page still works online */ });
  }

  function withVault(then) {
    if (window.CWTTVault) return then(window.CWTTVault);
    var script = document.createElement("script");
    script.src = document.querySelector("script[src*='device']").src.replace(/web\/device[^/]*\.js.*$/, "offline/vault.js");
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
          if (when) parts.push("Class lists on this phone were updated " + when + ".");
          if (s.waiting) parts.push(s.waiting + (s.waiting === 1 ? " assessment is" : " assessments are") + " waiting to be sent: open offline work to send " + (s.waiting === 1 ? "it." : "them."));
          else parts.push("Everything captured on this phone has been sent.");
          if (s.conflicts) parts.push(s.conflicts + " need" + (s.conflicts === 1 ? "s" : "") + " your decision.");
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
            if (s.waiting && !window.confirm(
              s.waiting + (s.waiting === 1 ? " assessment on this phone has" : " assessments on this phone have") +
              " not been sent yet. Signing out deletes " + (s.waiting === 1 ? "it" : "them") +
              " from this phone. Sign out anyway?")) return;
            vault.forget().then(finish, finish);
          }, function () { vault.forget().then(finish, finish); });
        });
      });
    });
  });
})();
