// The review form's conveniences (console/notice_draft.html). The form works without
// them: every button is a plain POST and the server decides what stands. This script
// links each field to its words in the source text both ways, keeps the "Ban hành"
// button and its status in step with what was changed or ticked, and splits a task's
// work at the caret when "Tách" is pressed.
(function () {
  "use strict";
  var form = document.getElementById("draft");
  var source = document.getElementById("source-text");
  if (!form || !source) {
    return;
  }

  // ------------------------------------------------------------ fields and their words
  var marksByRef = {};
  source.querySelectorAll("[data-refs]").forEach(function (el) {
    el.getAttribute("data-refs").split(" ").forEach(function (ref) {
      (marksByRef[ref] = marksByRef[ref] || []).push(el);
    });
  });
  var lit = [];

  function scrollable() {
    return source.scrollHeight > source.clientHeight + 1;
  }

  function reveal(el, jump) {
    if (scrollable()) {
      var top = el.offsetTop - source.offsetTop - source.clientHeight / 3;
      source.scrollTop = Math.max(0, top);
    } else if (jump) {
      el.scrollIntoView({ block: "center" });
    }
  }

  function light(ref, jump) {
    lit.forEach(function (el) {
      el.classList.remove("lit", "lit-row");
    });
    lit = [];
    var row = ref.split("-")[0] + "-source";
    (marksByRef[row] || []).forEach(function (el) {
      el.classList.add("lit-row");
      lit.push(el);
    });
    var marks = ref === row ? [] : marksByRef[ref] || [];
    marks.forEach(function (el) {
      el.classList.add("lit");
      lit.push(el);
    });
    form.querySelectorAll('.field[data-ref="' + ref + '"]').forEach(function (el) {
      el.classList.add("lit");
      lit.push(el);
    });
    var first = marks[0] || (marksByRef[row] || [])[0];
    if (first) {
      reveal(first, jump);
    }
  }

  form.addEventListener("focusin", function (event) {
    var holder = event.target.closest("[data-ref]");
    if (holder && !event.target.matches("a.see")) {
      light(holder.getAttribute("data-ref"), false);
    }
  });

  form.addEventListener("click", function (event) {
    var see = event.target.closest("a.see");
    if (see) {
      event.preventDefault();
      light(see.getAttribute("data-ref"), true);
    }
  });

  source.addEventListener("click", function (event) {
    var mark = event.target.closest("a.mark");
    if (!mark) {
      return;
    }
    event.preventDefault();
    var control = document.getElementById(mark.getAttribute("href").slice(1));
    if (control) {
      control.scrollIntoView({ block: "center" });
      control.focus({ preventScroll: true });
    }
  });

  // ------------------------------------------------------- what still stands, live
  var issue = document.getElementById("issue");
  var status = document.getElementById("issue-status");
  var lists = Array.prototype.slice.call(form.querySelectorAll("ul.flags[data-flags]"));

  function controlsOf(list) {
    var ref = list.getAttribute("data-flags");
    if (ref === "notice-signer") {
      return ["f-notice-signer_name", "f-notice-signer_title"];
    }
    return ["f-" + ref];
  }

  function valueOf(id) {
    var control = document.getElementById(id);
    if (!control) {
      return "";
    }
    if (control.tagName === "FIELDSET") {
      return Array.prototype.map
        .call(control.querySelectorAll("input:checked"), function (box) {
          return box.value;
        })
        .sort()
        .join(",");
    }
    return control.value.trim().split(/\s+/).join(" ");
  }

  function current(list) {
    return controlsOf(list).map(valueOf).join("\u0000");
  }

  var initial = lists.map(current);

  function ticked(selector) {
    var box = form.querySelector(selector);
    return Boolean(box && box.checked);
  }

  function standing() {
    var count = 0;
    lists.forEach(function (list, i) {
      var changed = current(list) !== initial[i];
      var ref = list.getAttribute("data-flags");
      var fieldTicked = ticked('input[data-ok="' + ref + '"]');
      var open = 0;
      list.querySelectorAll("li").forEach(function (item) {
        var fix = item.classList.contains("fix");
        var key = item.getAttribute("data-key");
        var confirmed = !fix && (fieldTicked || ticked('input[data-okall="' + key + '"]'));
        if (!changed && !confirmed) {
          open += 1;
        }
      });
      var holder = list.closest(".field");
      if (holder) {
        holder.classList.toggle("cleared", open === 0);
      }
      count += open;
    });
    return count;
  }

  function update() {
    if (!issue) {
      return;
    }
    var count = standing();
    issue.disabled = count > 0;
    status.textContent =
      count > 0
        ? "Còn " + count + " mục cần sửa hoặc xác nhận trước khi ban hành."
        : "Các mục đã được sửa hoặc xác nhận. Bấm «Ban hành» để giao nhiệm vụ; hệ thống kiểm tra lại toàn bộ trước khi giao.";
  }

  if (lists.length) {
    form.addEventListener("input", update);
    form.addEventListener("change", update);
  }

  // ------------------------------------------------------------- split at the caret
  form.addEventListener("keyup", remember);
  form.addEventListener("mouseup", remember);
  form.addEventListener("select", remember);

  function remember(event) {
    var area = event.target;
    if (area.tagName === "TEXTAREA" && area.name.indexOf("work.") === 0) {
      area.setAttribute("data-caret", String(area.selectionStart));
    }
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-split]");
    if (!button) {
      return;
    }
    var area = document.getElementById("f-" + button.getAttribute("data-split") + "-work");
    if (!area || area.value.indexOf("\n") >= 0) {
      return;
    }
    var at = Number(area.getAttribute("data-caret") || "-1");
    var text = area.value;
    if (at > 0 && at < text.trimEnd().length) {
      area.value = text.slice(0, at).trimEnd() + "\n" + text.slice(at).trimStart();
    }
  });

  form.addEventListener("submit", function (event) {
    if (event.submitter === issue) {
      window.setTimeout(function () {
        issue.disabled = true;
      }, 0);
    }
  });
})();
