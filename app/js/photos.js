// Photos on the tablet: resized, fingerprinted and kept in their own IndexedDB database as
// blobs until the server has them. Written in JavaScript because it is the browser's own work
// (decoding, canvas, SubtleCrypto, blobs) and glue for it in Rust would cost the shell more
// than this file. The network is not touched here: the sync module reads slices and uploads.

const DB_NAME = "dvk-photos";
const STORE = "photos";

function request(r) {
  return new Promise((ok, fail) => {
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
}

function open() {
  const r = indexedDB.open(DB_NAME, 1);
  r.onupgradeneeded = () => r.result.createObjectStore(STORE, { keyPath: "hash" });
  return request(r);
}

// Runs `work` on the store in one transaction and resolves once it is durably committed.
async function inStore(mode, work) {
  const db = await open();
  try {
    const tx = db.transaction(STORE, mode, { durability: "strict" });
    const done = new Promise((ok, fail) => {
      tx.oncomplete = ok;
      tx.onerror = () => fail(tx.error);
      tx.onabort = () => fail(tx.error || new Error("aborted"));
    });
    const result = await work(tx.objectStore(STORE));
    await done;
    return result;
  } finally {
    db.close();
  }
}

function fail(code) {
  const e = new Error(code);
  e.code = code;
  return e;
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

// Resizes `file` so its longest side is at most `longest` pixels, as JPEG; keeps it; returns
// {hash, bytes, width, height}. Throws an Error whose code is "not_image" or "too_large".
// With `documents`, a PDF (a scanned report or decision) is kept as it is, width and height 0.
export async function keepPhoto(file, longest, maxBytes, maxInput, documents) {
  if (documents && file.type === "application/pdf") return keepDocument(file, maxBytes);
  if (!file.type.startsWith("image/")) throw fail("not_image");
  if (file.size > maxInput) throw fail("too_large");
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch (_) {
    throw fail("not_image");
  }
  const scale = Math.min(1, longest / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = new OffscreenCanvas(width, height);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const blob = await canvas.convertToBlob({ type: "image/jpeg", quality: 0.85 });
  if (blob.size > maxBytes) throw fail("too_large");
  const hash = hex(await crypto.subtle.digest("SHA-256", await blob.arrayBuffer()));
  await inStore("readwrite", async (store) => {
    // The same photo twice is one photo: keep what is known of its upload.
    if (!(await request(store.get(hash)))) {
      store.put({ hash, blob, width, height, done: false, error: "" });
    }
  });
  return { hash, bytes: blob.size, width, height };
}

async function keepDocument(file, maxBytes) {
  if (file.size > maxBytes) throw fail("too_large");
  const bytes = await file.arrayBuffer();
  const blob = new Blob([bytes], { type: "application/pdf" });
  const hash = hex(await crypto.subtle.digest("SHA-256", bytes));
  await inStore("readwrite", async (store) => {
    if (!(await request(store.get(hash)))) {
      store.put({ hash, blob, width: 0, height: 0, done: false, error: "" });
    }
  });
  return { hash, bytes: blob.size, width: 0, height: 0 };
}

// The photos the server does not have yet (and that it did not refuse): [{hash, bytes}].
export async function waitingPhotos() {
  const all = await inStore("readonly", (store) => request(store.getAll()));
  return all.filter((p) => !p.done && !p.error).map((p) => ({ hash: p.hash, bytes: p.blob.size }));
}

// Bytes [start, end) of a kept photo, or null if it is not kept here.
export async function photoSlice(hash, start, end) {
  const photo = await inStore("readonly", (store) => request(store.get(hash)));
  if (!photo) return null;
  return new Uint8Array(await photo.blob.slice(start, end).arrayBuffer());
}

// Records how the upload of a photo ended: done, or refused with the server's message.
export async function photoUploaded(hash, error) {
  await inStore("readwrite", async (store) => {
    const photo = await request(store.get(hash));
    if (photo) {
      photo.done = !error;
      photo.error = error || "";
      store.put(photo);
    }
  });
}

// Where a photo stands on this device: "sent", "waiting", "refused:<message>" or "absent".
export async function photoState(hash) {
  const photo = await inStore("readonly", (store) => request(store.get(hash)));
  if (!photo) return "absent";
  return photo.done ? "sent" : photo.error ? "refused:" + photo.error : "waiting";
}

// An object URL of the kept photo, to show it offline ("" if it is not kept here). The page
// lets it go with `forgetUrl` when the photo leaves the screen.
export async function photoUrl(hash) {
  const photo = await inStore("readonly", (store) => request(store.get(hash)));
  return photo ? URL.createObjectURL(photo.blob) : "";
}

export function forgetUrl(url) {
  URL.revokeObjectURL(url);
}

// Where the tablet is, if it knows within a few seconds and the person allowed it: {latitude,
// longitude}, else null. A survey records the place of the visit when it can, never waits on it.
export function whereAmI() {
  return new Promise((done) => {
    if (!navigator.geolocation) return done(null);
    navigator.geolocation.getCurrentPosition(
      (p) => done({ latitude: p.coords.latitude, longitude: p.coords.longitude }),
      () => done(null),
      { timeout: 10000, maximumAge: 600000 },
    );
  });
}
