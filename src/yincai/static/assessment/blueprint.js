// Blueprint table: add/remove rows, and a searchable knowledge-point list that adds codes to the current row.
(function () {
  const rows = document.getElementById("bp-rows");
  if (!rows) return;
  const template = document.getElementById("bp-row-template");
  const search = document.getElementById("kp-search");
  const options = document.getElementById("kp-options");
  const target = document.getElementById("kp-target");
  const names = {};
  for (const o of options.options) names[o.value] = o.dataset.name;
  let current = null;

  function setCurrent(tr) {
    if (current) current.classList.remove("current");
    current = tr;
    if (tr) {
      tr.classList.add("current");
      const label = tr.querySelector("input[name=label]").value;
      target.textContent = label ? "第" + label + "题" : "所选行";
    }
  }
  function showNames(tr) {
    const codes = tr.querySelector(".kp-input").value.split(/[\s,，、;；]+/).filter(Boolean);
    tr.querySelector(".kp-names").textContent = codes.map((c) => names[c] || c).join("、");
  }
  rows.addEventListener("focusin", (e) => setCurrent(e.target.closest("tr")));
  rows.addEventListener("input", (e) => { if (e.target.classList.contains("kp-input")) showNames(e.target.closest("tr")); });
  rows.addEventListener("click", (e) => {
    if (!e.target.classList.contains("bp-remove")) return;
    const tr = e.target.closest("tr");
    if (tr === current) setCurrent(null);
    tr.remove();
  });
  document.getElementById("bp-add").addEventListener("click", () => {
    rows.appendChild(template.content.cloneNode(true));
    const tr = rows.lastElementChild;
    const prev = tr.previousElementSibling;
    if (prev) {  // continue the numbering and the section of the row above
      const n = parseInt(prev.querySelector("input[name=label]").value, 10);
      if (!isNaN(n)) tr.querySelector("input[name=label]").value = n + 1;
      tr.querySelector("input[name=section]").value = prev.querySelector("input[name=section]").value;
    } else {
      tr.querySelector("input[name=label]").value = 1;
    }
    tr.querySelector("input[name=label]").focus();
  });
  search.addEventListener("input", () => {
    const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    for (const o of options.options) {
      const text = (o.dataset.search || "").toLowerCase();
      o.hidden = !words.every((w) => text.includes(w));
    }
  });
  function addSelected() {
    const chosen = Array.from(options.selectedOptions).filter((o) => !o.hidden).map((o) => o.value);
    if (!chosen.length && names[search.value.trim()] !== undefined) chosen.push(search.value.trim());
    if (!current || !chosen.length) return;
    const input = current.querySelector(".kp-input");
    const codes = input.value.split(/[\s,，、;；]+/).filter(Boolean);
    for (const c of chosen) if (!codes.includes(c)) codes.push(c);
    input.value = codes.join(" ");
    showNames(current);
    for (const o of options.options) o.selected = false;
  }
  document.getElementById("kp-add").addEventListener("click", addSelected);
  options.addEventListener("dblclick", addSelected);
})();
