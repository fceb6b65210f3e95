/* Draw the report's plotly figures. Each figure comes from the server (dashboard/charts.py) in a
   json_script element named by the chart element's data-figure attribute. */
(function () {
  "use strict";
  if (!window.Plotly) return;

  // German month and day names for the axes; numbers use the figure's own layout.separators.
  Plotly.register({
    moduleType: "locale",
    name: "de",
    dictionary: {},
    format: {
      days: ["Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"],
      shortDays: ["So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"],
      months: ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
        "Oktober", "November", "Dezember"],
      shortMonths: ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"],
      date: "%d.%m.%Y",
      decimal: ",",
      thousands: ".",
    },
  });

  document.querySelectorAll("[data-figure]").forEach(function (el) {
    var source = document.getElementById(el.dataset.figure);
    if (!source) return;
    var figure = JSON.parse(source.textContent);
    Plotly.newPlot(el, figure.data, figure.layout, {
      responsive: true,
      displaylogo: false,
      locale: el.dataset.locale || "en",
      // Only "download as PNG": the axes are fixed, so zoom and pan buttons would do nothing.
      modeBarButtons: [["toImage"]],
    });
  });
})();
