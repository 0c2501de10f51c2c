"use strict";
// Evidence pages: while a clip plays, a line follows it on the pictures of the same window. The pictures and
// clips carry their window (`data-start`, `data-end`) as attributes; nothing here builds HTML from the data.

function followClip(audio) {
  const zoom = audio.closest("details.zoom");
  if (!zoom) return;
  const pictures = Array.from(zoom.querySelectorAll("svg.channel[data-start]"));
  const width = 960;
  function move() {
    for (const svg of pictures) {
      const start = Number(svg.dataset.start), end = Number(svg.dataset.end);
      const x = ((Number(audio.dataset.start) + audio.currentTime - start) / Math.max(end - start, 1e-3)) * width;
      const line = svg.querySelector(".playhead");
      line.setAttribute("x1", x.toFixed(1));
      line.setAttribute("x2", x.toFixed(1));
    }
    if (!audio.paused) requestAnimationFrame(move);
  }
  audio.addEventListener("play", () => requestAnimationFrame(move));
  audio.addEventListener("seeked", move);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("details.zoom audio").forEach(followClip);
});
