// Exports downloaded through the page, so the screen can say how far a long one has come; the
// file is then saved under the name the server gives it. A refusal rejects with the server's
// own message, a network failure with an empty one (the screen says it needs the network).

export async function download(url, progress) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin" });
  } catch {
    throw new Error("");
  }
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new Error(body.message || String(response.status));
  }
  const total = Number(response.headers.get("content-length")) || 0;
  const reader = response.body.getReader();
  const parts = [];
  let received = 0;
  for (;;) {
    let step;
    try {
      step = await reader.read();
    } catch {
      throw new Error("");
    }
    if (step.done) break;
    parts.push(step.value);
    received += step.value.length;
    progress(received, total);
  }
  const named = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "");
  const blob = new Blob(parts, { type: response.headers.get("content-type") || "application/octet-stream" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = named ? named[1] : "";
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  return received;
}
