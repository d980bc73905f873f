/* nscc: the report's live what-if panel. Hand-written, no libraries, no network.
 *
 * It projects one scenario exactly as nscc's engine does (src/nscc_proj/core/engine.py,
 * project_paths; core/assess.py for the targets), series by series for the one scenario of
 * the panel: steps become increments (log growth factors for compound growth), a running sum
 * grows each path, shocks shift it, a series' own path is held within its bounds year by
 * year, a linked series is its ratio or count times its driver (or its driver's growth),
 * observations pin the path up to the latest one and the path grows on from it, and the
 * result is clipped to the bounds. A reader's setting replaces a series' yearly steps after
 * its latest observation; every number is recomputed on each input. A browser test holds
 * the page's numbers to `nscc project` on the downloaded scenario, to 1e-9 relative.
 * Text reaches the page through textContent only.
 */
(function () {
  "use strict";
  var COMPOUND = 0, ADDITIVE = 1, DIRECT = 2;
  var RATIO = 1, PER = 2, RATE_OF = 3;
  var MULTIPLY = 0, ADD = 1, REPLACE = 2;
  var FAR_OFF_RATIO = 0.6, SLACK = 1e-9;
  var panel = document.getElementById("whatif");
  var source = document.getElementById("whatif-data");
  if (!panel || !source) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var Y = data.years.length;
  var T = Y - 1;
  var L = data.labels;

  function num(x) {
    return x === null ? NaN : x;
  }
  function nums(list) {
    return list === null ? null : list.map(num);
  }
  var series = data.series.map(function (s) {
    return {
      key: s.key,
      mode: s.mode,
      link: s.link,
      driver: s.driver,
      base: num(s.base),
      start: s.start,
      lower: s.lower === null ? -Infinity : s.lower,
      upper: s.upper === null ? Infinity : s.upper,
      steps: nums(s.steps),
      shift: nums(s.shift),
      observed: nums(s.observed),
      edit: s.edit
    };
  });

  // --- The engine, for one scenario ------------------------------------------------------

  function increments(steps, mode) {
    return steps.map(function (g) {
      return mode === COMPOUND ? Math.log1p(Math.max(g, -1)) : g;
    });
  }

  function grow(base, inc, mode, start) {
    var path = new Array(Y);
    var sum = 0;
    path[0] = mode === DIRECT ? base : (mode === COMPOUND ? Math.exp(0) * base : base);
    for (var y = 1; y < Y; y++) {
      if (mode === DIRECT) {
        path[y] = inc[y - 1];
      } else {
        if (y - 1 >= start) {
          sum += inc[y - 1];
        }
        path[y] = mode === COMPOUND ? Math.exp(sum) * base : sum + base;
      }
    }
    if (mode === DIRECT) {
      path[start] = base;
    }
    for (var b = 0; b < start; b++) {
      path[b] = NaN;
    }
    return path;
  }

  function clip(x, lower, upper) {
    return Math.max(Math.min(x, upper), lower);
  }

  // y[t] = clip(y[t-1] + x[t] - x[t-1]) from y = clip(x) at the first value: the engine's
  // discrete Skorokhod map, written as its recursion.
  function boundYearByYear(x, lower, upper) {
    var y = x.slice();
    var first = x.findIndex(function (v) {
      return !isNaN(v);
    });
    if (first < 0) {
      return y;
    }
    y[first] = clip(x[first], lower, upper);
    for (var t = first + 1; t < x.length; t++) {
      y[t] = clip(y[t - 1] + x[t] - x[t - 1], lower, upper);
    }
    return y;
  }

  function boundOwn(own, s) {
    var outside = own.some(function (v) {
      return v < s.lower || v > s.upper;
    });
    if (!outside) {
      return own;
    }
    if (s.mode === COMPOUND) {
      var logs = boundYearByYear(own.map(Math.log), Math.log(s.lower), Math.log(s.upper));
      return logs.map(Math.exp);
    }
    if (s.mode === ADDITIVE) {
      return boundYearByYear(own, s.lower, s.upper);
    }
    return own.map(function (v) {
      return clip(v, s.lower, s.upper);
    });
  }

  function anchorHow(s) {
    if (s.link === RATE_OF) {
      return REPLACE;
    }
    if (s.link !== 0) {
      return MULTIPLY;
    }
    return s.mode === ADDITIVE ? ADD : (s.mode === DIRECT ? REPLACE : MULTIPLY);
  }

  // Through every observation (interpolated between them), then on from the latest one.
  function anchor(path, observed, how) {
    var last = -1;
    var first = path.findIndex(function (v) {
      return !isNaN(v);
    });
    first = first < 0 ? 0 : first;
    var isAnchor = new Array(Y), value = new Array(Y);
    for (var y = 0; y < Y; y++) {
      var seen = !isNaN(observed[y]);
      if (seen) {
        last = y;
      }
      isAnchor[y] = seen || y === first;
      value[y] = seen ? observed[y] : path[y];
    }
    var out = new Array(Y);
    var modelAtLast = path[last], observedAtLast = observed[last];
    for (var t = 0; t < Y; t++) {
      if (how === ADD) {
        out[t] = path[t] * 1.0 + (observedAtLast - modelAtLast);
      } else {
        out[t] = path[t] * (observedAtLast / modelAtLast);
      }
    }
    for (var u = 0; u <= last; u++) {
      var previous = -1, following = 1e9;
      for (var a = u; a >= 0; a--) {
        if (isAnchor[a]) {
          previous = a;
          break;
        }
      }
      for (var b = u; b < Y; b++) {
        if (isAnchor[b]) {
          following = b;
          break;
        }
      }
      following = Math.min(following, Y - 1);
      if (previous < 0) {
        out[u] = path[u];
      } else if (isAnchor[u]) {
        out[u] = value[u];
      } else {
        var atPrevious = value[Math.max(previous, 0)], atFollowing = value[following];
        var weight = (u - previous) / Math.max(following - previous, 1);
        out[u] = how === MULTIPLY
          ? atPrevious * Math.pow(atFollowing / atPrevious, weight)
          : atPrevious + (atFollowing - atPrevious) * weight;
      }
    }
    if (how === REPLACE) {
      for (var r = 0; r < Y; r++) {
        out[r] = isNaN(observed[r]) ? path[r] : observed[r];
      }
    }
    return out;
  }

  function project(steps) {
    var final = new Array(series.length);
    data.order.forEach(function (n) {
      var s = series[n];
      var linked = s.link !== 0;
      var driver = linked ? final[s.driver] : null;
      var base = s.base;
      if (linked && s.link === RATIO) {
        base = 100.0 * s.base / driver[s.start];
      } else if (linked && s.link === PER) {
        base = s.base * driver[s.start];
      }
      var own = grow(base, increments(steps[n], s.mode), s.mode, s.start);
      if (s.shift !== null) {
        own = own.map(function (v, y) {
          return s.mode === ADDITIVE ? v + s.shift[y] : v * s.shift[y];
        });
      }
      var value;
      if (!linked) {
        value = boundOwn(own, s);
      } else if (s.link === RATIO) {
        value = own.map(function (v, y) {
          return v / 100.0 * driver[y];
        });
      } else if (s.link === PER) {
        value = own.map(function (v, y) {
          return v / driver[y];
        });
      } else {
        value = own.map(function (v, y) {
          if (y < s.start) {
            return NaN;
          }
          return y === s.start ? v : (y >= 1 ? 100.0 * (driver[y] / driver[y - 1] - 1.0) : NaN);
        });
      }
      var seen = s.observed !== null && s.observed.some(function (v) {
        return !isNaN(v);
      });
      if (seen) {
        value = anchor(value, s.observed, anchorHow(s));
      }
      // Every series has a finite bound (0 for levels, 1 for ranks), so each is clipped.
      final[n] = value.map(function (v) {
        return clip(v, s.lower, s.upper);
      });
    });
    return final;
  }

  // --- Targets (core/assess.py) -----------------------------------------------------------

  function requiredRate(start, end, years) {
    var ratio = end / start;
    if (!(ratio >= 0 && years > 0 && start > 0)) {
      return NaN;
    }
    return Math.pow(ratio, 1.0 / years) - 1.0;
  }

  function within(value, m) {
    var slack = SLACK * Math.max(Math.abs(isNaN(m.value) ? 0 : m.value), 1.0);
    return value >= m.low - slack && value <= m.high + slack;
  }

  function averageRate(path, from, to) {
    var total = 0, unknown = 0, totals = [], unknowns = [];
    for (var y = 0; y < Y; y++) {
      var log = Math.log1p(path[y] / 100.0);
      if (isNaN(log)) {
        unknown += 1;
      } else {
        total += isFinite(log) ? log : (log < 0 ? -Number.MAX_VALUE : Number.MAX_VALUE);
      }
      totals.push(total);
      unknowns.push(unknown);
    }
    var span = to - from;
    if (span <= 0 || unknowns[to] - unknowns[from] > 0) {
      return NaN;
    }
    return Math.expm1((totals[to] - totals[from]) / span);
  }

  function paceFromNow(m, value) {
    if (m.needUnit === null || isNaN(value) || m.latestYear === null) {
      return NaN;
    }
    if (m.needUnit === "rate_remaining") {
      var span = m.milestone - m.periodStart, done = m.latestYear - m.periodStart;
      if (done <= 0 || m.latestValue === null) {
        return value / 100.0;
      }
      var wanted = Math.pow(1 + value / 100.0, span);
      var achieved = Math.pow(1 + m.latestValue / 100.0, done);
      return Math.pow(wanted / achieved, 1.0 / (span - done)) - 1.0;
    }
    var years = m.milestone - m.latestYear;
    if (years <= 0 || m.latestValue === null) {
      return NaN;
    }
    if (m.needUnit === "rate") {
      if (m.latestValue <= 0 || value < 0) {
        return NaN;
      }
      return Math.pow(value / m.latestValue, 1.0 / years) - 1.0;
    }
    return (value - m.latestValue) / years;
  }

  function assess(paths) {
    return data.targets.map(function (target) {
      var path = paths[target.series];
      return target.milestones.map(function (raw) {
        var m = {
          value: num(raw.value), low: raw.low === null ? -Infinity : raw.low,
          high: raw.high === null ? Infinity : raw.high, required: num(raw.required),
          milestone: raw.milestone, index: raw.index, spanStart: raw.spanStart,
          needUnit: raw.needUnit, latestYear: raw.latestYear, latestValue: raw.latestValue,
          periodStart: raw.periodStart
        };
        var projected, scenarioRate;
        if (target.growthRate) {
          scenarioRate = averageRate(path, m.spanStart, m.index);
          projected = 100.0 * scenarioRate;
        } else {
          projected = path[m.index];
          if (target.whole) {
            projected = Math.floor(projected + 0.5);
          }
          var span = m.milestone - data.years[m.spanStart];
          scenarioRate = requiredRate(path[m.spanStart], path[m.index], span);
        }
        var assessable = !isNaN(projected) && !isNaN(m.value);
        var met = assessable ? (within(projected, m) ? 1 : 0) : NaN;
        var outcome;
        var ratio = target.direction * scenarioRate / Math.abs(m.required);
        if (isNaN(met)) {
          outcome = "not_assessable";
        } else if (met === 1) {
          outcome = "met";
        } else if (m.required === 0) {
          outcome = "moving_away";
        } else if (isNaN(ratio) || ratio >= FAR_OFF_RATIO) {
          outcome = "missed";
        } else {
          outcome = ratio >= 0 ? "far_off" : "moving_away";
        }
        return {
          projected: projected, met: met, outcome: outcome,
          pace: paceFromNow(m, projected)
        };
      });
    });
  }

  // --- The reader's settings ----------------------------------------------------------------

  var rows = Array.prototype.slice.call(panel.querySelectorAll(".wi-row"));
  var inputs = {}, sliders = {};
  rows.forEach(function (row) {
    var n = Number(row.getAttribute("data-n"));
    var input = row.querySelector("input.wi-in");
    var slider = row.querySelector("input.wi-slide");
    if (input) {
      inputs[n] = input;
      sliders[n] = slider;
    }
  });

  // The setting of series n as a number, or null where it is the scenario's own (or invalid).
  function setting(n) {
    var input = inputs[n];
    var edit = series[n].edit;
    var text = input.value.trim();
    var value = text === "" ? NaN : Number(text);
    var valid = isFinite(value) && (edit.unit === "change" || value > -100);
    input.setAttribute("aria-invalid", valid ? "false" : "true");
    if (!valid || value === edit.initial) {
      return null;
    }
    return value;
  }

  function stepsWith(settings) {
    return series.map(function (s, n) {
      var steps = s.steps.slice();
      var value = settings[n];
      if (value === undefined || value === null) {
        return steps;
      }
      for (var t = s.edit.from; t < T; t++) {
        if (s.edit.unit === "change") {
          steps[t] = value;
        } else if (s.edit.form === "real") {
          steps[t] = (1.0 + value / 100.0) * (1.0 + s.edit.deflator[t]) - 1.0;
        } else if (s.mode === DIRECT) {
          steps[t] = value / 100.0 * 100.0;
        } else {
          steps[t] = value / 100.0;
        }
      }
      return steps;
    });
  }

  // --- The scenario file ------------------------------------------------------------------

  function quoted(text) {
    var out = "\"";
    Array.from(String(text)).forEach(function (ch) {
      var code = ch.codePointAt(0);
      if (ch === "\"" || ch === "\\") {
        out += "\\" + ch;
      } else if (code >= 0x20 && code < 0x7f) {
        out += ch;
      } else if (code <= 0xffff) {
        out += "\\u" + code.toString(16).padStart(4, "0");
      } else {
        out += "\\U" + code.toString(16).padStart(8, "0");
      }
    });
    return out + "\"";
  }

  function plainNumber(value) {
    var text = String(value);
    return /^-?\d+(\.\d+)?$/.test(text) ? text : quoted(text);
  }

  function yamlText(settings) {
    var name = data.scenario + "-whatif";
    var lines = [
      "# A what-if written by the what-if panel of an nscc report: the scenario it extends,",
      "# with the settings changed in the panel (each from the year after the latest observation).",
      "# Run it with: nscc project --scenario THIS_FILE --as-of " + data.asOf,
      "name: " + quoted(name),
      "extends: " + quoted(data.extends),
      "description: " + quoted(data.description),
      "growth:"
    ];
    var any = false;
    series.forEach(function (s, n) {
      var value = settings[n];
      if (value === undefined || value === null) {
        return;
      }
      any = true;
      var first = data.years[s.edit.from + 1], last = data.years[T];
      var period = quoted(first === last ? String(first) : first + "-" + last);
      var amount = s.edit.unit === "change" ? plainNumber(value) : quoted(String(value) + "%");
      var inner = "{" + period + ": " + amount + "}";
      if (s.edit.unit === "change") {
        inner = "{change: " + inner + "}";
      }
      var spec;
      if (s.edit.form === "real") {
        spec = "{real: " + inner + "}";
      } else if (s.edit.form === "ratio_to" || s.edit.form === "share_of") {
        spec = "{" + s.edit.form + ": " + quoted(s.edit.driver) + ", ratio: " + inner + "}";
      } else if (s.edit.form === "per") {
        spec = "{per: " + quoted(s.edit.driver) + ", count: " + inner + "}";
      } else {
        spec = inner;
      }
      lines.push("  " + quoted(s.key) + ": " + spec);
    });
    if (!any) {
      lines[lines.length - 1] = "growth: {}";
    }
    return lines.join("\n") + "\n";
  }

  // --- Showing it ---------------------------------------------------------------------------

  var whole = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  var twoDecimals = new Intl.NumberFormat("en-US", {
    minimumFractionDigits: 2, maximumFractionDigits: 2
  });

  function amount(value, target) {
    if (isNaN(value)) {
      return "–";
    }
    if (target.growthRate) {
      return twoDecimals.format(value) + "%";
    }
    return (target.whole ? whole : twoDecimals).format(value);
  }

  function motion(rate, unit) {
    if (isNaN(rate) || unit === null) {
      return "–";
    }
    var shown = unit.indexOf("rate") === 0 ? 100 * rate : rate;
    var text = shown.toFixed(2);
    return (shown >= 0 && text.charAt(0) !== "-" ? "+" : "") + text + L["unit." + unit];
  }

  function exact(value) {
    return isNaN(value) ? "" : String(value);
  }

  var cells = rows.map(function (row) {
    return Array.prototype.slice.call(row.querySelectorAll("tr[data-m]")).map(function (tr) {
      return {
        target: Number(tr.getAttribute("data-t")),
        m: Number(tr.getAttribute("data-m")),
        value: tr.querySelector(".wi-v"),
        status: tr.querySelector(".wi-s"),
        pace: tr.querySelector(".wi-p")
      };
    });
  });
  var summary = document.getElementById("wi-summary");
  var download = document.getElementById("wi-download");
  var reference = null;

  function format(template, fields) {
    return template.replace(/\{(\w+)\}/g, function (match, name) {
      return String(fields[name]);
    });
  }

  function update() {
    var settings = {};
    Object.keys(inputs).forEach(function (key) {
      var n = Number(key);
      settings[n] = setting(n);
      var row = inputs[n].closest(".wi-row");
      row.classList.toggle("wi-edited", settings[n] !== null);
    });
    var results = assess(project(stepsWith(settings)));
    if (reference === null) {
      reference = results;
    }
    var counts = data.milestones.map(function () {
      return { met: 0, of: 0, was: 0 };
    });
    cells.forEach(function (list) {
      list.forEach(function (cell) {
        var target = data.targets[cell.target];
        var result = results[cell.target][cell.m];
        var before = reference[cell.target][cell.m];
        cell.value.textContent = amount(result.projected, target);
        cell.value.setAttribute("data-value", exact(result.projected));
        var flipped = result.met !== before.met && !isNaN(result.met) && !isNaN(before.met);
        var word = L["status." + result.outcome];
        cell.status.textContent = flipped ? word + (result.met === 1 ? " ↑" : " ↓") : word;
        cell.status.title = flipped ? L[result.met === 1 ? "now_met" : "now_missed"] : "";
        cell.status.classList.toggle("wi-flip", flipped);
        cell.status.style.backgroundColor = data.colours[result.outcome];
        cell.status.setAttribute("data-outcome", result.outcome);
        cell.status.setAttribute("data-met", isNaN(result.met) ? "" : String(result.met));
        cell.pace.textContent = motion(result.pace, target.milestones[cell.m].needUnit);
        cell.pace.setAttribute("data-value", exact(result.pace));
      });
    });
    results.forEach(function (perMilestone, i) {
      perMilestone.forEach(function (result, m) {
        if (!isNaN(result.met)) {
          counts[m].of += 1;
          counts[m].met += result.met;
          counts[m].was += reference[i][m].met;
        }
      });
    });
    summary.textContent = counts.map(function (count, m) {
      return format(L.summary, {
        year: data.milestones[m], met: count.met, of: count.of, scenario: count.was
      });
    }).join(" · ");
    var text = yamlText(settings);
    download.setAttribute("href", "data:text/yaml;charset=utf-8," + encodeURIComponent(text));
  }

  Object.keys(inputs).forEach(function (key) {
    var n = Number(key);
    inputs[n].addEventListener("input", function () {
      var value = Number(inputs[n].value);
      if (inputs[n].value.trim() !== "" && isFinite(value)) {
        sliders[n].value = String(value);
      }
      update();
    });
    sliders[n].addEventListener("input", function () {
      inputs[n].value = sliders[n].value;
      update();
    });
  });
  document.getElementById("wi-reset").addEventListener("click", function () {
    Object.keys(inputs).forEach(function (key) {
      var n = Number(key);
      inputs[n].value = inputs[n].defaultValue;
      sliders[n].value = sliders[n].defaultValue;
    });
    update();
  });
  download.setAttribute("download", data.fileName);
  update();
})();
