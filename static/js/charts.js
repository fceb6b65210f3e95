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

  // The server labels at most 8 dates under a chart (the last day always among them); a phone's narrow
  // chart has room for about one label per 80 px, so keep every second (or third) one, counted back from
  // the last day so that it stays labelled.
  function thinDateTicks(layout, width) {
    var axis = layout && layout.xaxis;
    if (!axis || !axis.tickvals || !axis.ticktext || !width) return;
    var room = Math.max(2, Math.floor(width / 80));
    var step = Math.ceil(axis.tickvals.length / room);
    if (step <= 1) return;
    var vals = [], text = [];
    for (var i = axis.tickvals.length - 1; i >= 0; i -= step) {
      vals.unshift(axis.tickvals[i]);
      text.unshift(axis.ticktext[i]);
    }
    axis.tickvals = vals;
    axis.ticktext = text;
  }

  document.querySelectorAll("[data-figure]").forEach(function (el) {
    var source = document.getElementById(el.dataset.figure);
    if (!source) return;
    var figure = JSON.parse(source.textContent);
    thinDateTicks(figure.layout, el.clientWidth);
    Plotly.newPlot(el, figure.data, figure.layout, {
      responsive: true,
      displaylogo: false,
      locale: el.dataset.locale || "en",
      // Only "download as PNG": the axes are fixed, so zoom and pan buttons would do nothing.
      modeBarButtons: [["toImage"]],
    });
  });
})();
