// CSV upload with progress: the server answers one JSON line per batch stored. The
// words of the progress line come from the form's data-* attributes (page language).
(() => {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const rowsLabel = form.dataset.rows;
  const acceptedLabel = form.dataset.accepted;
  const duplicatesLabel = form.dataset.duplicates;
  const rejectedLabel = form.dataset.rejected;
  const bar = document.getElementById("upload-progress");
  const status = document.getElementById("upload-status");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = form.querySelector("input[type=file]").files[0];
    if (!file) return;
    bar.hidden = false;
    bar.max = Math.max(1, file.size);
    const response = await fetch(form.action, {method: "POST", body: new FormData(form)});
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const {value, done} = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, {stream: true});
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const update = JSON.parse(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
        if (update.error) { status.textContent = update.error; continue; }
        status.textContent = `${update.processed} ${rowsLabel}: ${update.accepted} ${acceptedLabel}, ` +
          `${update.duplicates} ${duplicatesLabel}, ${update.rejected_count} ${rejectedLabel}`;
        bar.value = update.done ? bar.max : Math.min(bar.max, bar.value + bar.max / 20);
        if (update.done && update.rejected_count) setTimeout(() => location.reload(), 1500);
      }
    }
  });
})();
