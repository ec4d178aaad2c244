// Progressive enhancement only: every form works without this file.
// The annual rating form shows the predikat the cycle's kuadran gives, as the ratings are chosen.
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-kuadran]")) {
    const kuadran = JSON.parse(form.dataset.kuadran);
    const hk = form.querySelector("[name=rating_hasil_kerja]");
    const pk = form.querySelector("[name=rating_perilaku]");
    const out = form.querySelector("output");
    const labels = JSON.parse(out.dataset.labels || "{}");
    const update = () => {
      const p = hk.value && pk.value ? kuadran[hk.value][pk.value] : null;
      out.value = p ? labels[p] || p : "-";
      out.dataset.predikat = p || "";
    };
    hk.addEventListener("change", update);
    pk.addEventListener("change", update);
    update();
  }
});

// The plan form grows as it is filled: another indicator row under an RHK, another RHK card. Each copy is the
// blank last row (or card) with its field numbers moved on, so the server reads it like any rendered row.
document.addEventListener("DOMContentLoaded", () => {
  const renumber = (node, pattern, next) => {
    for (const el of node.querySelectorAll("[name], [id], label[for]")) {
      for (const attr of ["name", "id", "for"]) {
        const v = el.getAttribute(attr);
        if (v) el.setAttribute(attr, v.replace(pattern, next));
      }
    }
  };
  const blank = (node) => {
    for (const el of node.querySelectorAll("input[type=hidden][name$='-id']")) el.remove();
    for (const el of node.querySelectorAll("input:not([type=hidden]), textarea")) el.value = "";
    for (const el of node.querySelectorAll("select")) el.selectedIndex = 0;
  };
  const addIndicator = (fieldset) => {
    const body = fieldset.querySelector("table.indicators tbody");
    const last = body.lastElementChild;
    const i = fieldset.dataset.rhk;
    const j = body.children.length;
    const row = last.cloneNode(true);
    renumber(row, new RegExp(`^rhk-${i}-ind-\\d+-`), `rhk-${i}-ind-${j}-`);
    for (const label of row.querySelectorAll("label.visually-hidden")) {
      label.textContent = label.textContent.replace(/\d+$/, String(j + 1));
    }
    blank(row);
    body.appendChild(row);
    row.querySelector("input").focus();
  };
  const wire = (fieldset) => {
    const button = fieldset.querySelector("[data-add-indicator]");
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", () => addIndicator(fieldset));
  };
  for (const fieldset of document.querySelectorAll("fieldset.rhk")) wire(fieldset);
  const addRhk = document.querySelector("[data-add-rhk]");
  if (addRhk) {
    addRhk.hidden = false;
    addRhk.addEventListener("click", () => {
      const cards = document.querySelectorAll("fieldset.rhk");
      const last = cards[cards.length - 1];
      const i = Number(last.dataset.rhk);
      const card = last.cloneNode(true);
      card.id = `rhk-${i + 1}`;
      card.dataset.rhk = String(i + 1);
      renumber(card, new RegExp(`^rhk-${i}-`), `rhk-${i + 1}-`);
      card.querySelector("legend").textContent = addRhk.dataset.label;
      card.classList.remove("border-primary-subtle");
      blank(card);
      const rows = card.querySelector("table.indicators tbody");
      while (rows.children.length > 1) rows.lastElementChild.remove();
      last.after(card);
      wire(card);
      card.querySelector("textarea").focus();
    });
  }
});

// An indicator row shows what its approach needs: a quantitative one its target and satuan, a qualitative one its
// ekspektasi. The fields the approach does not use are disabled (and so not sent); without this file all are shown.
document.addEventListener("DOMContentLoaded", () => {
  const show = (row) => {
    const select = row.querySelector("[data-approach-select]");
    if (!select) return;
    const qualitative = select.value === "KUALITATIF";
    row.dataset.approach = select.value;
    for (const cell of row.querySelectorAll("td.numeric, td.qualitative")) {
      const off = cell.classList.contains("numeric") === qualitative;
      for (const field of cell.querySelectorAll("input, textarea")) {
        field.disabled = off;
        field.hidden = off;
      }
    }
  };
  for (const row of document.querySelectorAll("table.indicators tbody tr")) show(row);
  document.addEventListener("change", (event) => {
    if (event.target.matches("[data-approach-select]")) show(event.target.closest("tr"));
  });
  // a row or card added by the plan form's buttons starts quantitative, like a blank rendered row
  document.addEventListener("click", (event) => {
    if (!event.target.matches("[data-add-indicator], [data-add-rhk]")) return;
    for (const row of document.querySelectorAll("table.indicators tbody tr")) show(row);
  });
});
