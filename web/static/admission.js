// Admission pages: the zone map. The Content-Security-Policy allows no
// inline script; the page carries the data in <script type="application/json">:
// {"geo": the zones as a GeoJSON FeatureCollection (feature name = zone
// code), "option": the ECharts option, "labels": words for the tooltip}.
// The zones' own GeoJSON is registered as the map: no internet tiles.
(function () {
  'use strict';

  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c];
    });
  }

  function init() {
    if (!window.echarts) return;
    var els = document.querySelectorAll('[data-zone-map]');
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var src = document.getElementById(el.getAttribute('data-zone-map'));
      if (!src) continue;
      var data;
      try { data = JSON.parse(src.textContent); } catch (e) { continue; }
      window.echarts.registerMap('zones', data.geo);
      var labels = data.labels || {};
      data.option.tooltip.formatter = function (p) {
        if (p.seriesType === 'scatter') return esc(p.value[2]);
        var d = p.data || {};
        return '<strong>' + esc(p.name) + ' ' + esc(d.title || '') + '</strong><br>' +
          esc(labels.schools) + ': ' + esc(d.schools || '') + '<br>' +
          esc(labels.demand) + ': ' + esc(d.demand) + ' / ' + esc(labels.capacity) + ': ' + esc(d.capacity);
      };
      var chart = window.echarts.init(el, null, { renderer: 'canvas' });
      chart.setOption(data.option);
      el.setAttribute('data-chart-ready', '1');
      window.addEventListener('resize', function () { chart.resize(); });
    }
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
