//! A country's worth of data for the benchmarks at scale (issue 15): the Central Mass
//! Mobilisation Commission over the 34 provinces of the 2025 reform, each with its communes and
//! wards (98 by default: 3,332 in all, three tablets each make the 10,000 of a national day),
//! and 1,000,000 models spread over them, in PostgreSQL.
//!
//! Units and accounts are made through the server's own store (audited, versioned); the models
//! are copied in with `COPY` — a million through sync would take an hour — row for row as the
//! store writes a new model (the same columns, sort key, folded search text, versions), and the
//! server, when it starts, writes the library entries of the typical ones as it does for any
//! model that reached the database outside sync. The database is kept between runs under a name
//! that says its size, so only the first run pays for making it.

use anyhow::{Context, Result};
use dvk_shared::{
    model::{Field, Model, Status},
    text::{fold, sort_key},
    unit::{Unit, UnitKind},
    user::Role,
};
use serde_json::json;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

pub const PROVINCES: [&str; 34] = [
    "Thành phố Hà Nội",
    "Thành phố Huế",
    "Tỉnh Lai Châu",
    "Tỉnh Điện Biên",
    "Tỉnh Sơn La",
    "Tỉnh Lạng Sơn",
    "Tỉnh Quảng Ninh",
    "Tỉnh Thanh Hóa",
    "Tỉnh Nghệ An",
    "Tỉnh Hà Tĩnh",
    "Tỉnh Cao Bằng",
    "Tỉnh Tuyên Quang",
    "Tỉnh Lào Cai",
    "Tỉnh Thái Nguyên",
    "Tỉnh Phú Thọ",
    "Tỉnh Bắc Ninh",
    "Tỉnh Hưng Yên",
    "Thành phố Hải Phòng",
    "Tỉnh Ninh Bình",
    "Tỉnh Quảng Trị",
    "Thành phố Đà Nẵng",
    "Tỉnh Quảng Ngãi",
    "Tỉnh Gia Lai",
    "Tỉnh Khánh Hòa",
    "Tỉnh Lâm Đồng",
    "Tỉnh Đắk Lắk",
    "Thành phố Hồ Chí Minh",
    "Tỉnh Đồng Nai",
    "Tỉnh Tây Ninh",
    "Thành phố Cần Thơ",
    "Tỉnh Vĩnh Long",
    "Tỉnh Đồng Tháp",
    "Tỉnh Cà Mau",
    "Tỉnh An Giang",
];

/// Syllables of commune names: two of them make a name ("Phú Hòa"), 900 in all.
const NAME_PARTS: [&str; 30] = [
    "Phú", "Hòa", "An", "Bình", "Tân", "Long", "Thạnh", "Mỹ", "Phước", "Đông", "Tây", "Nam", "Bắc",
    "Trung", "Quang", "Hưng", "Thịnh", "Lộc", "Xuân", "Sơn", "Hải", "Thủy", "Vĩnh", "Điện", "Đại",
    "Hiệp", "Nghĩa", "Thuận", "Lợi", "Cường",
];

/// What models are about: the first words of their names, and the phrase search looks for.
const ACTIVITIES: [&str; 24] = [
    "Dân vận khéo trong xây dựng nông thôn mới",
    "Tuyến đường hoa kiểu mẫu",
    "Hũ gạo tình thương",
    "Camera an ninh khu dân cư",
    "Tổ tự quản đường làng ngõ xóm",
    "Chi hội phụ nữ tiết kiệm giúp nhau",
    "Trồng rau an toàn theo chuỗi",
    "Dòng họ hiếu học",
    "Khu dân cư không rác thải nhựa",
    "Thắp sáng đường quê",
    "Vận động hiến đất mở rộng đường",
    "Tổ hòa giải ở cơ sở",
    "Nuôi heo đất giúp hội viên nghèo",
    "Chuyển đổi số ở thôn",
    "Ngôi nhà khăn quàng đỏ",
    "Câu lạc bộ dân ca",
    "Phân loại rác tại nguồn",
    "Bữa cơm có thịt cho học sinh bán trú",
    "Vườn cây dinh dưỡng",
    "Dân vận khéo trong giải phóng mặt bằng",
    "Nhà văn hóa thôn sạch đẹp",
    "Tổ bảo vệ rừng cộng đồng",
    "Hỗ trợ sinh kế cho hộ cận nghèo",
    "Dịch vụ công trực tuyến đến từng hộ",
];

/// Share of each status, per thousand models: as the demo's town, except that typical and
/// replicated models are rarer across a country (each unit's Board names a few a year).
const STATUS_MIX: [(Status, u64); 9] = [
    (Status::Draft, 20),
    (Status::Submitted, 40),
    (Status::Returned, 10),
    (Status::Approved, 100),
    (Status::InProgress, 500),
    (Status::Evaluated, 250),
    (Status::Typical, 20),
    (Status::Replicated, 10),
    (Status::Discontinued, 50),
];

/// The fields in the report's proportions (149, 167, 23, 9 of 348).
const FIELD_MIX: [(Field, u64); 4] = [
    (Field::EconomicDevelopment, 149),
    (Field::CultureSociety, 167),
    (Field::DefenceSecurity, 23),
    (Field::PoliticalSystem, 9),
];

/// The password of every account the national data set makes.
pub const PASSWORD: &str = "demo-dvk";
/// The leader at the top, who sees the whole country.
pub const LEADER: &str = "lanhdaotw";

/// The size of a national data set.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub communes_per_province: usize,
    pub models: usize,
}

impl Size {
    pub fn communes(&self) -> usize {
        PROVINCES.len() * self.communes_per_province
    }

    fn database_name(&self) -> String {
        format!(
            "dvk_bench_national_{}_{}",
            self.communes_per_province, self.models
        )
    }
}

/// The registrar account of commune number `i` (in the order of [`communes`]).
pub fn registrar(i: usize) -> String {
    format!("xa{i}")
}

/// The URL of a database holding the national data set of `size` on the PostgreSQL server of
/// `admin_url`, made now unless an earlier run finished making it.
pub async fn database(admin_url: &str, size: Size) -> Result<String> {
    let name = size.database_name();
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url, |(base, _)| base);
    let url = format!("{base}/{name}");
    let mut admin = PgConnection::connect(admin_url)
        .await
        .with_context(|| format!("cannot reach PostgreSQL at {admin_url}"))?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut admin)
            .await?;
    if exists && finished(&url).await {
        println!("national data set: {name} (kept from an earlier run)");
        return Ok(url);
    }
    // The name is ours (built from numbers): nothing from outside reaches these statements.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await?;
    let started = std::time::Instant::now();
    make(&url, size).await?;
    println!(
        "national data set: {name} made in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(url)
}

/// Whether the data set at `url` was made to the end (the last step leaves a mark).
async fn finished(url: &str) -> bool {
    let Ok(mut db) = PgConnection::connect(url).await else {
        return false;
    };
    sqlx::query_scalar::<_, i64>("SELECT models FROM bench_national")
        .fetch_one(&mut db)
        .await
        .is_ok()
}

/// The communes and wards of the data set, in the order accounts were made for them.
pub async fn communes(store: &dyn dvk_server::Store) -> Result<Vec<Unit>> {
    let mut communes: Vec<Unit> = store
        .units()
        .await?
        .into_iter()
        .filter(|u| matches!(u.kind, UnitKind::Commune | UnitKind::Ward))
        .collect();
    communes.sort_by_key(|u| u.id);
    Ok(communes)
}

async fn make(url: &str, size: Size) -> Result<()> {
    let store = dvk_server::store::connect(url).await?;
    let actor = dvk_server::store::Actor::system("bench-national");
    let at = dvk_server::now();
    let new_unit = |name: String, kind: UnitKind, parent_id: Option<dvk_shared::ids::UnitId>| {
        Ok::<_, anyhow::Error>(Unit {
            id: dvk_shared::ids::UnitId::from_uuid(Uuid::now_v7())?,
            name,
            kind,
            parent_id,
            former_names: Vec::new(),
            merged_into: None,
            merged_on: None,
            closed_on: None,
        })
    };
    let top = new_unit(
        "Ban Dân vận Trung ương".to_owned(),
        UnitKind::PartyCommittee,
        None,
    )?;
    store.put_unit(&top, &actor, at).await?;
    let mut rng = fastrand::Rng::with_seed(2025);
    for province in PROVINCES {
        let province = new_unit(province.to_owned(), UnitKind::Province, Some(top.id))?;
        store.put_unit(&province, &actor, at).await?;
        let mut names: Vec<(usize, usize)> = (0..NAME_PARTS.len())
            .flat_map(|a| (0..NAME_PARTS.len()).map(move |b| (a, b)))
            .filter(|(a, b)| a != b)
            .collect();
        rng.shuffle(&mut names);
        for (i, (a, b)) in names
            .into_iter()
            .take(size.communes_per_province)
            .enumerate()
        {
            let (kind, prefix) = if i % 4 == 3 {
                (UnitKind::Ward, "Phường")
            } else {
                (UnitKind::Commune, "Xã")
            };
            let name = format!("{prefix} {} {}", NAME_PARTS[a], NAME_PARTS[b]);
            store
                .put_unit(&new_unit(name, kind, Some(province.id))?, &actor, at)
                .await?;
        }
    }
    dvk_server::admin::create_user(
        store.as_ref(),
        LEADER,
        Some("Lãnh đạo Ban Dân vận Trung ương"),
        Role::Leader,
        &top.id.to_string(),
        PASSWORD,
    )
    .await?;
    let communes = communes(store.as_ref()).await?;
    for (i, commune) in communes.iter().enumerate() {
        dvk_server::admin::create_user(
            store.as_ref(),
            &registrar(i),
            None,
            Role::Registrar,
            &commune.id.to_string(),
            PASSWORD,
        )
        .await?;
    }
    drop(store);

    let mut db = PgConnection::connect(url).await?;
    let first: i64 = sqlx::query_scalar("SELECT value FROM counters WHERE name = 'version'")
        .fetch_one(&mut db)
        .await?;
    const CHUNK: usize = 20_000;
    let mut written = 0;
    while written < size.models {
        let rows = CHUNK.min(size.models - written);
        let mut text = String::with_capacity(rows * 2_000);
        for n in written..written + rows {
            let unit = &communes[n % communes.len()];
            model_row(&mut text, &mut rng, unit, first + 1 + n as i64)?;
        }
        let mut copy = db
            .copy_in_raw(
                "COPY models (id, unit_id, name, name_sort, search, field, year, status, data, \
                 version, created_at, updated_at, field_versions) FROM STDIN",
            )
            .await?;
        copy.send(text.into_bytes()).await?;
        copy.finish().await?;
        written += rows;
    }
    sqlx::query("UPDATE counters SET value = $1 WHERE name = 'version'")
        .bind(first + size.models as i64)
        .execute(&mut db)
        .await?;
    sqlx::raw_sql("ANALYZE").execute(&mut db).await?;
    sqlx::raw_sql("CREATE TABLE bench_national (models BIGINT NOT NULL)")
        .execute(&mut db)
        .await?;
    sqlx::query("INSERT INTO bench_national (models) VALUES ($1)")
        .bind(size.models as i64)
        .execute(&mut db)
        .await?;
    Ok(())
}

fn pick<T: Copy>(rng: &mut fastrand::Rng, mix: &[(T, u64)]) -> T {
    let total: u64 = mix.iter().map(|(_, w)| w).sum();
    let mut at = rng.u64(0..total);
    for (value, weight) in mix {
        if at < *weight {
            return *value;
        }
        at -= weight;
    }
    mix[0].0
}

/// One model of `unit` as a line of `COPY … FROM STDIN` (text format), as the store writes a
/// new model at `version`.
fn model_row(out: &mut String, rng: &mut fastrand::Rng, unit: &Unit, version: i64) -> Result<()> {
    let year = rng.u16(2016..=2026);
    let status = pick(rng, &STATUS_MIX);
    let field = pick(rng, &FIELD_MIX);
    let activity = ACTIVITIES[rng.usize(..ACTIVITIES.len())];
    let place = format!(
        "thôn {} {}",
        NAME_PARTS[rng.usize(..NAME_PARTS.len())],
        rng.u32(1..40)
    );
    // Spread over the year it was registered, in milliseconds since 1970.
    let at =
        1_451_606_400_000 + i64::from(year - 2016) * 31_536_000_000 + rng.i64(0..31_536_000_000);
    let model: Model = serde_json::from_value(json!({
        "id": Uuid::now_v7(),
        "unit_id": unit.id,
        "name": format!("{activity} ở {place}"),
        "field": field,
        "year": year,
        "objectives": format!("Vận động nhân dân {place} cùng chung tay: {activity}, nâng cao đời sống vật chất và tinh thần, giữ gìn khối đại đoàn kết toàn dân tộc ở khu dân cư."),
        "content": "Chi bộ lãnh đạo, chính quyền vào cuộc, Mặt trận và các đoàn thể phân công từng hội viên vận động từng hộ; họp dân công khai, bàn bạc dân chủ; người đứng đầu gương mẫu làm trước.",
        "participants": "Mặt trận, Hội Phụ nữ, Hội Nông dân, Đoàn Thanh niên, Hội Cựu chiến binh và nhân dân",
        "results": {"people_reached": rng.u64(50..5_000), "households": rng.u64(10..800),
                    "money_vnd": rng.u64(1..500) * 1_000_000, "labour_days": rng.u64(0..2_000)},
        "effectiveness": "Nhân dân đồng tình hưởng ứng, đời sống được nâng lên.",
        "replication_scope": "Có thể nhân rộng ra các thôn, khu phố khác.",
        "contact": {"name": "Nguyễn Văn An", "position": "Bí thư chi bộ", "phone": "0905123456"},
        "status": status,
        "status_since": at,
    }))?;
    let data = serde_json::to_string(&model)?;
    let field_versions: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&data)?
            .keys()
            .map(|k| (k.clone(), json!(version)))
            .collect();
    let columns = [
        model.id.to_string(),
        model.unit_id.to_string(),
        model.name.clone(),
        sort_key(&model.name),
        fold(&model.search_text()),
        model.field.as_str().to_owned(),
        model.year.to_string(),
        model.status.as_str().to_owned(),
        data,
        version.to_string(),
        at.to_string(),
        at.to_string(),
        serde_json::Value::Object(field_versions).to_string(),
    ];
    for (i, column) in columns.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        // COPY's text format: backslash, tab and line breaks are escaped.
        for c in column.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                c => out.push(c),
            }
        }
    }
    out.push('\n');
    Ok(())
}
