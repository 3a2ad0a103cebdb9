/* Skip logic on the capture form: show a question only when its `relevant` expression holds.
 *
 * The server sends each expression as a parsed tree (cwtt/instruments/engine/expressions.py,
 * to_json); this file interprets the tree with the same rules as the server, which are ODK
 * Collect's (JavaRosa's) reading of XPath 1.0: an unanswered question is the empty text, so
 * `${q} = ''` holds and `${q} != 'yes'` holds while `${q} < 3` does not; a text is a number
 * only when written as one ('10' > 9); round() takes halves up. The shared cases are in
 * tests/engine/odk_conformance.json (docs/decisions/0041-expressions-as-odk.md).
 * Hidden questions are disabled so their stale answers are not sent. The server checks again.
 */
(function () {
  "use strict";

  var CLOSE = 1e-12; // numbers this close are equal (JavaRosa), so 0.1 + 0.2 = 0.3
  var NUMBER_TEXT = /^-?(?:\d+\.?\d*|\.\d+)$/;
  var DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
  var DATE_TIME_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;
  var DAY_MS = 86400000;
  var MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ");
  var DAYS = "Sun Mon Tue Wed Thu Fri Sat".split(" ");

  function blank(v) { return v === null || v === undefined; }
  // An answer typed into a number box: its number, or null when empty or not a number.
  function num(v) {
    if (blank(v) || v === "" || Array.isArray(v)) return null;
    var n = Number(v);
    return isNaN(n) ? null : n;
  }
  // Days since 1970-01-01 of a 'YYYY-MM-DD' text, or NaN (also for 2026-02-30).
  function textDays(text) {
    var m = DATE_TEXT.exec(text);
    if (!m) return NaN;
    var ms = Date.UTC(+m[1], +m[2] - 1, +m[3]);
    var d = new Date(ms);
    if (d.getUTCFullYear() !== +m[1] || d.getUTCMonth() !== +m[2] - 1 || d.getUTCDate() !== +m[3]) return NaN;
    return ms / DAY_MS;
  }
  // XPath number(), JavaRosa's way: a comma is a decimal point; '1e3' and '+5' are NaN.
  function toNumber(v) {
    if (blank(v)) return NaN;
    if (typeof v === "boolean") return v ? 1 : 0;
    if (typeof v === "number") return v;
    if (Array.isArray(v)) v = v.join(" ");
    var text = String(v).replace(/,/g, ".").trim();
    if (NUMBER_TEXT.test(text)) return Number(text);
    return textDays(text);
  }
  // XPath boolean(): a non-empty text (even 'false') is true; 0 and NaN are false.
  function truthy(v) {
    if (blank(v)) return false;
    if (typeof v === "boolean") return v;
    if (typeof v === "number") return Math.abs(v) > CLOSE;
    if (typeof v === "string" || Array.isArray(v)) return v.length > 0;
    return Boolean(v);
  }
  // XPath string(), with JavaRosa's spelling of numbers (2.0 is '2', NaN is 'NaN').
  function toText(v) {
    if (blank(v)) return "";
    if (typeof v === "string") return v;
    if (typeof v === "boolean") return v ? "true" : "false";
    if (Array.isArray(v)) return v.map(toText).join(" ");
    if (typeof v === "number") return numberText(v);
    return String(v);
  }
  // A number as JavaRosa writes it: whole numbers (within Java's int) without a point, others
  // as Java's Double.toString — plain from 0.001 up to 10^7, else like 5.0E-5.
  function numberText(v) {
    if (isNaN(v)) return "NaN";
    if (!isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
    if (Math.abs(v) < CLOSE) return "0";
    var whole = Math.trunc(Math.max(-2147483648, Math.min(2147483647, v)));
    if (Math.abs(v - whole) < CLOSE) return String(whole);
    if (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e7) return String(v);
    var parts = v.toExponential().split("e"); // the shortest digits, as String(v) has
    var mantissa = parts[0].indexOf(".") < 0 ? parts[0] + ".0" : parts[0];
    return mantissa + "E" + Number(parts[1]);
  }
  function isNumber(v) { return typeof v === "number"; }
  function isBlank(v) { return blank(v) || v === "" || (typeof v === "number" && isNaN(v)); }
  // A number as Java's (int) cast reads it: NaN is 0, and it saturates.
  function javaInt(v) {
    var n = toNumber(v);
    if (isNaN(n)) return 0;
    return Math.trunc(Math.max(-2147483648, Math.min(2147483647, n)));
  }
  function equal(a, b) {
    if (typeof a === "boolean" || typeof b === "boolean") return truthy(a) === truthy(b);
    if (isNumber(a) || isNumber(b)) return Math.abs(toNumber(a) - toNumber(b)) < CLOSE;
    return toText(a) === toText(b);
  }
  var compare = {
    "=": equal,
    "!=": function (a, b) { return !equal(a, b); },
    "<": function (a, b) { return toNumber(a) < toNumber(b); },
    "<=": function (a, b) { return toNumber(a) <= toNumber(b); },
    ">": function (a, b) { return toNumber(a) > toNumber(b); },
    ">=": function (a, b) { return toNumber(a) >= toNumber(b); }
  };
  function arith(op, a, b) {
    a = toNumber(a); b = toNumber(b);
    if (op === "+") return a + b;
    if (op === "-") return a - b;
    if (op === "*") return a * b;
    return op === "div" ? a / b : a % b; // IEEE, as in Java: 1 div 0 is Infinity, x mod 0 NaN
  }
  function words(v) { return toText(v).split(" ").filter(Boolean); }
  // x times 10^p worked out on the decimal digits, so 1.005 is 100.5 and not 100.49999.
  function shift(x, p) {
    var parts = String(x).split("e");
    return Number(parts[0] + "e" + (Number(parts[1] || 0) + p));
  }
  // JavaRosa's round(): halves go up (2.5 → 3, -2.5 → -2, as XPath 1.0 says).
  function round(v, digits) {
    var x = toNumber(v), p = digits === undefined ? 0 : javaInt(digits);
    if (isNaN(x) || !isFinite(x)) return x;
    if (p > 30 || p < -30) return NaN;
    if (p >= 0 && Math.abs(x) >= 9007199254740992) return x; // 2^53 and up: already whole
    if (p >= 0) return shift(Math.round(shift(x, p)), -p);
    return shift(Math.trunc(shift(x, p) + 0.5), -p); // JavaRosa: (long)(scaled + 0.5)
  }
  function extreme(pick, values) {
    var ns = values.map(toNumber).filter(function (n) { return !isNaN(n); });
    return ns.length ? Math[pick].apply(null, ns) : NaN; // blanks are left out, as in JavaRosa
  }
  var patterns = {};
  function regex(value, pattern) {
    pattern = toText(pattern);
    if (!Object.prototype.hasOwnProperty.call(patterns, pattern)) {
      try { patterns[pattern] = new RegExp("^(?:" + pattern + ")$"); } catch (e) { patterns[pattern] = null; }
    }
    return patterns[pattern] !== null && patterns[pattern].test(toText(value));
  }
  function substr(value, start, end) {
    var text = toText(value), len = text.length;
    var first = javaInt(start), last = end === undefined ? len : javaInt(end);
    if (first < 0) first += len;
    if (last < 0) last += len;
    first = Math.min(Math.max(0, first), len);
    last = Math.min(Math.max(0, last), len);
    return first <= last ? text.slice(first, last) : "";
  }
  function pad(n, width) { var s = String(n); while (s.length < width) s = "0" + s; return s; }
  function isoDay(ms) {
    var d = new Date(ms);
    return pad(d.getUTCFullYear(), 4) + "-" + pad(d.getUTCMonth() + 1, 2) + "-" + pad(d.getUTCDate(), 2);
  }
  function today() {
    var d = new Date(); // the phone's own calendar day, as Collect's today()
    return pad(d.getFullYear(), 4) + "-" + pad(d.getMonth() + 1, 2) + "-" + pad(d.getDate(), 2);
  }
  // A date or date-time text as milliseconds in UTC (a date is its midnight; no offset is UTC).
  function moment(v) {
    var m = DATE_TIME_TEXT.exec(toText(v).trim());
    if (!m) return NaN;
    if (isNaN(textDays(m[1] + "-" + m[2] + "-" + m[3]))) return NaN;
    var ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0), +(m[6] || 0),
      Math.floor(Number("0." + (m[7] || "0")) * 1000));
    if (m[8] && m[8] !== "Z") {
      var sign = m[8][0] === "+" ? 1 : -1, digits = m[8].slice(1).replace(":", "");
      ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0)) * 60000;
    }
    return ms;
  }
  function date(v) {
    if (isNumber(v)) {
      if (isNaN(v) || !isFinite(v)) return NaN;
      var ms = Math.trunc(v) * DAY_MS;
      return Math.abs(ms) > 8.64e15 ? NaN : isoDay(ms);
    }
    if (isBlank(v)) return "";
    var m = DATE_TIME_TEXT.exec(toText(v).trim());
    if (!m || isNaN(textDays(m[1] + "-" + m[2] + "-" + m[3]))) return ""; // not a date: blank
    return m[1] + "-" + m[2] + "-" + m[3];
  }
  function decimalDateTime(v) {
    if (isNumber(v)) return v;
    if (isBlank(v)) return "";
    return moment(v) / DAY_MS;
  }
  // format-date() with JavaRosa's codes (%Y %y %m %n %b %d %e %a %H %h %M %S %3).
  function formatDate(v, pattern) {
    if (isNumber(v)) v = date(v);
    var ms = moment(v);
    if (isNaN(ms)) return "";
    var d = new Date(ms);
    var codes = {
      Y: pad(d.getUTCFullYear(), 4), y: pad(d.getUTCFullYear() % 100, 2),
      m: pad(d.getUTCMonth() + 1, 2), n: String(d.getUTCMonth() + 1), b: MONTHS[d.getUTCMonth()],
      d: pad(d.getUTCDate(), 2), e: String(d.getUTCDate()), a: DAYS[d.getUTCDay()],
      H: pad(d.getUTCHours(), 2), h: String(d.getUTCHours()), M: pad(d.getUTCMinutes(), 2),
      S: pad(d.getUTCSeconds(), 2), "3": pad(d.getUTCMilliseconds(), 3)
    };
    return toText(pattern).replace(/%([\s\S])/g, function (all, code) {
      return Object.prototype.hasOwnProperty.call(codes, code) ? codes[code] : code;
    });
  }

  function evaluate(node, values) {
    var kind = node[0];
    if (kind === "lit") return node[1];
    if (kind === "ref") return values[node[1]] === undefined ? null : values[node[1]];
    if (kind === "neg") return arith("-", 0, evaluate(node[1], values));
    if (kind === "op") {
      var op = node[1];
      if (op === "and") return truthy(evaluate(node[2], values)) && truthy(evaluate(node[3], values));
      if (op === "or") return truthy(evaluate(node[2], values)) || truthy(evaluate(node[3], values));
      var a = evaluate(node[2], values), b = evaluate(node[3], values);
      return compare[op] ? compare[op](a, b) : arith(op, a, b);
    }
    var fn = node[1];
    if (fn === "if") return truthy(evaluate(node[2], values)) ? evaluate(node[3], values) : evaluate(node[4], values);
    var args = node.slice(2).map(function (n) { return evaluate(n, values); });
    switch (fn) {
      case "true": return true;
      case "false": return false;
      case "not": return !truthy(args[0]);
      case "boolean": return truthy(args[0]);
      case "boolean-from-string": var bs = toText(args[0]); return bs.toLowerCase() === "true" || bs === "1";
      case "selected": return (" " + toText(args[0]) + " ").indexOf(" " + toText(args[1]).trim() + " ") >= 0;
      case "count-selected": return words(args[0]).length;
      case "selected-at": var ws = words(args[0]), at = javaInt(args[1]); return at >= 0 && at < ws.length ? ws[at] : "";
      case "coalesce": return isBlank(args[0]) ? args[1] : args[0];
      case "int": var i = toNumber(args[0]); return isFinite(i) ? Math.trunc(i) : i;
      case "number": return toNumber(args[0]);
      case "string": return toText(args[0]);
      case "string-length": return toText(args[0]).length;
      case "concat": return args.map(toText).join("");
      case "substr": return substr(args[0], args[1], args[2]);
      case "contains": return toText(args[0]).indexOf(toText(args[1])) >= 0;
      case "starts-with": return toText(args[0]).indexOf(toText(args[1])) === 0;
      case "ends-with": var s = toText(args[0]), t = toText(args[1]); return s.slice(s.length - t.length) === t || t === "";
      case "normalize-space": return toText(args[0]).trim().split(/\s+/).filter(Boolean).join(" ");
      case "round": return round(args[0], args[1]);
      case "abs": return Math.abs(toNumber(args[0]));
      case "min": case "max": return extreme(fn, args);
      case "regex": return regex(args[0], args[1]);
      case "today": return today();
      case "date": return date(args[0]);
      case "decimal-date-time": return decimalDateTime(args[0]);
      case "format-date": case "format-date-time": return formatDate(args[0], args[1]);
    }
    return true; // an unknown function: show the question and let the server decide
  }
  // The evaluator on its own, for the offline page and the conformance tests
  // (tests/browser/test_expression_conformance.py).
  window.CWTT = window.CWTT || {};
  window.CWTT.evaluate = evaluate;
  window.CWTT.truthy = truthy;

  // --- repeats -----------------------------------------------------------------------------
  // A repeat (fieldset[data-repeat]) holds rows ([data-repeat-row]) whose boxes are named
  // REPEAT-INDEX-QUESTION; its <template> holds an empty row whose index is ROW, replaced by
  // the new row's (cwtt/web/capture_form.py). Indexes only grow, so a box's name stays unique
  // after a row is removed; the server reads the rows in index order.
  var ROW = /__row__/g;
  function rowsOf(box) { return Array.prototype.slice.call(box.querySelectorAll("[data-repeat-row]")); }
  function renumber(box) {
    rowsOf(box).forEach(function (row, i) {
      row.querySelectorAll("[data-row-number]").forEach(function (n) { n.textContent = String(i + 1); });
    });
    var add = box.querySelector("[data-add-row]");
    if (add) add.disabled = rowsOf(box).length >= Number(box.dataset.repeatMax || 50);
  }
  function addRow(box) {
    var rows = rowsOf(box);
    if (rows.length >= Number(box.dataset.repeatMax || 50)) return null;
    var next = rows.reduce(function (top, r) { return Math.max(top, Number(r.dataset.repeatRow) + 1); }, 0);
    var holder = document.createElement("div");
    holder.innerHTML = box.querySelector("template[data-repeat-template]").innerHTML.replace(ROW, String(next));
    var row = holder.querySelector("[data-repeat-row]");
    box.querySelector("[data-repeat-rows]").appendChild(row);
    renumber(box);
    return row;
  }
  function removeRow(row) {
    var box = row.closest("[data-repeat]");
    row.remove();
    renumber(box);
  }
  // Puts saved answers into a form: a repeat's list of rows becomes that many rows.
  function fill(form, answers) {
    Object.keys(answers || {}).forEach(function (name) {
      var value = answers[name];
      var box = form.querySelector("[data-repeat='" + name + "']");
      if (box && Array.isArray(value)) {
        rowsOf(box).forEach(function (r) { r.remove(); });
        value.forEach(function (row) {
          var made = addRow(box);
          if (!made) return;
          var index = made.dataset.repeatRow;
          Object.keys(row || {}).forEach(function (q) { setBoxes(made, name + "-" + index + "-" + q, row[q]); });
        });
        renumber(box);
      } else {
        setBoxes(form, name, value);
      }
    });
  }
  function setBoxes(scope, key, value) {
    var values = Array.isArray(value) ? value.map(String) : [String(value)];
    scope.querySelectorAll("[name='" + key + "']").forEach(function (input) {
      if (input.type === "radio" || input.type === "checkbox") input.checked = values.indexOf(input.value) >= 0;
      else input.value = values[0];
    });
  }

  // Wires skip logic and progress into a capture form; the offline page calls it for the
  // form it builds on the phone (cwtt/offline/static/offline/offline.js).
  function attach(form) {
    function allFields() { return Array.prototype.slice.call(form.querySelectorAll("[data-question]")); }
    function onceFields() { return allFields().filter(function (f) { return !f.closest("[data-repeat-row]"); }); }
    function rowFields(row) { return Array.prototype.slice.call(row.querySelectorAll("[data-question]")); }
    function repeats() { return Array.prototype.slice.call(form.querySelectorAll("[data-repeat]")); }
    function keyOf(field) { return field.id.replace(/^field-/, ""); }

    // The answer in one question's boxes, or undefined when none is given.
    function fieldValue(field) {
      var inputs = field.querySelectorAll("input");
      var type = field.dataset.type;
      if (type === "select_multiple") {
        var picked = [];
        inputs.forEach(function (i) { if (i.checked) picked.push(i.value); });
        return picked.length ? picked : undefined;
      }
      if (type === "select_one") {
        var one;
        inputs.forEach(function (i) { if (i.checked) one = i.value; });
        return one;
      }
      if (inputs.length && inputs[0].value !== "") {
        return type === "integer" || type === "decimal" ? num(inputs[0].value) : inputs[0].value;
      }
      return undefined;
    }
    function collect(fields) {
      var values = {};
      fields.forEach(function (field) {
        if (field.hidden) return;
        var value = fieldValue(field);
        if (value !== undefined) values[field.dataset.question] = value;
      });
      return values;
    }
    // The answers as the server keeps them: those asked once by name, and each repeat's rows
    // as a list under the repeat's name.
    function currentValues() {
      var values = collect(onceFields());
      repeats().forEach(function (box) {
        var rows = rowsOf(box).map(function (row) { return collect(rowFields(row)); });
        if (rows.length) values[box.dataset.repeat] = rows;
      });
      return values;
    }

    // The instrument's `calculate` rows, worked out in form order from the answers (each may
    // read the ones before); relevance and constraints may read them. Not sent: the server
    // works them out again (engine/validation.py, with_calculations).
    var calculations = Array.prototype.slice.call(form.querySelectorAll("[data-calculate]"));
    function withCalculations(values) {
      var found = Object.assign({}, values);
      calculations.forEach(function (c) {
        var value = evaluate(JSON.parse(c.dataset.calculation), found);
        found[c.dataset.calculate] = value === "" || value === undefined ? null : value;
      });
      return found;
    }
    // What an expression reads for a field: the answers asked once with the calculations
    // and, in a repeat's row, that row's own answers (ODK reads ${q} there as the row's).
    function scopeFor(field, once) {
      var row = field.closest("[data-repeat-row]");
      return row ? Object.assign({}, once, collect(rowFields(row))) : once;
    }

    function settle(field, once) {
      var scope = scopeFor(field, once);
      if (field.dataset.relevant) {
        var show = truthy(evaluate(JSON.parse(field.dataset.relevant), scope));
        field.hidden = !show;
        field.querySelectorAll("input, select, textarea").forEach(function (i) { i.disabled = !show; });
      }
      // A select with a choice filter offers only the answers the filter lets through,
      // given the answers before it; an answer no longer offered is cleared.
      if (field.dataset.choiceFilter) {
        var tree = JSON.parse(field.dataset.choiceFilter);
        scope = scopeFor(field, once);
        field.querySelectorAll("input[data-choice]").forEach(function (input) {
          var offered = truthy(evaluate(tree, Object.assign({}, scope, JSON.parse(input.dataset.choice))));
          input.closest("label").hidden = !offered;
          input.disabled = !offered || field.hidden;
          if (!offered) input.checked = false;
        });
      }
    }
    // `repeat_count` fixes the number of rows from the answers asked once (at most the limit).
    function countRows(once) {
      repeats().forEach(function (box) {
        if (!box.dataset.repeatCount) return;
        var n = Math.trunc(toNumber(evaluate(JSON.parse(box.dataset.repeatCount), once)));
        n = isFinite(n) ? Math.max(0, Math.min(n, Number(box.dataset.repeatMax || 50))) : 0;
        var rows = rowsOf(box);
        while (rows.length < n) rows.push(addRow(box));
        while (rows.length > n) rows.pop().remove();
        renumber(box);
      });
    }

    function refresh() {
      // Questions depend only on earlier ones, so one pass in form order settles everything.
      onceFields().forEach(function (field) { settle(field, withCalculations(collect(onceFields()))); });
      var once = withCalculations(collect(onceFields()));
      countRows(once);
      repeats().forEach(function (box) {
        rowsOf(box).forEach(function (row) {
          rowFields(row).forEach(function (field) { settle(field, once); });
        });
      });
      var shownFields = allFields().filter(function (f) { return !f.hidden; });
      var answered = shownFields.filter(function (f) { return fieldValue(f) !== undefined; }).length;
      var shown = shownFields.length;
      var counter = document.getElementById("progress-count");
      var bar = document.getElementById("progress-bar");
      if (counter) {
        // The words through Django's JavaScript catalog when the page loads it; else English.
        var words = window.gettext ? window.gettext("%(answered)s of %(total)s") : "%(answered)s of %(total)s";
        counter.textContent = words.replace("%(answered)s", answered).replace("%(total)s", shown);
      }
      if (bar) bar.style.width = (shown ? Math.round(100 * answered / shown) : 0) + "%";
    }

    // An answer outside the instrument's limits is marked as soon as it is given, in the
    // instrument's own words; the server checks again when the form arrives.
    function problem(field) {
      var value = fieldValue(field);
      if (field.hidden || !field.dataset.constraint || value === undefined) return null;
      var scope = scopeFor(field, withCalculations(collect(onceFields())));
      scope["."] = value;
      return truthy(evaluate(JSON.parse(field.dataset.constraint), scope)) ? null : field.dataset.constraintMessage;
    }
    function mark(field, message) {
      var box = field.querySelector(".error");
      var inputs = field.querySelectorAll("input, select, textarea");
      if (message) {
        if (!box) {
          box = document.createElement("div");
          box.className = "error";
          box.id = keyOf(field) + "-error";
          box.setAttribute("role", "alert");
          field.appendChild(box);
        }
        box.textContent = message;
        field.classList.add("has-error");
        inputs.forEach(function (i) { i.setAttribute("aria-invalid", "true"); i.setAttribute("aria-describedby", box.id); });
      } else if (box) {
        box.remove();
        field.classList.remove("has-error");
        inputs.forEach(function (i) { i.removeAttribute("aria-invalid"); i.removeAttribute("aria-describedby"); });
      }
    }
    // Answers outside their limits, by the key of their field (a question's name, or
    // REPEAT-INDEX-QUESTION in a row).
    function check() {
      var errors = {};
      allFields().forEach(function (field) {
        var message = problem(field);
        if (message) errors[keyOf(field)] = message;
      });
      return errors;
    }
    // Shown questions marked as needed that have no answer, by the key of their field.
    function missing() {
      var found = [];
      allFields().forEach(function (field) {
        if (!field.hidden && field.hasAttribute("data-required") && field.dataset.type !== "note" && fieldValue(field) === undefined) {
          found.push(keyOf(field));
        }
      });
      return found;
    }

    // "Add another" and "Remove" work here without sending the form (without JavaScript they
    // are submit buttons and the server shows the form again).
    form.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("[data-add-row], [data-remove-row]");
      if (!button || !form.contains(button)) return;
      event.preventDefault();
      if (button.hasAttribute("data-add-row")) {
        var row = addRow(button.closest("[data-repeat]"));
        refresh();
        var first = row && row.querySelector("input:not([disabled])");
        if (first) first.focus();
      } else {
        var box = button.closest("[data-repeat]");
        removeRow(button.closest("[data-repeat-row]"));
        refresh();
        var add = box.querySelector("[data-add-row]");
        if (add) add.focus();
      }
    });
    form.addEventListener("input", refresh);
    form.addEventListener("change", refresh);
    form.addEventListener("change", function (event) {
      var field = event.target.closest && event.target.closest("[data-question]");
      if (field && form.contains(field)) mark(field, problem(field));
    });
    // While an answer marked wrong is corrected, the mark goes as soon as the answer is right.
    form.addEventListener("input", function (event) {
      var field = event.target.closest && event.target.closest("[data-question]");
      if (field && field.classList.contains("has-error")) {
        var message = problem(field);
        if (!message) mark(field, null);
      }
    });
    repeats().forEach(renumber);
    refresh();
    return { values: currentValues, refresh: refresh, check: check, missing: missing };
  }

  window.CWTTCapture = { attach: attach, fill: fill };
  // The page writes the server's count as data-progress, not as a style attribute (the
  // Content-Security-Policy allows none, decision 0011); attach() then keeps it current.
  var bar = document.getElementById("progress-bar");
  if (bar && bar.dataset.progress) bar.style.width = bar.dataset.progress + "%";
  var page = document.querySelector("form[data-capture]");
  if (page) attach(page);
})();
