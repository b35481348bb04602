//! Export benchmark (issue 14), `scripts/bench-export`: a release server over 100,000 generated
//! models, on SQLite and on PostgreSQL, exporting 10,000, 40,000 and 100,000 of them as CSV and
//! XLSX, each with its bytes, its seconds and the server's peak resident memory (and how far it
//! rose during that export). Needs PostgreSQL at TEST_DATABASE_URL (default: the local one).

use std::time::Instant;

use anyhow::{Result, ensure};
use dvk_tests::{
    Backend, TestDatabase,
    memory::{measure, memory_kb, models_export, seed_models, signed_in},
    process::{ServerProcess, release_dvk_binary},
};

#[tokio::main]
async fn main() -> Result<()> {
    let binary = release_dvk_binary()?;
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let database = TestDatabase::new(backend).await?;
        let server = ServerProcess::start(binary.clone(), &database.url(), true).await?;
        let pid = server
            .pid()
            .ok_or_else(|| anyhow::anyhow!("the server process has no pid"))?;
        let seeding = Instant::now();
        seed_models(&database.url(), 100_000).await?;
        let base = server.base();
        let http = signed_in(&base, "bandanvan").await?;
        println!(
            "{backend:?}: one release server, 100,000 models of ~190 characters seeded in {:.0} s; server at {:.1} MB",
            seeding.elapsed().as_secs_f64(),
            memory_kb(pid).0 as f64 / 1024.0
        );
        for format in ["csv", "xlsx"] {
            // Once first, so the allocator's arenas and the database's caches are warm.
            measure(&http, &models_export(&base, format, 10_000), pid).await?;
            for rows in [10_000, 40_000, 100_000] {
                let measured = measure(&http, &models_export(&base, format, rows), pid).await?;
                if format == "csv" {
                    let lines = measured.bytes.iter().filter(|b| **b == b'\n').count();
                    ensure!(lines == rows + 1, "{format}: {lines} lines for {rows} rows");
                }
                println!(
                    "  {format:<4} {rows:>7} rows {:>11} bytes {:>6.1} s   server peak RSS {:>6.1} MB ({:+5.1} MB during the export)",
                    measured.bytes.len(),
                    measured.seconds,
                    measured.peak_mb,
                    measured.growth_mb
                );
            }
        }
    }
    Ok(())
}
