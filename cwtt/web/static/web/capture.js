/* Skip logic on the capture form: show a question only when its `relevant` expression holds.
 *
 * The server sends each expression as a parsed tree (cwtt/instruments/engine/expressions.py,
 * to_json); this file interprets the tree with the same rules as the server: a missing answer
 * makes comparisons false, select codes compare as numbers when both sides are numbers.
 * Hidden questions are disabled so their stale answers are not sent. The server checks again.
 */
(function () {
  "use strict";

  function num(v) {
    if (v === null || v === undefined || v === "" || Array.isArray(v)) return null;
    if (typeof v === "boolean") return v ? 1 : 0;
    var n = Number(v);
    return isNaN(n) ? null : n;
  }
  function truthy(v) {
    if (v === null || v === undefined) return false;
    if (typeof v === "string" || Array.isArray(v)) return v.length > 0;
    return Boolean(v);
  }
  function choices(v) {
    if (v === null || v === undefined) return [];
    return Array.isArray(v) ? v.map(String) : String(v).split(/\s+/).filter(Boolean);
  }
  function same(a, b) {
    if (a === null || b === null || a === undefined || b === undefined) return null;
    if (typeof a === "boolean" || typeof b === "boolean") return [Boolean(a), Boolean(b)];
    if (typeof a === "number" || typeof b === "number") {
      var na = num(a), nb = num(b);
      return na === null || nb === null ? null : [na, nb];
    }
    if (Array.isArray(a)) a = a.join(" ");
    if (Array.isArray(b)) b = b.join(" ");
    return [String(a), String(b)];
  }
  var compare = {
    "=": function (a, b) { var p = same(a, b); return p !== null && p[0] === p[1]; },
    "!=": function (a, b) { var p = same(a, b); return p !== null && p[0] !== p[1]; },
    "<": function (a, b) { a = num(a); b = num(b); return a !== null && b !== null && a < b; },
    "<=": function (a, b) { a = num(a); b = num(b); return a !== null && b !== null && a <= b; },
    ">": function (a, b) { a = num(a); b = num(b); return a !== null && b !== null && a > b; },
    ">=": function (a, b) { a = num(a); b = num(b); return a !== null && b !== null && a >= b; }
  };
  function arith(op, a, b) {
    a = num(a); b = num(b);
    if (a === null || b === null) return null;
    if (op === "+") return a + b;
    if (op === "-") return a - b;
    if (op === "*") return a * b;
    if (b === 0) return null;
    return op === "div" ? a / b : a % b;
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
    var fn = node[1], args = node.slice(2).map(function (n) { return evaluate(n, values); });
    switch (fn) {
      case "true": return true;
      case "false": return false;
      case "not": return !truthy(args[0]);
      case "selected": return args[1] !== null && choices(args[0]).indexOf(String(args[1])) >= 0;
      case "count-selected": return choices(args[0]).length;
      case "if": return truthy(args[0]) ? args[1] : args[2];
      case "coalesce": return args[0] === null || args[0] === "" ? args[1] : args[0];
      case "int": var i = num(args[0]); return i === null ? null : Math.trunc(i);
      case "number": return num(args[0]);
      case "string": return args[0] === null ? "" : String(args[0]);
      case "string-length": return args[0] === null ? 0 : String(args[0]).length;
      case "round": var r = num(args[0]), p = args.length > 1 ? num(args[1]) : 0;
        return r === null || p === null ? null : Math.round(r * Math.pow(10, p)) / Math.pow(10, p);
      case "abs": var x = num(args[0]); return x === null ? null : Math.abs(x);
      case "min": case "max":
        var ns = args.map(num);
        if (ns.some(function (n) { return n === null; })) return null;
        return Math[fn].apply(null, ns);
      case "regex": return args[0] !== null && new RegExp(String(args[1])).test(String(args[0]));
    }
    return true; // an unknown function: show the question and let the server decide
  }

  // Wires skip logic and progress into a capture form; the offline page calls it for the
  // form it builds on the phone (cwtt/offline/static/offline/offline.js).
  function attach(form) {
    var fields = Array.prototype.slice.call(form.querySelectorAll("[data-question]"));
    var numeric = {};
    fields.forEach(function (f) { numeric[f.dataset.question] = f.dataset.type === "integer" || f.dataset.type === "decimal"; });

    function currentValues() {
      var values = {};
      fields.forEach(function (field) {
        if (field.hidden) return;
        var name = field.dataset.question;
        var inputs = field.querySelectorAll("input[name='" + name + "']");
        if (field.dataset.type === "select_multiple") {
          var picked = [];
          inputs.forEach(function (i) { if (i.checked) picked.push(i.value); });
          if (picked.length) values[name] = picked;
        } else if (field.dataset.type === "select_one") {
          inputs.forEach(function (i) { if (i.checked) values[name] = i.value; });
        } else if (inputs.length && inputs[0].value !== "") {
          values[name] = numeric[name] ? num(inputs[0].value) : inputs[0].value;
        }
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

    function refresh() {
      // Questions depend only on earlier ones, so one pass in form order settles everything.
      fields.forEach(function (field) {
        if (field.dataset.relevant) {
          var show = truthy(evaluate(JSON.parse(field.dataset.relevant), withCalculations(currentValues())));
          field.hidden = !show;
          field.querySelectorAll("input, select, textarea").forEach(function (i) { i.disabled = !show; });
        }
        // A select with a choice filter offers only the answers the filter lets through,
        // given the answers before it; an answer no longer offered is cleared.
        if (field.dataset.choiceFilter) {
          var tree = JSON.parse(field.dataset.choiceFilter);
          var values = withCalculations(currentValues());
          field.querySelectorAll("input[data-choice]").forEach(function (input) {
            var offered = truthy(evaluate(tree, Object.assign({}, values, JSON.parse(input.dataset.choice))));
            input.closest("label").hidden = !offered;
            input.disabled = !offered || field.hidden;
            if (!offered) input.checked = false;
          });
        }
      });
      var answered = Object.keys(currentValues()).length;
      var shown = fields.filter(function (f) { return !f.hidden; }).length;
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
    function problem(field, values) {
      var name = field.dataset.question;
      if (field.hidden || !field.dataset.constraint || values[name] === undefined) return null;
      var scope = withCalculations(values);
      scope["."] = values[name];
      return truthy(evaluate(JSON.parse(field.dataset.constraint), scope)) ? null : field.dataset.constraintMessage;
    }
    function mark(field, message) {
      var box = field.querySelector(".error");
      var inputs = field.querySelectorAll("input, select, textarea");
      if (message) {
        if (!box) {
          box = document.createElement("div");
          box.className = "error";
          box.id = field.dataset.question + "-error";
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
    function check() {
      var values = currentValues();
      var errors = {};
      fields.forEach(function (field) {
        var message = problem(field, values);
        if (message) errors[field.dataset.question] = message;
      });
      return errors;
    }

    form.addEventListener("input", refresh);
    form.addEventListener("change", refresh);
    form.addEventListener("change", function (event) {
      var field = event.target.closest && event.target.closest("[data-question]");
      if (field && fields.indexOf(field) >= 0) mark(field, problem(field, currentValues()));
    });
    // While an answer marked wrong is corrected, the mark goes as soon as the answer is right.
    form.addEventListener("input", function (event) {
      var field = event.target.closest && event.target.closest("[data-question]");
      if (field && field.classList.contains("has-error")) {
        var message = problem(field, currentValues());
        if (!message) mark(field, null);
      }
    });
    refresh();
    return { values: currentValues, refresh: refresh, check: check };
  }

  window.CWTTCapture = { attach: attach };
  // The page writes the server's count as data-progress, not as a style attribute (the
  // Content-Security-Policy allows none, decision 0011); attach() then keeps it current.
  var bar = document.getElementById("progress-bar");
  if (bar && bar.dataset.progress) bar.style.width = bar.dataset.progress + "%";
  var page = document.querySelector("form[data-capture]");
  if (page) attach(page);
})();
