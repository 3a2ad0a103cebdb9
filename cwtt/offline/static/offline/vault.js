/* The phone's encrypted store for offline work (docs/offline.md, decision 0023).
 *
 * Everything personal — class lists, questionnaires' answers, conflicts — is kept in IndexedDB
 * encrypted with AES-GCM (the browser's own Web Crypto). The key is derived from the person's
 * password with PBKDF2 (SHA-256, ITERATIONS rounds, a random salt) each time the offline page
 * is opened, and lives only in that page's memory: it is never written down, so the store on
 * its own cannot be read. A small encrypted "check" value tells a wrong password from a right
 * one without the network.
 *
 * Stored in the clear: the salt, the check, and for each record its id, state and time (no
 * names, no answers), so the home page can say "3 assessments waiting to be sent" while locked.
 */
(function () {
  "use strict";
  var DB_NAME = "cwtt-offline";
  var ITERATIONS = 310000; // OWASP's figure for PBKDF2-SHA256 in 2023; about a second on a cheap phone
  var CHECK = "cwtt-offline-check";
  var enc = new TextEncoder();
  var dec = new TextDecoder();

  function request(req) {
    return new Promise(function (resolve, reject) {
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  var opening = null;
  var forgotten = false; // once this page has deleted the store, it never makes a new one
  function open() {
    if (forgotten) return Promise.reject(new Error("The offline store was deleted on sign-out."));
    if (opening) return opening;
    var req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = function () {
      var db = req.result;
      db.createObjectStore("meta");
      db.createObjectStore("records", { keyPath: "uuid" });
    };
    opening = request(req).then(function (db) {
      // Another tab signing out deletes the store: let go of it at once.
      db.onversionchange = function () { db.close(); opening = null; };
      return db;
    });
    return opening;
  }

  function tx(store, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(store, mode);
        var result;
        Promise.resolve(work(t.objectStore(store))).then(function (r) { result = r; });
        t.oncomplete = function () { resolve(result); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
      });
    });
  }

  // Bytes to base64 a slice at a time: passing a whole pack's bytes (a megabyte and more) as the
  // arguments of one call overflows the browser's stack ("Maximum call stack size exceeded").
  var SLICE = 0x8000;
  function b64(bytes) {
    var view = new Uint8Array(bytes);
    var parts = [];
    for (var at = 0; at < view.length; at += SLICE) {
      parts.push(String.fromCharCode.apply(null, view.subarray(at, at + SLICE)));
    }
    return btoa(parts.join(""));
  }
  function unb64(text) {
    var binary = atob(text);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function deriveKey(password, salt) {
    return crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, ["deriveKey"])
      .then(function (material) {
        return crypto.subtle.deriveKey(
          { name: "PBKDF2", salt: salt, iterations: ITERATIONS, hash: "SHA-256" },
          material, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
      });
  }

  function seal(key, value) {
    var iv = crypto.getRandomValues(new Uint8Array(12));
    return crypto.subtle.encrypt({ name: "AES-GCM", iv: iv }, key, enc.encode(JSON.stringify(value)))
      .then(function (ct) { return { iv: b64(iv), ct: b64(ct) }; });
  }

  function unseal(key, box) {
    return crypto.subtle.decrypt({ name: "AES-GCM", iv: unb64(box.iv) }, key, unb64(box.ct))
      .then(function (plain) { return JSON.parse(dec.decode(plain)); });
  }

  function Vault(key, user) { this.key = key; this.user = user; }

  Vault.prototype.savePack = function (pack) {
    var self = this;
    return seal(this.key, pack).then(function (box) {
      return tx("meta", "readwrite", function (s) { s.put({ box: box, at: new Date().toISOString() }, "pack"); });
    }).then(function () { return self; });
  };
  Vault.prototype.pack = function () {
    var key = this.key;
    return tx("meta", "readonly", function (s) { return request(s.get("pack")); })
      .then(function (row) { return row ? unseal(key, row.box) : null; });
  };
  // A record: { uuid, state, updated, ...secret }. `secret` (answers, child, conflict) is sealed.
  Vault.prototype.putRecord = function (record) {
    var open = { uuid: record.uuid, state: record.state, updated: new Date().toISOString() };
    return seal(this.key, record).then(function (box) {
      open.box = box;
      return tx("records", "readwrite", function (s) { s.put(open); });
    });
  };
  Vault.prototype.records = function () {
    var key = this.key;
    return tx("records", "readonly", function (s) { return request(s.getAll()); })
      .then(function (rows) {
        return Promise.all(rows.map(function (row) { return unseal(key, row.box); }));
      });
  };
  Vault.prototype.record = function (uuid) {
    var key = this.key;
    return tx("records", "readonly", function (s) { return request(s.get(uuid)); })
      .then(function (row) { return row ? unseal(key, row.box) : null; });
  };
  Vault.prototype.removeRecord = function (uuid) {
    return tx("records", "readwrite", function (s) { s.delete(uuid); });
  };

  function setUp(password, user) {
    var salt = crypto.getRandomValues(new Uint8Array(16));
    return deriveKey(password, salt).then(function (key) {
      return seal(key, CHECK).then(function (check) {
        return tx("meta", "readwrite", function (s) {
          s.put({ salt: b64(salt), check: check, user: user }, "vault");
        }).then(function () { return new Vault(key, user); });
      });
    });
  }

  function unlock(password) {
    return tx("meta", "readonly", function (s) { return request(s.get("vault")); })
      .then(function (meta) {
        if (!meta) return null;
        return deriveKey(password, unb64(meta.salt)).then(function (key) {
          return unseal(key, meta.check).then(
            function (value) { if (value !== CHECK) throw new Error("wrong"); return new Vault(key, meta.user); },
            function () { var e = new Error("wrong password"); e.wrongPassword = true; throw e; });
        });
      });
  }

  function status() {
    // Readable while locked: who the store belongs to and how many records wait to be sent.
    return Promise.all([
      tx("meta", "readonly", function (s) { return request(s.get("vault")); }),
      tx("meta", "readonly", function (s) { return request(s.get("pack")); }),
      tx("records", "readonly", function (s) { return request(s.getAll()); })
    ]).then(function (r) {
      var rows = r[2] || [];
      return {
        exists: Boolean(r[0]),
        user: r[0] ? r[0].user : null,
        packAt: r[1] ? r[1].at : null,
        waiting: rows.filter(function (x) { return x.state !== "sent"; }).length,
        conflicts: rows.filter(function (x) { return x.state === "conflict"; }).length
      };
    });
  }

  function forget(options) {
    // Delete everything this site stored on the device: the encrypted store, the caches and
    // the offline helper itself (it registers again on the next page).
    // On sign-out the page must not make a new store; `reuse` is for starting afresh at once
    // (a store left by someone else on this phone).
    forgotten = !(options && options.reuse);
    var closing = opening ? opening.then(function (db) { db.close(); }, function () {}) : Promise.resolve();
    opening = null;
    window.dispatchEvent(new Event("cwtt:forgotten"));
    var jobs = [closing.then(function () { return new Promise(function (resolve) {
      var req = indexedDB.deleteDatabase(DB_NAME);
      req.onsuccess = req.onerror = req.onblocked = function () { resolve(); };
    }); })];
    if (navigator.serviceWorker && navigator.serviceWorker.getRegistrations) {
      jobs.push(navigator.serviceWorker.getRegistrations().then(function (all) {
        return Promise.all(all.map(function (r) { return r.unregister(); }));
      }, function () {}));
    }
    if (window.caches) {
      jobs.push(caches.keys().then(function (names) {
        return Promise.all(names.map(function (n) { return caches.delete(n); }));
      }));
    }
    return Promise.all(jobs);
  }

  window.CWTTVault = { setUp: setUp, unlock: unlock, status: status, forget: forget };
})();
