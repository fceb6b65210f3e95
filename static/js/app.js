/* Small progressive enhancements; every page works without them. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function submit(form) {
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  // Period picker: a preset submits at once and hides the dates; "custom" reveals them and waits for
  // the Show button; editing a date means "custom". Dates are only sent with a custom range, so a
  // preset's URL stays short (and keeps rolling when bookmarked).
  document.querySelectorAll("[data-period-picker]").forEach(function (form) {
    var preset = form.querySelector("select[name=period]");
    if (!preset) return;
    var dates = form.querySelectorAll("[data-custom-dates]");
    var inputs = form.querySelectorAll("input[type=date]");
    function sync() {
      var custom = preset.value === "custom";
      dates.forEach(function (el) { el.hidden = !custom; });
      inputs.forEach(function (input) { input.disabled = !custom; });
    }
    preset.removeAttribute("data-autosubmit");
    preset.addEventListener("change", function () {
      sync();
      if (preset.value !== "custom") submit(form);
    });
    inputs.forEach(function (input) {
      input.addEventListener("change", function () { preset.value = "custom"; sync(); });
    });
    sync();
  });

  // Other selects marked data-autosubmit submit their form on change (the submit buttons stay for
  // keyboards and for pages without JavaScript).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) submit(select.form);
    });
  });

  // Tables wider than the screen scroll inside their wrapper: mark those wrappers and say so above them (the
  // hint's text comes translated from <main data-scroll-hint>). Again when the window changes size.
  var hintText = (document.getElementById("main") || document.body).getAttribute("data-scroll-hint");
  function markScrollable() {
    document.querySelectorAll(".table-scroll").forEach(function (wrapper) {
      var wider = wrapper.scrollWidth > wrapper.clientWidth + 1;
      wrapper.classList.toggle("is-scrollable", wider);
      var hint = wrapper.previousElementSibling;
      var hasHint = hint && hint.classList.contains("scroll-hint");
      if (wider && !hasHint && hintText) {
        hint = document.createElement("p");
        hint.className = "scroll-hint";
        hint.textContent = hintText;
        wrapper.parentNode.insertBefore(hint, wrapper);
      } else if (!wider && hasHint) {
        hint.remove();
      }
    });
  }
  markScrollable();
  var resizeTimer;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(markScrollable, 150);
  });

  // Copy buttons (data-copy names the input to copy): the clipboard when the browser offers it (secure
  // pages), else the text is selected so the user can press Ctrl+C.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector("[data-copy-status]");
    if (!input) return;
    function say(text) { if (status) status.textContent = text; }
    function selectText() {
      input.focus();
      input.select();
      say(button.getAttribute("data-select-hint") || "");
    }
    button.addEventListener("click", function () {
      if (navigator.clipboard && navigator.clipboard.writeText && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(function () {
          say(button.getAttribute("data-copied") || "");
        }, selectText);
      } else {
        selectText();
      }
    });
  });
})();
