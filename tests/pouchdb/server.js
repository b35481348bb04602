// The PouchDB side of the sync benchmark: `node server.js <port>` serves, on
// 127.0.0.1:<port>,
//   /db/...           the CouchDB API over in-memory databases (e.g. /db/models);
//   /bench.html       the page that replicates /db/<db> into PouchDB 9 in the browser;
//   /pouchdb.min.js   PouchDB 9's browser bundle, from node_modules.
// and prints `listening on <port>` once it accepts connections.
//
// Why this server: it is pouchdb-server 4.2.0 without its command line.
// `pouchdb-server --in-memory` runs without a native module (it then loads
// pouchdb-adapter-memory, i.e. memdown, only), but it is a CLI that owns its
// own Express app at `/`, writes config.json and log.txt into the working
// directory, and drags in sqlite3 and leveldown, whose install scripts try to
// download prebuilt binaries. What it runs is express-pouchdb 4.2.0 over
// pouchdb-core 7.3.1 with the http, replication, mapreduce and memory plugins;
// this file builds exactly that, mounts it under /db so that the page and the
// database share one origin (no CORS), in express-pouchdb's
// `minimumForPouchDB` mode (every route replication uses, including
// _bulk_get, _revs_diff and _changes; no config or log files), all pure
// JavaScript. The request body limit of express-pouchdb's JSON parser is
// 4 GiB, so loading 10,000 documents through _bulk_docs needs no change.
'use strict';

const path = require('path');
const express = require('express');
const expressPouchDB = require('express-pouchdb');

const PouchDB = require('pouchdb-core')
  .plugin(require('pouchdb-adapter-http'))
  .plugin(require('pouchdb-replication'))
  .plugin(require('pouchdb-mapreduce'))
  .plugin(require('pouchdb-adapter-memory'));

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error('usage: node server.js <port>');
  process.exit(2);
}

const MemoryPouchDB = PouchDB.defaults({ adapter: 'memory' });

const app = express();
app.disable('x-powered-by');

app.get('/bench.html', (req, res) => {
  res.set('Cache-Control', 'no-store');
  res.sendFile(path.join(__dirname, 'bench.html'));
});
app.get('/pouchdb.min.js', (req, res) => {
  res.sendFile(require.resolve('pouchdb/dist/pouchdb.min.js'));
});
app.get('/favicon.ico', (req, res) => res.status(204).end());

app.use('/db', expressPouchDB(MemoryPouchDB, { mode: 'minimumForPouchDB' }));

const server = app.listen(port, '127.0.0.1', () => {
  console.log(`listening on ${port}`);
});
server.on('error', (err) => {
  console.error(err.message);
  process.exit(1);
});
