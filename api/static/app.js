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
