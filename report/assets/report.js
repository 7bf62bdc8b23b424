// pricewatch report: draws the charts from the JSON in #report-data with
// Apache ECharts. When every chart has drawn it sets, on <html>,
// data-charts-drawn (charts that finished rendering), data-charts-nonblank
// (charts whose canvas has paint on it) and data-ready="1".
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('report-data').textContent);
  var root = document.documentElement;
  var charts = [];
  var expected = 0;
  var drawn = 0;
  var created = false; // every chart has been set up

  var PALETTE = ['#d62728', '#ff7f0e', '#9467bd', '#2ca02c', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#1f77b4', '#7f7f7f'];
  var TIPCSS = 'max-width: 460px; white-space: normal;';
  var SYMBOLS = ['circle', 'triangle', 'diamond', 'rect', 'pin', 'roundRect', 'arrow'];
  var detColor = {};
  var detSymbol = {};
  D.detectors.forEach(function (d, i) {
    detColor[d] = PALETTE[i % PALETTE.length];
    detSymbol[d] = SYMBOLS[i % SYMBOLS.length];
  });

  function pad(n, w) { n = String(n); while (n.length < (w || 2)) { n = '0' + n; } return n; }
  // fmtTime writes epoch milliseconds as a UTC time, without the date when
  // short is set.
  function fmtTime(ms, short) {
    var d = new Date(ms);
    var s = pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds());
    if (d.getUTCMilliseconds()) { s += '.' + pad(d.getUTCMilliseconds(), 3); }
    if (short) { return s; }
    return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' ' + s;
  }
  function fmtNum(x) {
    if (x === null || x === undefined) { return '–'; }
    return Number(x).toLocaleString('en-US', { maximumFractionDigits: 6 });
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function dot(color) { return '<span class="dot" style="background:' + color + '"></span>'; }

  // check records the state of the charts once all have drawn.
  function check() {
    root.setAttribute('data-charts-drawn', String(drawn));
    if (!created || drawn < expected || root.getAttribute('data-ready') === '1') { return; }
    var nonblank = 0;
    var blank = [];
    charts.forEach(function (c) {
      if (painted(c.getDom()) > 200) { nonblank++; } else { blank.push(c.getDom().id); }
    });
    root.setAttribute('data-charts-nonblank', String(nonblank));
    root.setAttribute('data-charts-blank', blank.join(' '));
    root.setAttribute('data-ready', '1');
  }
  // painted counts the pixels with paint on the canvases of a chart.
  function painted(el) {
    var n = 0;
    Array.prototype.forEach.call(el.querySelectorAll('canvas'), function (cv) {
      var px = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
      for (var i = 3; i < px.length; i += 16) { if (px[i] !== 0) { n++; } }
    });
    return n;
  }

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    expected++;
    root.setAttribute('data-charts-expected', String(expected));
    var c = echarts.init(el, null, { renderer: 'canvas' });
    var done = false;
    c.on('finished', function () {
      if (done) { return; }
      done = true;
      drawn++;
      check();
    });
    charts.push(c);
    c.setOption(option);
    return c;
  }

  var base = {
    useUTC: true,
    animation: false,
    textStyle: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif' },
  };
  function opt(o) { return Object.assign({}, base, o); }
  function timeAxis(extra) {
    return Object.assign({
      type: 'time', min: D.range[0], max: D.range[1],
      axisLabel: { hideOverlap: true, formatter: { year: '{yyyy}', month: '{yyyy}-{MM}', day: '{MM}-{dd}', hour: '{HH}:{mm}', minute: '{HH}:{mm}', second: '{HH}:{mm}:{ss}', millisecond: '{HH}:{mm}:{ss}.{SSS}' } },
      splitLine: { show: false },
    }, extra || {});
  }

  // Anomalies by detector per hour, stacked: every detector has a value
  // (maybe 0) for every hour, as stacks add up values by position.
  (function hourly() {
    var hours = [];
    var counts = {};
    D.hourly.forEach(function (r) {
      if (hours[hours.length - 1] !== r[0]) { hours.push(r[0]); }
      counts[r[0] + ' ' + r[1]] = r[2];
    });
    var series = D.detectors.map(function (det) {
      return {
        name: det, type: 'bar', stack: 'n', barMaxWidth: 60,
        itemStyle: { color: detColor[det] },
        data: hours.map(function (h) { return [h + 1800000, counts[h + ' ' + det] || 0]; }),
      };
    });
    chart('chart-hourly', opt({
      grid: { left: 50, right: 24, top: 40, bottom: 30 },
      legend: { top: 4 },
      tooltip: {
        trigger: 'axis', className: 'tip', extraCssText: TIPCSS,
        formatter: function (ps) {
          if (!ps.length) { return ''; }
          var h = ps[0].value[0] - 1800000;
          var total = 0;
          var s = '<b>' + fmtTime(h) + ' – ' + fmtTime(h + 3600000, true) + '</b><table>';
          ps.forEach(function (p) {
            if (p.value[0] - 1800000 !== h || !p.value[1]) { return; }
            total += p.value[1];
            s += '<tr><td>' + dot(p.color) + esc(p.seriesName) + '</td><td>' + p.value[1] + '</td></tr>';
          });
          return s + '<tr><td><b>total</b></td><td><b>' + total + '</b></td></tr></table>';
        },
      },
      xAxis: timeAxis(),
      yAxis: { type: 'value', name: 'anomalies', minInterval: 1 },
      graphic: D.hourly.length ? [] : [{ type: 'text', left: 'center', top: 'middle', style: { text: 'no anomalies', fill: '#888', fontSize: 14 } }],
      series: series,
    }));
  })();

  // bisect returns the index of the last bar starting at or before t, or -1.
  function bisect(bars, t) {
    var lo = 0;
    var hi = bars.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (bars[mid][0] <= t) { lo = mid + 1; } else { hi = mid; }
    }
    return lo - 1;
  }
  // valueAt returns the interval of a history series in force at t.
  function valueAt(series, t) {
    var found = null;
    series.intervals.forEach(function (iv) {
      if (iv.from <= t && (iv.to === null || t < iv.to)) { found = iv; }
    });
    return found;
  }
  function ivText(iv) {
    if (!iv) { return '–'; }
    if (iv.str !== null) { return iv.str; }
    return fmtNum(iv.num);
  }
  // steps turns a numeric history into the points of a step line clipped
  // to the range drawn.
  function steps(series) {
    var pts = [];
    series.intervals.forEach(function (iv) {
      var to = iv.to === null ? D.range[1] : Math.min(iv.to, D.range[1]);
      var from = Math.max(iv.from, D.range[0]);
      if (to < D.range[0] || from > D.range[1]) { return; }
      pts.push([from, iv.num]);
      pts.push([to, iv.num]);
    });
    return pts;
  }

  D.instruments.forEach(function (inst, i) {
    var bars = inst.bars;
    var marks = inst.anomalies;
    var useVolume = bars.some(function (b) { return b[7] > 0; });
    var overlays = inst.history.filter(function (h) { return h.numeric && D.overlay.indexOf(h.attribute) >= 0; });
    var windowMs = D.window.lengthMs || 60000;
    function mid(b) { return b[0] + (b[1] - b[0]) / 2; }

    // marksIn returns the anomalies shown for the axis position t: those
    // in the window of t, or within half a window of t.
    function marksIn(t) {
      var j = bisect(bars, t);
      var from = t - windowMs / 2;
      var to = t + windowMs / 2;
      if (j >= 0 && t < bars[j][1]) { from = bars[j][0]; to = bars[j][1]; }
      return marks.filter(function (m) { return m.t >= from && m.t < to; });
    }

    var series = [
      { name: 'low', type: 'line', stack: 'range', symbol: 'none', silent: true, lineStyle: { opacity: 0 },
        data: bars.map(function (b) { return [mid(b), b[4]]; }), tooltip: { show: false } },
      { name: 'high–low', type: 'line', stack: 'range', symbol: 'none', silent: true, lineStyle: { opacity: 0 },
        areaStyle: { color: 'rgba(70, 110, 190, 0.22)' }, itemStyle: { color: 'rgba(70, 110, 190, 0.45)' },
        data: bars.map(function (b) { return [mid(b), b[3] === null || b[4] === null ? null : b[3] - b[4]]; }) },
      { name: 'close', type: 'line', symbol: 'none', sampling: 'lttb', lineStyle: { width: 1.4, color: '#2f4f8f' },
        itemStyle: { color: '#2f4f8f' }, data: bars.map(function (b) { return [mid(b), b[5]]; }) },
    ];
    overlays.forEach(function (h, k) {
      series.push({ name: h.attribute, type: 'line', step: 'end', symbol: 'none',
        lineStyle: { type: 'dashed', width: 1.2, color: k === 0 ? '#6b7d2a' : '#a05a2c' },
        itemStyle: { color: k === 0 ? '#6b7d2a' : '#a05a2c' }, data: steps(h) });
    });
    D.detectors.forEach(function (det) {
      var ms = marks.filter(function (m) { return m.detector === det && m.y !== null; });
      if (!ms.length) { return; }
      series.push({ name: det, type: 'scatter', symbol: detSymbol[det], symbolSize: 12, z: 10,
        itemStyle: { color: detColor[det], borderColor: '#fff', borderWidth: 1 },
        data: ms.map(function (m) { return [m.t, m.y]; }) });
    });
    series.push({ name: useVolume ? 'volume' : 'ticks', type: 'bar', xAxisIndex: 1, yAxisIndex: 1,
      itemStyle: { color: '#9aa9bd' }, barMaxWidth: 8, large: true,
      data: bars.map(function (b) { return [mid(b), useVolume ? b[7] : b[6]]; }) });

    chart('chart-price-' + i, opt({
      axisPointer: { link: [{ xAxisIndex: 'all' }] },
      legend: { top: 2, data: series.filter(function (s) { return s.name !== 'low'; }).map(function (s) { return s.name; }) },
      grid: [{ left: 70, right: 24, top: 36, height: '58%' }, { left: 70, right: 24, top: '73%', height: '14%' }],
      tooltip: {
        trigger: 'axis', className: 'tip', extraCssText: TIPCSS, confine: true,
        axisPointer: { type: 'line' },
        formatter: function (ps) {
          if (!ps.length) { return ''; }
          var t = ps[0].axisValue;
          var j = bisect(bars, t);
          var s = '';
          if (j >= 0 && t < bars[j][1] + windowMs / 2) {
            var b = bars[j];
            s += '<b>' + fmtTime(b[0]) + ' – ' + fmtTime(b[1], true) + '</b><br>' +
              'open ' + fmtNum(b[2]) + ' · high ' + fmtNum(b[3]) + ' · low ' + fmtNum(b[4]) + ' · close <b>' + fmtNum(b[5]) + '</b><br>' +
              fmtNum(b[6]) + (b[6] === 1 ? ' tick' : ' ticks') + (useVolume ? ' · volume ' + fmtNum(b[7]) : '');
          } else {
            s += '<b>' + fmtTime(t) + '</b>';
          }
          overlays.forEach(function (h) { s += '<br>' + esc(h.attribute) + ' ' + ivText(valueAt(h, t)); });
          marksIn(t).forEach(function (m) {
            s += '<div style="margin-top:6px">' + dot(detColor[m.detector]) + '<b>' + esc(m.detector) + '</b> ' +
              fmtTime(m.t, true) + ' · ' + esc(m.attribute) + ' ' + fmtNum(m.observed) + ' (expected ' + fmtNum(m.expected) +
              ', score ' + (m.score === null ? '–' : m.score.toFixed(2)) + ')<br><span class="reason">' + esc(m.reason) + '</span></div>';
          });
          return s;
        },
      },
      dataZoom: [{ type: 'inside', xAxisIndex: [0, 1], zoomOnMouseWheel: 'ctrl', moveOnMouseWheel: false }, { type: 'slider', xAxisIndex: [0, 1], height: 18, bottom: 8 }],
      xAxis: [timeAxis(), timeAxis({ gridIndex: 1, axisLabel: { show: false } })],
      yAxis: [
        { type: 'value', scale: true, name: D.attribute, axisLabel: { formatter: fmtNum } },
        { type: 'value', gridIndex: 1, name: useVolume ? 'volume' : 'ticks', splitNumber: 2, axisLabel: { formatter: fmtNum } },
      ],
      series: series,
    }));

    if (!inst.history.length) { return; }
    // The history timeline: a row per attribute, a segment per interval
    // (alternating shades show where the value changed), labelled with
    // the value.
    var attrs = inst.history.map(function (h) { return h.attribute; });
    var segs = [[], []];
    var ticks = [];
    inst.history.forEach(function (h) {
      h.intervals.forEach(function (iv, k) {
        var to = iv.to === null ? D.range[1] : Math.min(iv.to, D.range[1]);
        var from = Math.max(iv.from, D.range[0]);
        if (to < D.range[0] || from > D.range[1]) { return; }
        segs[k % 2].push([from, h.attribute], [to, h.attribute], [to, '-']);
        ticks.push({ value: [from, h.attribute], iv: iv, attr: h.attribute });
      });
    });
    var el = document.getElementById('chart-history-' + i);
    if (el) { el.style.height = (70 + 34 * attrs.length) + 'px'; }
    chart('chart-history-' + i, opt({
      grid: { left: 110, right: 24, top: 14, bottom: 26 },
      tooltip: {
        trigger: 'axis', className: 'tip', extraCssText: TIPCSS, confine: true,
        axisPointer: { type: 'line', axis: 'x' },
        formatter: function (ps) {
          if (!ps.length) { return ''; }
          var t = ps[0].axisValue;
          var s = '<b>' + fmtTime(t) + '</b><table>';
          inst.history.forEach(function (h) {
            var iv = valueAt(h, t);
            s += '<tr><td>' + esc(h.attribute) + '</td><td><b>' + esc(ivText(iv)) + '</b></td><td class="reason">' +
              (iv ? 'since ' + fmtTime(iv.from) + (iv.op !== 'upsert' ? ' (' + esc(iv.op) + ')' : '') : '') + '</td></tr>';
          });
          return s + '</table>';
        },
      },
      xAxis: timeAxis(),
      yAxis: { type: 'category', data: attrs.slice().reverse(), axisTick: { show: false }, axisLine: { show: false },
        splitLine: { show: true, lineStyle: { color: '#eef1f4' } } },
      series: [
        { name: 'intervals', type: 'line', symbol: 'none', connectNulls: false, lineStyle: { width: 10, color: '#8fb3de', cap: 'butt' }, data: segs[0] },
        { name: 'intervals ', type: 'line', symbol: 'none', connectNulls: false, lineStyle: { width: 10, color: '#4f7fbf', cap: 'butt' }, data: segs[1] },
        { name: 'changes', type: 'scatter', symbol: 'rect', symbolSize: [2, 16], itemStyle: { color: '#1f2933' }, z: 5,
          label: { show: true, position: 'top', distance: 4, fontSize: 11, color: '#1f2933',
            formatter: function (p) { return ivText(ticks[p.dataIndex].iv); } },
          labelLayout: { hideOverlap: true },
          data: ticks.map(function (tk) { return tk.value; }) },
      ],
    }));
  });

  created = true;
  check();
  showTipFromHash();

  // A URL fragment #tip-N opens the tooltip of the first anomaly of the
  // N-th instrument (0-based), as hovering it would: for screenshots and
  // tests of the page.
  function showTipFromHash() {
    var m = /^#tip-(\d+)$/.exec(window.location.hash);
    var inst = m && D.instruments[Number(m[1])];
    if (!inst || !inst.anomalies.length) { return; }
    var c = echarts.getInstanceByDom(document.getElementById('chart-price-' + m[1]));
    var a = inst.anomalies.filter(function (x) { return x.y !== null; })[0];
    if (!c || !a) { return; }
    var px = c.convertToPixel({ gridIndex: 0 }, [a.t, a.y]);
    c.dispatchAction({ type: 'showTip', x: px[0], y: px[1] });
    root.setAttribute('data-tip', 'shown');
  }
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
})();
