// edubureau: the little behaviour the pages need. The Content-Security-Policy
// allows no inline script, so everything is wired here from data-* attributes.
(function () {
  'use strict';

  var charts = [];

  // Charts: <div data-chart="ID"> takes its ECharts option from the JSON in
  // <script type="application/json" id="ID">, written by the server.
  function initCharts(root) {
    if (!window.echarts) return;
    var els = root.querySelectorAll('[data-chart]');
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (el.getAttribute('data-chart-ready')) continue;
      var src = document.getElementById(el.getAttribute('data-chart'));
      if (!src) continue;
      var option;
      try {
        option = JSON.parse(src.textContent);
      } catch (e) {
        continue;
      }
      var chart = window.echarts.init(el, null, { renderer: 'canvas' });
      chart.setOption(option);
      el.setAttribute('data-chart-ready', '1');
      charts.push(chart);
    }
  }

  function resizeCharts() {
    for (var i = 0; i < charts.length; i++) charts[i].resize();
  }

  // Forms remember whether they were changed, for "discard changes?" prompts.
  document.addEventListener('input', function (ev) {
    var form = ev.target.form;
    if (form) form.setAttribute('data-dirty', '1');
  });
  document.addEventListener('submit', function (ev) {
    ev.target.removeAttribute('data-dirty');
  });

  // Confirmation: any link or button with data-confirm="question" asks first;
  // with data-confirm-when="dirty" only when its form has unsaved changes.
  document.addEventListener('click', function (ev) {
    var el = ev.target.closest('[data-confirm]');
    if (el) {
      var form = el.form || el.closest('form');
      var onlyDirty = el.getAttribute('data-confirm-when') === 'dirty';
      if (!onlyDirty || (form && form.getAttribute('data-dirty'))) {
        if (!window.confirm(el.getAttribute('data-confirm'))) {
          ev.preventDefault();
          ev.stopImmediatePropagation();
          return;
        }
      }
    }
    if (ev.target.closest('[data-print]')) {
      ev.preventDefault();
      window.print();
    }
  }, true);

  // Language switch: come back to the URL shown now (htmx may have changed it
  // since the page was rendered).
  document.addEventListener('click', function (ev) {
    var a = ev.target.closest('a[data-lang-switch]');
    if (!a) return;
    var url = new URL(a.href, location.href);
    url.searchParams.set('next', location.pathname + location.search);
    a.href = url.pathname + url.search;
  }, true);

  // Townships follow the county: a select with data-townships="ID" reloads
  // the options of select#ID from /areas/{county}/townships. Runs in the
  // capture phase, before htmx reads the form, so a stale township is not sent.
  document.addEventListener('change', function (ev) {
    var county = ev.target;
    if (!county.matches || !county.matches('select[data-townships]')) return;
    var target = document.getElementById(county.getAttribute('data-townships'));
    if (!target) return;
    while (target.options.length > 1) target.remove(1);
    target.value = '';
    if (county.value && window.htmx) {
      window.htmx.ajax('GET', '/areas/' + encodeURIComponent(county.value) + '/townships',
        { target: target, swap: 'beforeend', source: county });
    }
  }, true);

  // htmx: a 400 or 422 carries a page explaining the problem, so show it;
  // other failures show a short message at the top of the page.
  document.addEventListener('htmx:beforeSwap', function (ev) {
    var status = ev.detail.xhr.status;
    if (status === 400 || status === 422) {
      ev.detail.shouldSwap = true;
      ev.detail.isError = false;
    } else if (status >= 400) {
      ev.detail.shouldSwap = false;
      showAlert(ev.detail.xhr.responseText);
    }
  });
  document.addEventListener('htmx:sendError', function () {
    showAlert('');
  });
  function showAlert(html) {
    var box = document.getElementById('app-alert');
    if (!box) return;
    var doc = new DOMParser().parseFromString(html || '', 'text/html');
    var msg = doc.getElementById('error-message');
    box.textContent = msg ? msg.textContent : (document.documentElement.lang === 'en'
      ? 'The server could not be reached. Please try again.' : '无法连接服务器，请稍后重试。');
    box.hidden = false;
  }
  document.addEventListener('htmx:afterSwap', function (ev) {
    var box = document.getElementById('app-alert');
    if (box) box.hidden = true;
    initCharts(ev.detail.target || document);
  });

  function ready() {
    initCharts(document);
    var t;
    window.addEventListener('resize', function () {
      clearTimeout(t);
      t = setTimeout(resizeCharts, 150);
    });
    window.addEventListener('beforeprint', resizeCharts);
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', ready);
  } else {
    ready();
  }
})();
