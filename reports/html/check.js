// Filters the cases table by text, status and layer. Inline, no library.
(function () {
  var text = document.getElementById('filter-text');
  var status = document.getElementById('filter-status');
  var layer = document.getElementById('filter-layer');
  var count = document.getElementById('filter-count');
  var rows = document.querySelectorAll('tr.case');
  function apply() {
    var q = text.value.toLowerCase(), shown = 0;
    rows.forEach(function (row) {
      var ok = (!q || row.textContent.toLowerCase().indexOf(q) >= 0) &&
        (!status.value || row.dataset.status === status.value) &&
        (!layer.value || row.dataset.layer === layer.value);
      row.classList.toggle('hidden', !ok);
      if (ok) shown++;
    });
    count.textContent = shown + ' of ' + rows.length + ' cases';
  }
  [text, status, layer].forEach(function (el) { el.addEventListener('input', apply); });
  apply();
})();
