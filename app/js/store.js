// The local store's IndexedDB work (app/src/store/idb.rs decides what to write; this file only
// runs it). Each function is one whole operation in one transaction and resolves only once the
// transaction completed; writes use strict durability, because a tablet may lose power right
// after a person pressed "save". Values are JSON text as serde wrote it, under text keys.
// Written in JavaScript because Rust glue for IndexedDB cost the shell several times its size.

const STORES = ["meta", "outbox", "records", "problems", "journal"];

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
  const r = indexedDB.open(name, 3);
  r.onupgradeneeded = (event) => {
    const db = r.result;
    if (event.oldVersion < 1) db.createObjectStore("meta");
    if (event.oldVersion < 2) STORES.slice(1, 4).forEach((store) => db.createObjectStore(store));
    // The journal of applied changes, sent again should the server's database be restored.
    if (event.oldVersion < 3) db.createObjectStore("journal");
  };
  return request(r);
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
// `puts` are flat [key, JSON text, key, JSON text, …] lists; `answered` are the outbox keys
// answered, `deletes` the record keys to delete; journal entries before `forgetJournalBefore`
// are dropped. `requeue`, after the server's database was restored, is the whole outbox anew
// (the journal then emptied) with the next seq.
export function learn(db, problems, answered, journal, forgetJournalBefore, reset, deletes, puts, mark, requeue, nextSeq) {
  return run(db, STORES, "readwrite", async (meta, outbox, records, problemStore, journalStore) => {
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
    if (reset) records.clear();
    // Issued without waiting for each in turn: the transaction orders them, and fails as a
    // whole if any of them fails.
    deletes.forEach((key) => records.delete(key));
    for (let i = 0; i < puts.length; i += 2) records.put(puts[i + 1], puts[i]);
    meta.put(mark, "sync_mark");
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
  return run(db, STORES, "readwrite", async (meta, outbox, records, problems, journal) => {
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
      records.clear();
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
