/* Small progressive enhancements; every page works without them. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Selects marked data-autosubmit submit their form on change (the submit button stays for keyboards
  // and for pages without JavaScript).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit();
    });
  });

  // Period picker: editing a date means "custom range"; a preset hides the dates.
  document.querySelectorAll("[data-period-picker]").forEach(function (form) {
    var preset = form.querySelector("select[name=period]");
    var dates = form.querySelectorAll("[data-custom-dates]");
    if (!preset) return;
    function sync() {
      var custom = preset.value === "custom";
      dates.forEach(function (el) { el.hidden = !custom; });
    }
    form.querySelectorAll("input[type=date]").forEach(function (input) {
      input.addEventListener("change", function () { preset.value = "custom"; sync(); });
    });
    // Choosing "custom" only reveals the dates; submitting waits for the Show button.
    preset.removeAttribute("data-autosubmit");
    preset.addEventListener("change", function () {
      sync();
      if (preset.value !== "custom") form.requestSubmit ? form.requestSubmit() : form.submit();
    });
    sync();
  });
})();
