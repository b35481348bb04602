// The local store's IndexedDB work (app/src/store/idb.rs decides what to write; this file only
// runs it). Each function is one whole operation in one transaction and resolves only once the
// transaction completed; writes use strict durability, because a tablet may lose power right
// after a person pressed "save". Values are JSON text as serde wrote it, under text keys.
// Written in JavaScript because Rust glue for IndexedDB cost the shell several times its size.

const STORES = ["meta", "outbox", "pages", "problems", "journal"];

// The replica is kept in pages, not one row per record: a first download of ten thousand
// records is then a few large writes, and a screen reading one kind of record reads only its
// own pages. A page is the JSON text of an array of records, keyed `<entity>:<number>`; numbers
// only grow, so a record's latest page is its last, and a record whose `data` is null was
// deleted there. Pages of an entity are compacted (app/src/store/idb.rs) once they are many.
function entityRange(entity) {
  // ";" follows ":" in code-unit order: every key `<entity>:…` and nothing else.
  return IDBKeyRange.bound(entity + ":", entity + ";", false, true);
}

// Writes `texts` (JSON text of arrays of records) as the next pages of `entity`, numbered from
// the counter kept in `meta`, taken in the transaction that writes them.
async function appendPages(meta, pages, entity, texts) {
  let next = await metaNumber(meta, "next_page");
  for (const text of texts) {
    next += 1;
    pages.put(text, entity + ":" + String(next).padStart(20, "0"));
  }
  meta.put(String(next), "next_page");
}

function request(r) {
  return new Promise((ok, fail) => {
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
}

function decodeError(message) {
  const e = new Error(message);
  e.name = "DecodeError";
  return e;
}

// A stored JSON text, parsed, if `valid` accepts it.
function parse(text, what, valid) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    // Not JSON: reported below like any other value of the wrong shape.
  }
  if (typeof text !== "string" || !valid(value)) throw decodeError(`${what} is ${text}`);
  return value;
}

// Runs `work` on the object stores `names` in one transaction and resolves with its result once
// the transaction completed. If `work` fails, nothing it wrote is kept.
async function run(db, names, mode, work) {
  const tx = db.transaction(names, mode, { durability: "strict" });
  const done = new Promise((ok, fail) => {
    tx.oncomplete = ok;
    tx.onabort = () => fail(tx.error || new DOMException("transaction aborted", "AbortError"));
  });
  let result;
  try {
    result = await work(...names.map((name) => tx.objectStore(name)));
  } catch (e) {
    done.catch(() => {});
    try {
      tx.abort();
    } catch {
      // Already finished or aborting.
    }
    throw e;
  }
  await done;
  return result;
}

// Opens (creating or upgrading) the database `name`.
export function openDb(name) {
  // Bumped with every change of object stores. Each step brings a database of the previous
  // version one version further, so a tablet that missed releases still upgrades without
  // losing its outbox.
  const r = indexedDB.open(name, 4);
  r.onupgradeneeded = (event) => {
    const db = r.result;
    if (event.oldVersion < 1) db.createObjectStore("meta");
    if (event.oldVersion < 2) {
      ["outbox", "records", "problems"].forEach((store) => db.createObjectStore(store));
    }
    // The journal of applied changes, sent again should the server's database be restored.
    if (event.oldVersion < 3) db.createObjectStore("journal");
    if (event.oldVersion < 4) {
      db.createObjectStore("pages");
      pagesFromRecords(r.transaction);
    }
  };
  // A tab still running an older release lets a newer one upgrade the database instead of
  // holding it (which would leave the newer one waiting): the old tab's next operation fails
  // and says so; reloading it brings the new release.
  return request(r).then((db) => {
    db.onversionchange = () => db.close();
    return db;
  });
}

// Version 4 keeps the replica in pages: the records of one row each (keyed `<entity>:<id>`,
// their text kept as it is) move into pages of up to 1,000 per entity, within the upgrade's
// transaction, so a tablet upgrading keeps its replica or, if anything fails, stays as it was.
function pagesFromRecords(tx) {
  const records = tx.objectStore("records");
  const pages = tx.objectStore("pages");
  const meta = tx.objectStore("meta");
  const waiting = new Map();
  let next = 0;
  const flush = (entity) => {
    const texts = waiting.get(entity);
    if (!texts || texts.length === 0) return;
    next += 1;
    pages.put("[" + texts.join() + "]", entity + ":" + String(next).padStart(20, "0"));
    waiting.set(entity, []);
  };
  const cursor = records.openCursor();
  cursor.onsuccess = () => {
    const at = cursor.result;
    if (at) {
      const entity = String(at.key).split(":")[0];
      if (!waiting.has(entity)) waiting.set(entity, []);
      waiting.get(entity).push(at.value);
      if (waiting.get(entity).length === 1000) flush(entity);
      at.continue();
      return;
    }
    [...waiting.keys()].forEach(flush);
    meta.put(String(next), "next_page");
    tx.db.deleteObjectStore("records");
  };
}

// A value of the `meta` store (JSON text), or undefined.
export function getMeta(db, key) {
  return run(db, ["meta"], "readonly", (meta) => request(meta.get(key)));
}

export function putMeta(db, key, value) {
  return run(db, ["meta"], "readwrite", (meta) => {
    meta.put(value, key);
  });
}

// The pages of `entity`: their keys, and their texts as the text of one JSON array (of arrays
// of records), oldest first.
export async function pagesOf(db, entity) {
  const [keys, values] = await run(db, ["pages"], "readonly", (pages) =>
    Promise.all([request(pages.getAllKeys(entityRange(entity))), request(pages.getAll(entityRange(entity)))]),
  );
  if (values.some((v) => typeof v !== "string")) throw decodeError(`a page of ${entity} is not text`);
  return { keys, text: "[" + values.join() + "]" };
}

// Replaces the pages `keys` of `entity` by `texts`, unless its pages changed since they were
// read (another tab learned an answer meanwhile): then nothing is written, and false returned.
export function replacePages(db, entity, keys, texts) {
  return run(db, ["meta", "pages"], "readwrite", async (meta, pages) => {
    const now = await request(pages.getAllKeys(entityRange(entity)));
    if (now.length !== keys.length || now.some((key, i) => key !== keys[i])) return false;
    pages.delete(entityRange(entity));
    await appendPages(meta, pages, entity, texts);
    return true;
  });
}

// Every value of a store, as the text of one JSON array (each value is JSON text already).
export async function getAll(db, store) {
  const values = await run(db, [store], "readonly", (s) => request(s.getAll()));
  if (values.some((v) => typeof v !== "string")) {
    throw decodeError(`a value in ${store} is not text`);
  }
  return "[" + values.join() + "]";
}

// The device id, or `fresh` (JSON text) stored as it if there is none yet: read and created in
// one transaction, so two tabs starting at once agree on one id.
export function deviceId(db, fresh) {
  return run(db, ["meta"], "readwrite", async (meta) => {
    const id = await request(meta.get("device_id"));
    if (id !== undefined) return id;
    meta.put(fresh, "device_id");
    return fresh;
  });
}

// A number kept in `meta` as text, 0 when unset.
async function metaNumber(meta, key) {
  const text = await request(meta.get(key));
  return text === undefined ? 0 : parse(text, key, (n) => Number.isSafeInteger(n) && n >= 0);
}

// Saves a change (SYNC.md). Joined to an unsent change of the same record when Rust found they
// coalesce: `joinKey` is that change's key, `joined` its new text, used only if the change is
// still there and still unsent in this transaction. Otherwise saved under the next seq, taken in
// the same transaction that writes it, so a crash can leave neither a gap nor two changes with
// one number; `rest` is serde's text of the change after its seq (`,"mutation":{…}}`). Returns
// the seq that holds it.
export function enqueue(db, rest, joinKey, joined) {
  return run(db, ["meta", "outbox"], "readwrite", async (meta, outbox) => {
    if (joinKey !== undefined && joinKey !== null) {
      const sentThrough = await metaNumber(meta, "sent_through");
      const there = await request(outbox.get(joinKey));
      const seq = Number(joinKey);
      if (there !== undefined && seq > sentThrough) {
        outbox.put(joined, joinKey);
        return seq;
      }
    }
    const seq = Math.max(await metaNumber(meta, "next_seq"), 1);
    meta.put(String(seq + 1), "next_seq");
    outbox.put('{"seq":' + seq + rest, String(seq).padStart(20, "0"));
    return seq;
  });
}

// From now on the changes up to `seq` may be on the server: nothing joins them.
export function markSent(db, seq) {
  return run(db, ["meta"], "readwrite", async (meta) => {
    if (seq > (await metaNumber(meta, "sent_through"))) meta.put(String(seq), "sent_through");
  });
}

// The outbox anew (`entries`: flat [key, JSON text, …]), numbered from where the server said.
export function replaceOutbox(db, entries, nextSeq, sentThrough) {
  return run(db, ["meta", "outbox"], "readwrite", (meta, outbox) => {
    outbox.clear();
    for (let i = 0; i < entries.length; i += 2) outbox.put(entries[i + 1], entries[i]);
    meta.put(String(nextSeq), "next_seq");
    meta.put(String(sentThrough), "sent_through");
  });
}

// Learns a server answer in one transaction, as Rust worked it out. `problems`, `journal` and
// `pages` are flat [key, JSON text, key, JSON text, …] lists (a page's key is its entity);
// `answered` are the outbox keys answered; journal entries before `forgetJournalBefore` are
// dropped. `requeue`, after the server's database was restored, is the whole outbox anew (the
// journal then emptied) with the next seq. Answers the number of pages each entity written to
// has now, flat [entity, count, …], for Rust to compact those that grew many.
export function learn(db, problems, answered, journal, forgetJournalBefore, reset, pageTexts, mark, requeue, nextSeq) {
  return run(db, STORES, "readwrite", async (meta, outbox, pages, problemStore, journalStore) => {
    // Rust paired the answers with the outbox it read just before; a push that left the outbox
    // since (another tab learned the same answer) does not become a problem twice.
    const pending = new Set(await request(outbox.getAllKeys()));
    for (let i = 0; i < problems.length; i += 2) {
      if (pending.has(problems[i])) problemStore.put(problems[i + 1], problems[i]);
    }
    answered.forEach((key) => outbox.delete(key));
    for (let i = 0; i < journal.length; i += 2) journalStore.put(journal[i + 1], journal[i]);
    if (forgetJournalBefore) journalStore.delete(IDBKeyRange.upperBound(forgetJournalBefore, true));
    if (requeue !== undefined && requeue !== null) {
      outbox.clear();
      journalStore.clear();
      for (let i = 0; i < requeue.length; i += 2) outbox.put(requeue[i + 1], requeue[i]);
      meta.put(String(nextSeq), "next_seq");
    }
    if (reset) pages.clear();
    const written = [];
    for (let i = 0; i < pageTexts.length; i += 2) {
      await appendPages(meta, pages, pageTexts[i], [pageTexts[i + 1]]);
      written.push(pageTexts[i]);
    }
    meta.put(mark, "sync_mark");
    const counts = [];
    for (const entity of new Set(written)) {
      counts.push(entity, await request(pages.count(entityRange(entity))));
    }
    return counts;
  });
}

export function dismissProblem(db, key) {
  return run(db, ["problems"], "readwrite", (problems) => {
    problems.delete(key);
  });
}

// Makes `owner` (JSON text, of the user `userId`) the person working on this device, in one
// transaction: the same person is always welcome; another one only once the previous person's
// outbox and problems are empty, and then with a new device id (`newDeviceId`, JSON text),
// numbering from 1, an empty replica and journal. Returns null, or {previous, waiting} when
// blocked.
export function handOver(db, userId, owner, newDeviceId) {
  return run(db, STORES, "readwrite", async (meta, outbox, pages, problems, journal) => {
    const text = await request(meta.get("owner"));
    if (text !== undefined) {
      const current = parse(
        text,
        "owner",
        (o) => typeof o?.user_id === "string" && typeof o.name === "string",
      );
      if (current.user_id === userId) return null;
      const waiting = (await request(outbox.count())) + (await request(problems.count()));
      if (waiting > 0) return { previous: current.name, waiting };
      pages.clear();
      journal.clear();
      meta.delete("sync_mark");
      meta.delete("sent_through");
      meta.put(newDeviceId, "device_id");
      meta.put("1", "next_seq");
    }
    meta.put(owner, "owner");
    return null;
  });
}
