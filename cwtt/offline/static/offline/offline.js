/* Offline work on a phone (docs/offline.md).
 *
 * Views, chosen by the address's #fragment: home, class/ID, capture/CHILD/RESPONDENT,
 * conflict/UUID. Everything personal comes from, and goes back to, the encrypted store
 * (vault.js). Records are sent one by one, each with the id the phone gave it and the server
 * version it started from (cwtt/offline/sync.py), whenever there is a network: on opening, when
 * the signal comes back, every 30 seconds while something waits, and on "Send now".
 */
(function () {
  "use strict";
  var root = document.getElementById("offline-app");
  if (!root) return;
  var _ = window.gettext || function (s) { return s; };
  var ngettext = window.ngettext || function (s, p, n) { return n === 1 ? s : p; };
  var fmt = window.interpolate || function (s, o) { return s.replace(/%\((\w+)\)s/g, function (m, k) { return o[k]; }); };
  var Vault = window.CWTTVault;
  var me = Number(root.dataset.user);
  var STALE_AFTER_MS = 6 * 3600 * 1000;
  var RETRY_AFTER_MS = 3000; // after a failed send while the phone says it is online
  var state = { vault: null, pack: null, records: [], syncing: false, signedOut: false, form: null, editing: null };

  var LOCALE = (document.documentElement.lang || "en") + "-ZA";
  function when(iso) { return new Date(iso).toLocaleString(LOCALE, { dateStyle: "medium", timeStyle: "short" }); }
  function $(sel, scope) { return (scope || root).querySelector(sel); }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function uuid4() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function today() {
    var d = new Date(); d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
    return d.toISOString().slice(0, 10);
  }
  // Today, or the wave's last day once it has ended (its first before it starts), as the
  // capture page does (assessments.actions.default_interview_date).
  function interviewDay(wave) {
    var day = today();
    if (wave && wave.starts_on && day < wave.starts_on) day = wave.starts_on;
    if (wave && wave.ends_on && day > wave.ends_on) day = wave.ends_on;
    return day;
  }
  function show(name) {
    root.querySelectorAll("[data-view]").forEach(function (v) { v.hidden = v.dataset.view !== name; });
    var heading = $("[data-view='" + name + "'] h1");
    if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({ preventScroll: true }); }
    window.scrollTo(0, 0);
  }
  function flash(text, kind) {
    var box = $("[data-flash]");
    box.innerHTML = "";
    if (text) box.appendChild(el("p", { "class": kind || "ok" }, text));
  }
  function cookie(name) {
    var m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : "";
  }

  // --- network state ---------------------------------------------------------------------
  function netText() {
    var line = $("[data-net]");
    line.textContent = "";
    if (!navigator.onLine) {
      line.textContent = _("No signal: you can keep working. What you capture is kept on this phone, locked, and sent when the signal comes back.");
    } else if (state.signedOut) {
      line.append(_("You are online, but your sign-in has ended. "));
      line.appendChild(el("a", { href: root.dataset.signInUrl }, _("Sign in again to send your work.")));
    } else {
      line.textContent = _("Online.");
    }
    line.className = "net-state " + (navigator.onLine && !state.signedOut ? "online" : "offline");
  }
  window.addEventListener("online", function () { netText(); sendAll(true); });
  // Signing out deleted the store: drop everything this page still holds in memory.
  window.addEventListener("cwtt:forgotten", function () {
    state.vault = null; state.pack = null; state.records = []; state.form = null; state.editing = null;
  });
  window.addEventListener("offline", netText);

  // --- the pack: class lists and questionnaires ------------------------------------------
  function children() {
    var all = [];
    (state.pack ? state.pack.schools : []).forEach(function (s) {
      s.classes.forEach(function (c) { c.children.forEach(function (k) { all.push(k); }); });
      (s.unplaced || []).forEach(function (k) { all.push(k); });
    });
    return all;
  }
  function child(id) { return children().filter(function (c) { return c.id === id; })[0]; }
  function classOf(childId) {
    var found = null;
    (state.pack ? state.pack.schools : []).forEach(function (s) {
      s.classes.forEach(function (c) { if (c.children.some(function (k) { return k.id === childId; })) found = c; });
    });
    return found;
  }
  function respondentLabel(code) {
    var hit = state.pack.respondents.filter(function (r) { return r[0] === code; })[0];
    return hit ? hit[1] : code;
  }
  function wavesFor(kid) {
    return state.pack.waves.filter(function (w) { return !w.schools.length || w.schools.indexOf(kid.school) >= 0; });
  }

  function fetchPack() {
    return fetch(root.dataset.packUrl, { credentials: "same-origin", redirect: "manual", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
          state.signedOut = true; netText();
          throw new Error(_("Your sign-in has ended. Sign in again, then update the class lists."));
        }
        if (!response.ok) throw new Error(_("The server could not give the class lists. Try again later."));
        return response.json();
      })
      .then(function (pack) { state.pack = pack; return state.vault.savePack(pack); });
  }

  // --- records kept on the phone ---------------------------------------------------------
  function loadRecords() {
    return state.vault.records().then(function (rows) { state.records = rows; });
  }
  function saveRecord(record) {
    return state.vault.putRecord(record).then(loadRecords);
  }
  function recordFor(childId, respondent) {
    return state.records.filter(function (r) {
      return r.child === childId && r.respondent === respondent && !(r.state === "sent" && r.status === "submitted");
    })[0];
  }
  function serverDraftFor(childId, respondent) {
    return (state.pack.drafts || []).filter(function (d) { return d.child === childId && d.respondent === respondent; })[0];
  }
  function doneOnServer(childId, respondent) {
    return (state.pack.done || []).some(function (key) {
      var p = key.split(":"); return Number(p[0]) === childId && p[2] === respondent;
    }) || state.records.some(function (r) {
      return r.child === childId && r.respondent === respondent && r.status === "submitted" && r.state === "sent";
    });
  }

  // --- sending ---------------------------------------------------------------------------
  // Requests this page makes by itself carry this header: they do not count as the person
  // using CWTT, so they never keep a sign-in alive past its idle time (cwtt/access/idle.py).
  var AUTOMATIC = { "X-CWTT-Automatic": "1" };

  function checkSession() {
    return fetch(root.dataset.sessionUrl, { credentials: "same-origin", redirect: "manual", headers: AUTOMATIC }).then(function (response) {
      if (response.type === "opaqueredirect" || !response.ok) { state.signedOut = true; netText(); return null; }
      state.signedOut = false; netText();
      return response.json().then(function (data) { return data.csrf; });
    });
  }

  function sendOne(record, csrf, automatic) {
    var body = {
      uuid: record.uuid, child: record.child, wave: record.wave, respondent: record.respondent,
      answers: record.answers, assessed_on: record.assessed_on, status: record.status,
      informant_caregiver: record.informant_caregiver || null,
      base_revision: record.base_revision || null, keep_alongside: record.keep_alongside || [],
      repeat_reason: record.repeat_reason || ""
    };
    return fetch(root.dataset.syncUrl, {
      method: "POST", credentials: "same-origin", redirect: "manual",
      headers: Object.assign({ "Content-Type": "application/json", "X-CSRFToken": csrf }, automatic ? AUTOMATIC : {}),
      body: JSON.stringify(body)
    }).then(function (response) {
      // The sign-in ended (401 after the idle time): the record stays waiting on the phone.
      if (response.type === "opaqueredirect" || response.status === 401) { state.signedOut = true; netText(); return "stop"; }
      return response.json().then(function (data) {
        if (response.ok) {
          record.state = "sent";
          record.base_revision = data.revision;
          record.sent_at = new Date().toISOString();
          record.errors = null; record.conflict = null;
          // Registered twice and merged: saved on the kept record, so the phone's copy moves there
          // and the class lists are fetched again (decision 0043).
          if (data.moved_to) { record.child = data.moved_to; state.moved = data.message; }
          if (record.status === "submitted") record.answers = {}; // sent: the phone keeps only a receipt
        } else if (response.status === 409) {
          record.state = "conflict"; record.conflict = data;
        } else {
          record.state = "problem"; record.errors = data.errors || {};
        }
        return state.vault.putRecord(record);
      }, function () { return "stop"; });
    });
  }

  // `automatic`: started by the page itself (signal back, the timer), not by the person.
  function sendAll(automatic) {
    if (!state.vault || state.syncing || !navigator.onLine) return Promise.resolve();
    var waiting = state.records.filter(function (r) { return r.state === "waiting"; });
    if (!waiting.length) return Promise.resolve();
    state.syncing = true;
    var failed = false;
    return checkSession().then(function (csrf) {
      if (!csrf) return;
      return waiting.reduce(function (chain, record) {
        return chain.then(function (stop) { return stop === "stop" ? stop : sendOne(record, csrf, automatic); });
      }, Promise.resolve());
    }).catch(function () {
      // The network failed mid-way (a signal that comes and goes): try again shortly.
      failed = true;
    })
      .then(loadRecords)
      .catch(function () { /* the store was deleted (sign-out): nothing left to show */ })
      .then(function () {
        state.syncing = false;
        if (!state.vault) return;
        var sent = waiting.filter(function (w) { return state.records.some(function (r) { return r.uuid === w.uuid && r.state === "sent"; }); }).length;
        if (sent) flash(fmt(ngettext("%(n)s assessment was sent.", "%(n)s assessments were sent.", sent), { n: sent }, true) + (state.moved ? " " + state.moved : ""));
        if (state.moved) {
          state.moved = null;
          return fetchPack().catch(function () { /* kept until the next update */ }).then(route);
        }
        route();
        if (failed && navigator.onLine) setTimeout(function () { sendAll(true); }, RETRY_AFTER_MS);
      });
  }
  setInterval(function () { if (state.records.some(function (r) { return r.state === "waiting"; })) sendAll(true); }, 30000);

  // --- views -----------------------------------------------------------------------------
  function renderHome() {
    var time = $("[data-pack-time]");
    time.textContent = state.pack ? fmt(_("Class lists on this phone were updated %(when)s."), { when: when(state.pack.generated_at) }, true) : "";
    var attention = $("[data-attention]");
    attention.innerHTML = "";
    var list = $("[data-outbox]");
    list.innerHTML = "";
    var shown = state.records.filter(function (r) { return r.state !== "sent" || r.status === "submitted"; });
    shown.sort(function (a, b) { return (b.saved_at || "").localeCompare(a.saved_at || ""); });
    shown.forEach(function (r) {
      var kid = child(r.child);
      var item = el("li", { "class": "task" + (r.state === "conflict" || r.state === "problem" ? " overdue" : ""), "data-record": r.uuid });
      var label = (kid ? kid.name : r.child_name || "") + " — " + respondentLabel(r.respondent);
      var what = {
        waiting: r.status === "draft" ? _("Draft, waiting to be sent") : _("Finished, waiting to be sent"),
        sent: _("Sent"),
        conflict: _("Changed somewhere else: decide which answers to keep"),
        problem: _("The server found a problem: open it to fix")
      }[r.state] || r.state;
      var badge = el("span", { "class": "badge " + (r.state === "sent" ? "level-low" : r.state === "waiting" ? "level-moderate" : "level-high") }, what);
      item.appendChild(badge);
      item.append(" ");
      var link = r.state === "conflict" ? "#conflict/" + r.uuid : "#capture/" + r.child + "/" + r.respondent;
      if (r.state === "sent") item.appendChild(el("span", {}, label));
      else item.appendChild(el("a", { href: link }, label));
      list.appendChild(item);
    });
    $("[data-outbox-empty]").hidden = shown.some(function (r) { return r.state !== "sent"; });
    $("[data-send]").hidden = !state.records.some(function (r) { return r.state === "waiting"; });
    var conflicts = state.records.filter(function (r) { return r.state === "conflict"; }).length;
    if (conflicts) attention.appendChild(el("p", { "class": "alert", role: "alert" }, fmt(ngettext("%(n)s assessment was changed somewhere else while you worked. Open it to decide which answers to keep.", "%(n)s assessments were changed somewhere else while you worked. Open each to decide which answers to keep.", conflicts), { n: conflicts }, true)));
    var schools = $("[data-schools]");
    schools.innerHTML = "";
    (state.pack ? state.pack.schools : []).forEach(function (s) {
      var card = el("section", { "class": "card" });
      card.appendChild(el("h3", { "class": "card-title" }, s.name));
      var ul = el("ul", { "class": "plain-list" });
      s.classes.forEach(function (c) {
        var li = el("li");
        li.appendChild(el("a", { href: "#class/" + c.id }, c.name));
        li.append(" ");
        li.appendChild(el("span", { "class": "muted" }, fmt(ngettext("%(n)s child", "%(n)s children", c.children.length), { n: c.children.length }, true)));
        ul.appendChild(li);
      });
      card.appendChild(ul);
      schools.appendChild(card);
    });
    show("home");
  }

  function renderClass(classId) {
    var found = null;
    state.pack.schools.forEach(function (s) { s.classes.forEach(function (c) { if (c.id === classId) found = c; }); });
    if (!found) return renderHome();
    $("[data-class-name]").textContent = found.name;
    var ul = $("[data-children]");
    ul.innerHTML = "";
    found.children.forEach(function (kid) {
      var li = el("li", { "class": "task" });
      li.appendChild(el("strong", {}, kid.name));
      var row = el("div", { "class": "respondent-links" });
      state.pack.respondents.forEach(function (r) {
        var code = r[0];
        var local = recordFor(kid.id, code);
        var status = local ? (local.state === "waiting" ? _("on this phone") : local.state === "sent" ? _("draft sent") : _("needs you"))
          : doneOnServer(kid.id, code) ? _("done") : serverDraftFor(kid.id, code) ? _("draft") : "";
        var a = el("a", { href: "#capture/" + kid.id + "/" + code, "class": "button small" }, r[1]);
        row.appendChild(a);
        if (status) row.appendChild(el("span", { "class": "muted status-note" }, "(" + status + ")"));
      });
      li.appendChild(row);
      ul.appendChild(li);
    });
    show("class");
  }

  // The answers into the form, a repeat's rows as that many rows (capture.js).
  function setValues(form, answers) { window.CWTTCapture.fill(form, answers); }

  function putQuestions(version, respondent, language, answers) {
    var form = $("[data-offline-capture]");
    var html = state.pack.forms[version + ":" + respondent + ":" + language];
    if (html === undefined) html = state.pack.forms[version + ":" + respondent + ":"] || "";
    var box = $("[data-questions]");
    box.innerHTML = html; // the server's own questionnaire fragment (web/_questions.html), no child data
    box.setAttribute("lang", language || "en");
    setValues(form, answers);
    state.form = window.CWTTCapture.attach(form);
    state.editing.language = language;
    root.querySelectorAll("[data-languages] button").forEach(function (b) {
      b.setAttribute("aria-pressed", b.dataset.lang === language ? "true" : "false");
    });
  }

  function renderCapture(childId, respondent) {
    var kid = child(childId);
    if (!kid || !state.pack.respondents.some(function (r) { return r[0] === respondent; })) return renderHome();
    var waves = wavesFor(kid);
    if (!waves.length) { flash(_("There is no assessment wave for this school yet."), "alert"); return renderHome(); }
    var local = recordFor(childId, respondent);
    var draft = !local && serverDraftFor(childId, respondent);
    var record = local || (draft ? {
      uuid: draft.uuid, child: childId, wave: draft.wave, respondent: respondent, answers: draft.answers,
      assessed_on: draft.assessed_on, informant_caregiver: draft.informant_caregiver, base_revision: draft.revision
    } : { uuid: uuid4(), child: childId, wave: waves[0].id, respondent: respondent, answers: {}, assessed_on: interviewDay(waves[0]), base_revision: null });
    state.editing = { record: record, language: "" };
    $("[data-capture-title]").textContent = fmt(_("%(who)s questions for %(name)s"), { who: respondentLabel(respondent), name: kid.first_name }, true);
    var klass = classOf(childId);
    var back = $("[data-back-to-class]");
    back.href = klass ? "#class/" + klass.id : "#home";
    back.textContent = klass ? klass.name : _("Class");
    var cannot = kid.cannot_submit && kid.cannot_submit[respondent];
    var note = $("[data-cannot-submit]");
    note.hidden = !cannot;
    note.textContent = cannot || "";
    $("[data-finish]").disabled = Boolean(cannot);
    var errorsBox = $("[data-form-errors]");
    errorsBox.innerHTML = "";
    var waveSelect = $("[data-wave]");
    waveSelect.innerHTML = "";
    waves.forEach(function (w) {
      var o = el("option", { value: w.id }, w.name);
      if (w.id === record.wave) o.selected = true;
      waveSelect.appendChild(o);
    });
    $("[data-date]").value = record.assessed_on || today();
    var informantField = $("[data-informant-field]");
    informantField.hidden = respondent !== "caregiver";
    var informant = $("[data-informant]");
    informant.innerHTML = "";
    informant.appendChild(el("option", { value: "" }, _("— choose —")));
    (kid.caregivers || []).forEach(function (c) {
      var o = el("option", { value: c.id }, c.label);
      if (c.id === record.informant_caregiver) o.selected = true;
      informant.appendChild(o);
    });
    var langs = $("[data-languages]");
    langs.innerHTML = "";
    $("[data-language-field]").hidden = state.pack.languages.length < 2;
    state.pack.languages.forEach(function (l) {
      var b = el("button", { type: "button", "class": "secondary small", "data-lang": l[0], "aria-pressed": "false" }, l[1]);
      b.addEventListener("click", function () {
        var version = waveOf(Number(waveSelect.value)).version;
        putQuestions(version, respondent, l[0], state.form.values());
      });
      langs.appendChild(b);
    });
    putQuestions(waveOf(record.wave).version, respondent, "", record.answers);
    if (record.state === "problem" && record.errors) showErrors(record.errors);
    show("capture");
  }
  function waveOf(id) { return state.pack.waves.filter(function (w) { return w.id === id; })[0] || state.pack.waves[0]; }

  function showErrors(errors) {
    var form = $("[data-offline-capture]");
    form.querySelectorAll(".field .error").forEach(function (e) { e.remove(); });
    form.querySelectorAll(".field.has-error").forEach(function (f) { f.classList.remove("has-error"); });
    var box = $("[data-form-errors]");
    box.innerHTML = "";
    var first = null;
    Object.keys(errors).forEach(function (name) {
      var field = form.querySelector("#field-" + name);
      if (field && !field.hidden) {
        field.classList.add("has-error");
        var msg = el("div", { "class": "error", role: "alert", "data-added": "1", id: name + "-error" }, errors[name]);
        field.appendChild(msg);
        first = first || field;
      } else {
        box.appendChild(el("p", { "class": "alert", role: "alert" }, errors[name]));
      }
    });
    if (Object.keys(errors).length) box.prepend(el("p", { "class": "alert" }, _("Some answers need attention; they are marked below.")));
    var target = first ? first.querySelector("input, select") : null;
    if (target) target.focus();
  }

  function keep(status) {
    var edit = state.editing;
    var record = edit.record;
    var answers = state.form.values();
    var errors = {};
    var date = $("[data-date]").value;
    if (!date) errors.assessed_on = _("Enter the date the questions were asked.");
    else if (date > today()) errors.assessed_on = _("The date of the interview cannot be in the future.");
    else {
      var wave = waveOf(Number($("[data-wave]").value));
      if (wave && wave.starts_on && (date < wave.starts_on || date > wave.ends_on)) {
        errors.assessed_on = fmt(_("The interview date must fall within the wave '%(wave)s' (%(starts)s to %(ends)s)."), { wave: wave.name, starts: wave.starts_on, ends: wave.ends_on }, true);
      }
    }
    var outside = state.form.check();
    Object.keys(outside).forEach(function (name) { errors[name] = outside[name]; });
    if (status === "submitted") {
      // Keyed as the fields are: a question's name, or REPEAT-INDEX-QUESTION in a repeat's row.
      state.form.missing().forEach(function (key) { errors[key] = _("This question needs an answer."); });
    }
    if (Object.keys(errors).length) { showErrors(errors); return; }
    var kid = child(record.child);
    record.wave = Number($("[data-wave]").value);
    record.assessed_on = date;
    record.informant_caregiver = Number($("[data-informant]").value) || null;
    record.answers = answers;
    record.status = status;
    record.state = "waiting";
    record.child_name = kid.name;
    record.saved_at = new Date().toISOString();
    record.errors = null;
    var from = location.hash;
    saveRecord(record).then(function () {
      flash(status === "draft"
        ? _("Saved on this phone as a draft. You can finish it later.")
        : (navigator.onLine ? _("Saved on this phone. Sending it now…") : _("Saved on this phone. It will be sent when there is signal.")));
      // Back to the class, unless the person already went elsewhere while it was being saved
      // (the store encrypts first, which takes a moment on a slow phone).
      if (location.hash === from) {
        var klass = classOf(record.child);
        state.keepFlash = true;
        location.hash = klass ? "#class/" + klass.id : "#home";
      }
      sendAll();
    });
  }

  function answerText(question, value) {
    if (value === undefined || value === null || value === "") return "—";
    if (Array.isArray(value) && value.some(function (v) { return v !== null && typeof v === "object"; })) {
      // A repeat's rows: each row's answers, numbered, in the row questions' words.
      var rows = question && question.rows ? question.rows : {};
      return value.map(function (row, i) {
        var given = Object.keys(row || {});
        var keys = Object.keys(rows).filter(function (k) { return given.indexOf(k) >= 0; })
          .concat(given.filter(function (k) { return !rows[k]; })); // the form's order
        return (i + 1) + ". " + keys.map(function (name) {
          var q = rows[name];
          return (q ? q.label : name) + ": " + answerText(q, row[name]);
        }).join("; ");
      }).join(" | ") || "—";
    }
    var values = Array.isArray(value) ? value : [value];
    return values.map(function (v) { return (question && question.choices && question.choices[v]) || String(v); }).join(", ");
  }
  function same(a, b) { return JSON.stringify(a === undefined ? null : a) === JSON.stringify(b === undefined ? null : b); }

  function renderConflict(uuid) {
    var record = state.records.filter(function (r) { return r.uuid === uuid; })[0];
    if (!record || record.state !== "conflict") return renderHome();
    var data = record.conflict;
    var server = data.server;
    var kid = child(record.child);
    var who = server.changed_by || _("someone");
    var changedAt = when(server.changed_at);
    var also = data.conflict === "also_done";
    $("[data-conflict-title]").textContent = also
      ? fmt(_("%(name)s's %(what)s questions were already sent"), { name: kid ? kid.first_name : "", what: respondentLabel(record.respondent) }, true)
      : fmt(_("%(name)s's %(what)s questions were changed somewhere else"), { name: kid ? kid.first_name : "", what: respondentLabel(record.respondent) }, true);
    $("[data-conflict-text]").textContent = also
      ? fmt(_("%(who)s sent this questionnaire for the same child on %(when)s, while you were working. Nothing has been overwritten. Compare the two and decide."), { who: who, when: changedAt }, true)
      : fmt(_("%(who)s changed this assessment on %(when)s, after this phone last had it. Nothing has been overwritten. For each answer that differs, choose which to keep."), { who: who, when: changedAt }, true);
    var body = $("[data-conflict-table] tbody");
    body.innerHTML = "";
    var differing = [];
    data.questions.forEach(function (q) {
      var mine = record.answers[q.name], theirs = server.answers[q.name];
      if ((mine === undefined && theirs === undefined) || same(mine, theirs)) return;
      differing.push(q.name);
      var tr = el("tr", { "data-differs": q.name });
      tr.appendChild(el("th", { scope: "row" }, q.label));
      [["mine", mine], ["server", theirs]].forEach(function (side) {
        var td = el("td");
        if (also) td.textContent = answerText(q, side[1]);
        else {
          var label = el("label", { "class": "choice" });
          var input = el("input", { type: "radio", name: "pick-" + q.name, value: side[0] });
          label.appendChild(input);
          label.append(" " + answerText(q, side[1]));
          td.appendChild(label);
        }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    if (!differing.length) body.appendChild(el("tr", {}, "")).appendChild(el("td", { colspan: "3" }, _("The answers are the same; only the status or date differs.")));
    var actions = $("[data-conflict-actions]");
    actions.innerHTML = "";
    var error = $("[data-conflict-error]");
    error.textContent = "";
    function button(text, cls, then) {
      var b = el("button", { type: "button", "class": cls }, text);
      b.addEventListener("click", then);
      actions.appendChild(b);
    }
    if (also) {
      // Keeping both needs a reason, kept on the record (decision 0054).
      var why = el("div", { "class": "field" });
      why.appendChild(el("label", { "for": "repeat-reason" }, _("Why keep both? (needed to keep both)")));
      var reason = el("textarea", { id: "repeat-reason", rows: "2", maxlength: "2000" });
      reason.value = record.repeat_reason || "";
      why.appendChild(reason);
      actions.appendChild(why);
      button(_("Send mine as well (keep both)"), "primary", function () {
        if (!reason.value.trim()) {
          error.textContent = _("Say why both questionnaires are kept, for example the mother and the grandmother both answered.");
          reason.focus();
          return;
        }
        record.repeat_reason = reason.value.trim();
        record.keep_alongside = (record.keep_alongside || []).concat([server.uuid]);
        record.state = "waiting"; record.conflict = null;
        saveRecord(record).then(function () { location.hash = "#home"; sendAll(); });
      });
      button(_("Delete mine, keep the one already sent"), "secondary", function () {
        state.vault.removeRecord(record.uuid).then(loadRecords).then(function () { flash(_("Your copy was deleted from this phone.")); state.keepFlash = true; location.hash = "#home"; });
      });
      show("conflict");
      return;
    }
    button(_("Choose mine for all"), "secondary", function () { pickAll("mine"); });
    button(_("Choose the server's for all"), "secondary", function () { pickAll("server"); });
    button(_("Keep the answers I chose"), "primary", function () {
      var merged = JSON.parse(JSON.stringify(server.answers));
      // Answers this person may not read were not sent: this phone's own stay, and the
      // server keeps its answer for any this phone does not have.
      (server.withheld || []).forEach(function (name) {
        if (record.answers[name] !== undefined) merged[name] = record.answers[name];
      });
      var missing = [];
      differing.forEach(function (name) {
        var picked = root.querySelector("input[name='pick-" + name + "']:checked");
        if (!picked) { missing.push(name); return; }
        if (picked.value === "mine") {
          if (record.answers[name] === undefined) delete merged[name];
          else merged[name] = record.answers[name];
        }
      });
      if (missing.length) {
        error.textContent = fmt(ngettext("Choose which answer to keep for %(n)s more question.", "Choose which answer to keep for %(n)s more questions.", missing.length), { n: missing.length }, true);
        var first = root.querySelector("input[name='pick-" + missing[0] + "']");
        if (first) first.focus();
        return;
      }
      record.answers = merged;
      record.base_revision = server.revision; // I have seen the server's version: mine now follows it
      record.state = "waiting"; record.conflict = null;
      saveRecord(record).then(function () { flash(_("Your choice was saved.")); state.keepFlash = true; location.hash = "#home"; sendAll(); });
    });
    show("conflict");
  }
  function pickAll(side) {
    root.querySelectorAll("[data-conflict-table] input[value='" + side + "']").forEach(function (i) { i.checked = true; });
  }

  function route(event) {
    if (!state.vault) return;
    if (event && event.type === "hashchange" && !state.keepFlash) flash("");
    state.keepFlash = false;
    var parts = (location.hash || "#home").slice(1).split("/");
    if (parts[0] === "class") return renderClass(Number(parts[1]));
    if (parts[0] === "capture") return renderCapture(Number(parts[1]), parts[2]);
    if (parts[0] === "conflict") return renderConflict(parts[1]);
    renderHome();
  }
  window.addEventListener("hashchange", route);

  // --- opening ---------------------------------------------------------------------------
  function opened(vault) {
    state.vault = vault;
    return Promise.all([vault.pack(), loadRecords()]).then(function (r) {
      state.pack = r[0];
      if (!state.pack && navigator.onLine) return fetchPack();
      // Class lists older than a few hours are refreshed while there is signal; if that fails,
      // the ones on the phone are used.
      var age = state.pack ? Date.now() - new Date(state.pack.generated_at).getTime() : 0;
      if (navigator.onLine && age > STALE_AFTER_MS) return fetchPack().catch(function () {});
    }).then(function () {
      if (!state.pack) { show("nostore"); return; }
      route();
      sendAll();
    });
  }

  $("[data-setup]").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    var password = form.password.value;
    var error = $("[data-error]", form);
    error.textContent = "";
    if (!password) { error.textContent = _("Type your password."); return; }
    var data = new FormData();
    data.append("password", password);
    fetch(root.dataset.unlockUrl, { method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": form.csrfmiddlewaretoken.value || cookie("csrftoken") } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error((body.errors && body.errors.password) || _("That did not work. Try again."));
          return Vault.setUp(password, me);
        });
      })
      .then(function (vault) { form.password.value = ""; state.vault = vault; return fetchPack(); })
      .then(function () { flash(_("Ready. The class lists are on this phone.")); return opened(state.vault); })
      .catch(function (e) { error.textContent = e.message || _("That did not work. Try again."); });
  });

  $("[data-unlock]").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    var error = $("[data-error]", form);
    error.textContent = "";
    Vault.unlock(form.password.value).then(function (vault) {
      form.password.value = "";
      return opened(vault);
    }, function () {
      error.textContent = _("That password does not open the offline work on this phone. Type the password you sign in with.");
    });
  });

  $("[data-refresh]").addEventListener("click", function () {
    if (!navigator.onLine) { flash(_("There is no signal. Update the class lists when you are online."), "note"); return; }
    fetchPack().then(function () { flash(_("The class lists are up to date.")); route(); },
      function (e) { flash(e.message, "alert"); });
  });
  $("[data-send]").addEventListener("click", function () {
    if (!navigator.onLine) { flash(_("There is no signal. Your work will be sent when the signal comes back."), "note"); return; }
    sendAll();
  });
  $("[data-offline-capture]").addEventListener("submit", function (event) { event.preventDefault(); keep("submitted"); });
  $("[data-save-draft]").addEventListener("click", function () { keep("draft"); });
  $("[data-wave]").addEventListener("change", function () {
    var version = waveOf(Number(this.value)).version;
    putQuestions(version, state.editing.record.respondent, state.editing.language, state.form.values());
  });

  netText();
  Vault.status().then(function (s) {
    if (s.exists && s.user !== me) return Vault.forget({ reuse: true }).then(function () { return Vault.status(); });
    return s;
  }).then(function (s) {
    if (s.exists) show("unlock");
    else if (navigator.onLine) show("setup");
    else show("nostore");
  });
})();
