//! The demo installation: the town of the source report (Thị xã Điện Bàn) with its wards,
//! communes and town bodies, five demo accounts, as many registered models as the report counts,
//! split by field exactly as it splits them, three drafts of a commune registrar, and the
//! report's awards.
//!
//! It exists so that a first start with demo data shows the leadership overview with the report's
//! figures (DOMAIN.md) and gives every role realistic work to look at. It only builds a [`Seed`];
//! writing it is the store's business.
//!
//! What must not go in here:
//! - figures that restate the report: counts come from `server/demo/dien-ban-2020.json`, so
//!   correcting the data corrects the demo, and a mismatch is a [`DemoError`], not a silent drift;
//! - file reads at run time: both JSON files are compiled in, so the binary runs from anywhere;
//! - the clock or OS randomness for any choice: a fixed-seed generator makes every build pick the
//!   same units, names, figures and statuses (only the UUIDv7 ids differ), so screenshots,
//!   manuals and tests can rely on the demo;
//! - real people: names are assembled from the catalogue's name lists, phone numbers are random;
//! - anything a non-demo installation needs.

use std::collections::{BTreeMap, BTreeSet};

use dvk_shared::{
    award::{Award, AwardAction, AwardKind, AwardStatus, RecipientType},
    date::{Date, Timestamp},
    ids::{AwardId, CampaignId, ModelId, RecordId, SurveyId, UnitId, UserId},
    model::{Contact, Field, Location, Model, Results, Status},
    survey::{Rating, default_criteria},
    sync::{Kind, Mutation},
    unit::{Unit, UnitKind},
    user::{Role, User, validate_username},
    validation::FieldErrors,
};
use serde::Deserialize;
use serde_json::json;

use crate::store::Seed;

/// The password of every demo account; the demo is for trying the product, not for real data.
pub const DEMO_PASSWORD: &str = "demo-dvk";

/// A demo account as the login page may list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    /// The full name of the account's unit, as in the demo's unit tree.
    pub unit_name: &'static str,
}

const ROOT_NAME: &str = "Thị xã Điện Bàn";
/// The commune whose registrar has an account; it gets the drafts and more models, so that
/// account has plenty to work on.
const REGISTRAR_UNIT: &str = "Xã Điện Hòa";

/// One account per role. Everyone but the registrar sits at the top unit, because those roles
/// work for the whole town.
pub fn accounts() -> Vec<DemoAccount> {
    vec![
        DemoAccount {
            username: "admin",
            display_name: "Quản trị hệ thống",
            role: Role::Admin,
            unit_name: ROOT_NAME,
        },
        DemoAccount {
            username: "bandanvan",
            display_name: "Ban Dân vận Thị ủy",
            role: Role::Board,
            unit_name: ROOT_NAME,
        },
        DemoAccount {
            username: "lanhdao",
            display_name: "Lãnh đạo Thị ủy",
            role: Role::Leader,
            unit_name: ROOT_NAME,
        },
        DemoAccount {
            username: "dienhoa",
            display_name: "Cán bộ xã Điện Hòa",
            role: Role::Registrar,
            unit_name: REGISTRAR_UNIT,
        },
        DemoAccount {
            username: "khaosat",
            display_name: "Cán bộ khảo sát Ban Dân vận",
            role: Role::Surveyor,
            unit_name: ROOT_NAME,
        },
    ]
}

/// Why the demo could not be built. Every case is a mistake in the embedded data or in this
/// module, found at start-up rather than shown to a leader as wrong figures.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("embedded demo file {file} does not parse: {source}")]
    Parse {
        file: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("embedded demo data is inconsistent: {0}")]
    Data(String),
    #[error("generated demo {what} fails validation: {errors}")]
    Invalid { what: String, errors: FieldErrors },
}

const REFERENCE_JSON: &str = include_str!("../demo/dien-ban-2020.json");
const CATALOGUE_JSON: &str = include_str!("../demo/catalogue.json");

/// Any fixed value will do; changing it reshuffles every choice but no figure of the report.
const SEED: u64 = 0x0D1E_7BA7_2020_0348;

/// Units that must show a real list of models, not two or three.
const MIN_MODELS_PER_UNIT: usize = 5;
/// The registrar's commune and one ward get a longer list still, one that fills a screen.
const BUSY_UNITS: [&str; 2] = [REGISTRAR_UNIT, "Phường Điện Ngọc"];
const MIN_MODELS_BUSY_UNIT: usize = 8;
const DRAFTS: usize = 3;
/// The years of the report's period (2016–2020): models registered then.
const FIRST_YEAR: u16 = 2016;
const REPORT_YEAR: u16 = 2020;

/// Share of each status among registered models, in percent. Most models simply run; a fifth
/// were surveyed this year; a few are typical or replicated; and some sit at every step of the
/// review so that each screen of the Board has work on it.
const STATUS_MIX: [(Status, u64); 8] = [
    (Status::InProgress, 45),
    (Status::Evaluated, 20),
    (Status::Typical, 8),
    (Status::Replicated, 4),
    (Status::Approved, 10),
    (Status::Submitted, 6),
    (Status::Returned, 3),
    (Status::Discontinued, 4),
];

/// What the Board writes when it sends a model back: always what to add, always politely.
const RETURN_COMMENTS: [&str; 3] = [
    "Đề nghị đơn vị bổ sung số liệu cụ thể về kết quả đạt được (số người, số hộ tham gia, kinh phí và ngày công vận động được) để Ban Dân vận có cơ sở xem xét.",
    "Phần nội dung, cách làm còn chung chung. Đề nghị đơn vị làm rõ cách thức vận động nhân dân và phân công cụ thể cho từng tổ chức, cá nhân.",
    "Cảm ơn đơn vị đã đăng ký mô hình. Đề nghị bổ sung số liệu cụ thể và làm rõ cách làm, sau đó gửi lại để Ban Dân vận xem xét, duyệt.",
];

// ---- The embedded files, as they are written -------------------------------------------------

#[derive(Deserialize)]
struct Reference {
    root: ReferenceUnit,
    wards: Vec<String>,
    communes: Vec<String>,
    town_bodies: Vec<ReferenceUnit>,
    report: Report,
}

/// The root's `parent` (the province) is not read: the demo installation starts at the town.
#[derive(Deserialize)]
struct ReferenceUnit {
    name: String,
    kind: UnitKind,
}

#[derive(Deserialize)]
struct Report {
    models_total: usize,
    models_by_field: BTreeMap<String, usize>,
    awards: Vec<ReportAward>,
}

#[derive(Deserialize)]
struct ReportAward {
    kind: String,
    recipient: String,
    count: usize,
}

#[derive(Deserialize)]
struct Catalogue {
    models: BTreeMap<String, Vec<Template>>,
    places: Vec<String>,
    people: People,
    positions: Vec<String>,
}

#[derive(Deserialize)]
struct Template {
    name: String,
    objectives: String,
    content: String,
    participants: String,
    effectiveness: String,
    replication: String,
    /// The kind of unit that usually runs such a model.
    lead_kind: UnitKind,
    figures: Figures,
}

/// Inclusive ranges `[min, max]`; `[0, 0]` means the figure does not apply to such a model.
#[derive(Deserialize)]
struct Figures {
    people_reached: [u64; 2],
    money_vnd: [u64; 2],
    labour_days: [u64; 2],
    land_m2: [u64; 2],
    households: [u64; 2],
}

impl Figures {
    fn all(&self) -> [[u64; 2]; 5] {
        [
            self.people_reached,
            self.money_vnd,
            self.labour_days,
            self.land_m2,
            self.households,
        ]
    }
}

#[derive(Deserialize)]
struct People {
    family_names: Vec<String>,
    middle_names_male: Vec<String>,
    middle_names_female: Vec<String>,
    given_names_male: Vec<String>,
    given_names_female: Vec<String>,
}

fn parse<T: for<'de> Deserialize<'de>>(text: &str, file: &'static str) -> Result<T, DemoError> {
    serde_json::from_str(text).map_err(|source| DemoError::Parse { file, source })
}

fn data(message: impl Into<String>) -> DemoError {
    DemoError::Data(message.into())
}

// ---- Deterministic choices ---------------------------------------------------------------------

/// SplitMix64: a few lines, statistically fine for picking demo data, and the same on every
/// platform and toolchain, which a library generator's algorithm is not promised to be.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0). Multiply-and-shift rather than `%` keeps the
    /// spread even without a loop.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A number in `min..=max`.
    fn between(&mut self, min: u64, max: u64) -> u64 {
        let span = u128::from(max.saturating_sub(min)) + 1;
        min + ((u128::from(self.next_u64()) * span) >> 64) as u64
    }

    /// True `numerator` times in `denominator`.
    fn chance(&mut self, numerator: usize, denominator: usize) -> bool {
        self.below(denominator) < numerator
    }

    fn pick<'a, T>(&mut self, items: &'a [T], what: &str) -> Result<&'a T, DemoError> {
        items
            .get(self.below(items.len()))
            .ok_or_else(|| data(format!("the list of {what} is empty")))
    }

    /// One of `items`, each as likely as its weight.
    fn weighted<T: Copy>(&mut self, items: &[(T, u64)]) -> Option<T> {
        let total: u64 = items.iter().map(|(_, w)| w).sum();
        let mut roll = self.between(1, total.max(1));
        for &(item, weight) in items {
            if roll <= weight {
                return Some(item);
            }
            roll -= weight;
        }
        None
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// Days from 1970-01-01 to `date` (Howard Hinnant's days-from-civil); the shared `Date` only
/// goes the other way, and registration instants need this one.
fn days_since_epoch(date: Date) -> i64 {
    let year = i64::from(date.year()) - i64::from(date.month() <= 2);
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let month = i64::from(date.month());
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + i64::from(date.day()) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn date(year: u16, month: u64, day: u64) -> Result<Date, DemoError> {
    u8::try_from(month)
        .ok()
        .zip(u8::try_from(day).ok())
        .and_then(|(month, day)| Date::new(year, month, day))
        .ok_or_else(|| data(format!("generated an impossible date {year}-{month}-{day}")))
}

// ---- Building the seed -------------------------------------------------------------------------

/// Builds the whole demo set; every account gets `password_hash` (already hashed by the caller).
pub fn build(password_hash: &str) -> Result<Seed, DemoError> {
    let reference: Reference = parse(REFERENCE_JSON, "dien-ban-2020.json")?;
    let catalogue: Catalogue = parse(CATALOGUE_JSON, "catalogue.json")?;
    let counts = field_counts(&reference.report)?;
    let templates = templates_by_field(&catalogue)?;
    let town = Town::new(&reference)?;
    let users = users(&town.units, password_hash)?;

    let mut generator = Generator {
        catalogue: &catalogue,
        templates,
        town: &town,
        rng: Rng(SEED),
        taken: BTreeSet::new(),
    };
    let mut models = generator.registered_models(&counts)?;
    models.extend(generator.drafts()?);
    let awards = generator.awards(&reference.report, &models)?;

    let seed = Seed {
        units: town.units,
        users,
        models,
        awards,
    };
    validate(&seed)?;
    Ok(seed)
}

/// The report's registered models per field, checked against its total.
fn field_counts(report: &Report) -> Result<Vec<(Field, usize)>, DemoError> {
    for key in report.models_by_field.keys() {
        if Field::parse(key).is_none() {
            return Err(data(format!("the report names an unknown field {key:?}")));
        }
    }
    let counts = Field::ALL
        .into_iter()
        .map(|field| {
            report
                .models_by_field
                .get(field.as_str())
                .map(|&count| (field, count))
                .ok_or_else(|| data(format!("the report has no figure for {}", field.as_str())))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let sum: usize = counts.iter().map(|(_, count)| count).sum();
    if sum != report.models_total {
        return Err(data(format!(
            "the report's models by field add up to {sum}, not its total {}",
            report.models_total
        )));
    }
    Ok(counts)
}

fn templates_by_field(catalogue: &Catalogue) -> Result<BTreeMap<Field, &[Template]>, DemoError> {
    let mut by_field = BTreeMap::new();
    for (key, templates) in &catalogue.models {
        let field = Field::parse(key)
            .ok_or_else(|| data(format!("the catalogue names an unknown field {key:?}")))?;
        for template in templates {
            if template.figures.all().iter().any(|[min, max]| min > max) {
                return Err(data(format!(
                    "a figure range of {:?} has its minimum above its maximum",
                    template.name
                )));
            }
        }
        by_field.insert(field, templates.as_slice());
    }
    Ok(by_field)
}

/// The unit tree: the town, then wards, communes and town bodies, in the reference's order.
struct Town {
    units: Vec<Unit>,
    /// Indices into `units` of the wards and communes.
    grassroots: Vec<usize>,
    /// Indices into `units` of the town's Party committee, agencies and organisations.
    bodies: Vec<usize>,
}

impl Town {
    fn new(reference: &Reference) -> Result<Self, DemoError> {
        let unit = |name: String, kind: UnitKind, parent_id: Option<UnitId>| Unit {
            id: UnitId::new(),
            name,
            kind,
            parent_id,
            former_names: vec![],
            merged_into: None,
            merged_on: None,
            closed_on: None,
        };
        if reference.root.kind != UnitKind::DistrictTown {
            return Err(data("the demo's top unit must be a district-level town"));
        }
        let root = unit(reference.root.name.clone(), UnitKind::DistrictTown, None);
        let parent = Some(root.id);
        let mut units = vec![root];
        let mut grassroots = vec![];
        let mut bodies = vec![];
        for name in &reference.wards {
            grassroots.push(units.len());
            units.push(unit(format!("Phường {name}"), UnitKind::Ward, parent));
        }
        for name in &reference.communes {
            grassroots.push(units.len());
            units.push(unit(format!("Xã {name}"), UnitKind::Commune, parent));
        }
        for body in &reference.town_bodies {
            if !matches!(
                body.kind,
                UnitKind::PartyCommittee | UnitKind::Agency | UnitKind::MassOrganisation
            ) {
                return Err(data(format!(
                    "town body {:?} has a kind a town body cannot have",
                    body.name
                )));
            }
            bodies.push(units.len());
            units.push(unit(body.name.clone(), body.kind, parent));
        }
        let names: BTreeSet<&str> = units.iter().map(|u| u.name.as_str()).collect();
        if names.len() != units.len() {
            return Err(data("two demo units have the same name"));
        }
        Ok(Self {
            units,
            grassroots,
            bodies,
        })
    }

    fn index_of(&self, name: &str) -> Result<usize, DemoError> {
        self.units
            .iter()
            .position(|u| u.name == name)
            .ok_or_else(|| data(format!("the demo needs a unit named {name:?}")))
    }
}

fn users(units: &[Unit], password_hash: &str) -> Result<Vec<(User, String)>, DemoError> {
    accounts()
        .into_iter()
        .map(|account| {
            let unit = units
                .iter()
                .find(|u| u.name == account.unit_name)
                .ok_or_else(|| {
                    data(format!(
                        "account {} belongs to a unit that is not in the demo: {}",
                        account.username, account.unit_name
                    ))
                })?;
            let user = User {
                id: UserId::new(),
                username: account.username.to_owned(),
                display_name: account.display_name.to_owned(),
                role: account.role,
                unit_id: unit.id,
            };
            Ok((user, password_hash.to_owned()))
        })
        .collect()
}

/// Where a registered model goes before the unit is chosen.
#[derive(Clone, Copy)]
enum Target {
    Grassroots,
    Body(UnitKind),
}

struct Slot {
    field: Field,
    template: usize,
    target: Target,
}

/// A model's name, the template it came from, and where it runs when that is one place.
struct Naming<'a> {
    template: &'a Template,
    name: String,
    /// What replaced `{place}` in the template.
    filled: String,
    /// A ward or commune (an index into the town's units) and a thôn or khối phố of it.
    spot: Option<(usize, &'a str)>,
}

struct Generator<'a> {
    catalogue: &'a Catalogue,
    templates: BTreeMap<Field, &'a [Template]>,
    town: &'a Town,
    rng: Rng,
    /// (unit index, model name) already used: a name is unique within its unit.
    taken: BTreeSet<(usize, String)>,
}

impl<'a> Generator<'a> {
    fn templates(&self, field: Field) -> Result<&'a [Template], DemoError> {
        self.templates
            .get(&field)
            .copied()
            .filter(|templates| !templates.is_empty())
            .ok_or_else(|| data(format!("the catalogue has no model for {}", field.as_str())))
    }

    fn registered_models(
        &mut self,
        counts: &[(Field, usize)],
    ) -> Result<Vec<(Model, Timestamp)>, DemoError> {
        let slots = self.slots(counts)?;
        let units = self.place_slots(&slots)?;
        let mut statuses = status_mix(slots.len());
        self.rng.shuffle(&mut statuses);
        slots
            .iter()
            .zip(units)
            .zip(statuses)
            .map(|((slot, unit), status)| self.registered(slot, unit, status))
            .collect()
    }

    /// Picks a template per model and whether a town body or a ward/commune runs it. Templates
    /// led by a town body's kind go half to such a body and half to wards and communes: the
    /// organisations and agencies work through their branches in every commune as much as at
    /// town level.
    fn slots(&mut self, counts: &[(Field, usize)]) -> Result<Vec<Slot>, DemoError> {
        let mut led_by_kind: BTreeMap<UnitKind, usize> = BTreeMap::new();
        let mut slots = vec![];
        for &(field, count) in counts {
            let templates = self.templates(field)?;
            for _ in 0..count {
                let template = self.rng.below(templates.len());
                let lead = templates[template].lead_kind;
                let has_body = self
                    .town
                    .bodies
                    .iter()
                    .any(|&i| self.town.units[i].kind == lead);
                let target = if has_body {
                    let turn = led_by_kind.entry(lead).or_default();
                    *turn += 1;
                    if *turn % 2 == 1 {
                        Target::Body(lead)
                    } else {
                        Target::Grassroots
                    }
                } else {
                    Target::Grassroots
                };
                slots.push(Slot {
                    field,
                    template,
                    target,
                });
            }
        }
        Ok(slots)
    }

    /// The unit of each slot. Wards and communes are dealt out from a shuffled deck holding each
    /// unit's minimum first, so the minimums hold whatever the draw.
    fn place_slots(&mut self, slots: &[Slot]) -> Result<Vec<usize>, DemoError> {
        let busy = BUSY_UNITS
            .iter()
            .map(|name| self.town.index_of(name))
            .collect::<Result<Vec<_>, _>>()?;
        let grassroots = &self.town.grassroots;
        let mut deck = vec![];
        for &unit in grassroots {
            let minimum = if busy.contains(&unit) {
                MIN_MODELS_BUSY_UNIT
            } else {
                MIN_MODELS_PER_UNIT
            };
            deck.extend(std::iter::repeat_n(unit, minimum));
        }
        let wanted = slots
            .iter()
            .filter(|s| matches!(s.target, Target::Grassroots))
            .count();
        if wanted < deck.len() {
            return Err(data(format!(
                "{wanted} models for wards and communes cannot give each its minimum ({})",
                deck.len()
            )));
        }
        while deck.len() < wanted {
            deck.push(*self.rng.pick(grassroots, "wards and communes")?);
        }
        self.rng.shuffle(&mut deck);
        let mut deck = deck.into_iter();

        slots
            .iter()
            .map(|slot| match slot.target {
                Target::Grassroots => deck
                    .next()
                    .ok_or_else(|| data("ran out of wards and communes to deal")),
                Target::Body(kind) => {
                    let template = &self.templates(slot.field)?[slot.template];
                    self.body_for(kind, template)
                }
            })
            .collect()
    }

    fn body_for(&mut self, kind: UnitKind, template: &Template) -> Result<usize, DemoError> {
        let leaders = self.leaders(kind, template);
        self.rng.pick(&leaders, "town bodies of a kind").copied()
    }

    /// The town bodies of `kind` that would lead a model like `template`: those whose name it
    /// mentions most (the Women's Union for a women's savings group), so a body's list reads
    /// like its own work. When it names none, the body listed first: the reference lists the
    /// general one first (the People's Committee before the police, the Fatherland Front before
    /// its member organisations), and the general one runs what no specialist claims.
    fn leaders(&self, kind: UnitKind, template: &Template) -> Vec<usize> {
        let text = format!("{} {}", template.name, template.participants).to_lowercase();
        let scored: Vec<(usize, usize)> = self
            .town
            .bodies
            .iter()
            .filter(|&&i| self.town.units[i].kind == kind)
            .map(|&i| (i, affinity(&self.town.units[i].name, &text)))
            .collect();
        match scored.iter().map(|&(_, score)| score).max() {
            Some(best) if best > 0 => scored
                .iter()
                .filter(|&&(_, score)| score == best)
                .map(|&(i, _)| i)
                .collect(),
            _ => scored.first().map(|&(i, _)| i).into_iter().collect(),
        }
    }

    fn registered(
        &mut self,
        slot: &Slot,
        unit: usize,
        status: Status,
    ) -> Result<(Model, Timestamp), DemoError> {
        let naming = self.name(slot.field, Some(slot.template), unit)?;
        let template = naming.template;
        let year = self.year_for(status)?;
        let (registered_on, instant) = self.registration(year)?;
        let start_date = Some(if self.rng.chance(1, 2) {
            date(year - 1, self.rng.between(1, 12), self.rng.between(1, 28))?
        } else {
            date(
                year,
                self.rng.between(1, u64::from(registered_on.month()) - 1),
                self.rng.between(1, 28),
            )?
        });
        let mut results = Results::default();
        for (figure, range) in [
            &mut results.people_reached,
            &mut results.money_vnd,
            &mut results.labour_days,
            &mut results.land_m2,
            &mut results.households,
        ]
        .into_iter()
        .zip(template.figures.all())
        {
            // [0, 0] marks a figure such a model does not report: leave it unreported, not zero.
            if range[1] > 0 {
                *figure = Some(self.rng.between(range[0], range[1]));
            }
        }
        let contact = Contact {
            name: self.person()?,
            position: self.position(unit)?,
            phone: self.phone(),
        };
        // Most registrations leave the location out; about one model in four gives an address
        // (two in five of those that run in one known place).
        let location = match naming.spot {
            Some((site, place)) if self.rng.chance(2, 5) => Some(Location {
                latitude: None,
                longitude: None,
                address: format!(
                    "{place}, {}, thị xã Điện Bàn, tỉnh Quảng Nam",
                    in_running_text(&self.town.units[site].name)
                ),
            }),
            _ => None,
        };
        let unit_ref = &self.town.units[unit];
        let review_comment = if status == Status::Returned {
            Some((*self.rng.pick(&RETURN_COMMENTS, "return comments")?).to_owned())
        } else {
            None
        };
        let fill = |text: &str| text.replace("{place}", &naming.filled);
        let model = Model {
            id: ModelId::new(),
            unit_id: unit_ref.id,
            name: naming.name,
            field: slot.field,
            year,
            start_date,
            objectives: fill(&template.objectives),
            content: fill(&template.content),
            participants: fill(&template.participants),
            results,
            effectiveness: fill(&template.effectiveness),
            replication_scope: fill(&template.replication),
            contact,
            location,
            status,
            status_since: Some(instant),
            review_comment,
            // Evaluated models carry the rating the Board confirmed in their year; the typical
            // and replicated ones were rated excellent on the way there.
            ratings: match status {
                Status::Evaluated => [(year, Rating::Good)].into(),
                Status::Typical | Status::Replicated => [(year, Rating::Excellent)].into(),
                _ => Default::default(),
            },
            adopted_from: None,
            replicated_outside: Vec::new(),
            published: false,
            public_photos: Vec::new(),
        };
        Ok((model, instant))
    }

    /// A registrar's work in progress at the registrar account's commune: a name and a field,
    /// some with objectives, nothing a review needs yet.
    fn drafts(&mut self) -> Result<Vec<(Model, Timestamp)>, DemoError> {
        let unit = self.town.index_of(REGISTRAR_UNIT)?;
        let unit_id = self.town.units[unit].id;
        let mut drafts = vec![];
        for (n, field) in Field::ALL.into_iter().cycle().take(DRAFTS).enumerate() {
            let naming = self.name(field, None, unit)?;
            let objectives = if n == 0 {
                String::new()
            } else {
                naming.template.objectives.clone()
            };
            let (_, instant) = self.registration(REPORT_YEAR)?;
            let model = Model {
                objectives,
                status_since: Some(instant),
                ..Model::draft(ModelId::new(), unit_id, naming.name, field, REPORT_YEAR)
            };
            drafts.push((model, instant));
        }
        Ok(drafts)
    }

    /// A name not yet used in `unit`: the given template (or a drawn one) with each of the
    /// places in turn, then the field's other templates that suit the unit. A ward's or
    /// commune's model runs in one of its own thôn or khối phố; a town body's runs in one of a
    /// ward or commune, which its name then says ("…thôn 2, xã Điện Tiến").
    fn name(
        &mut self,
        field: Field,
        first: Option<usize>,
        unit: usize,
    ) -> Result<Naming<'a>, DemoError> {
        let templates = self.templates(field)?;
        let kind = self.town.units[unit].kind;
        let site = if is_grassroots(kind) {
            unit
        } else {
            *self.rng.pick(&self.town.grassroots, "wards and communes")?
        };
        let suffix = (site != unit).then(|| in_running_text(&self.town.units[site].name));
        let places = self.places(self.town.units[site].kind);

        let first = match first {
            Some(first) => first,
            None => self.rng.below(templates.len()),
        };
        let offset = self.rng.below(templates.len());
        let rotation: Vec<usize> = (0..templates.len())
            .map(|i| (offset + i) % templates.len())
            .collect();
        // A body takes another template it would lead itself, and only failing that any
        // template of its kind.
        let suits = |i: usize, strict: bool| {
            let template = &templates[i];
            is_grassroots(kind)
                || (template.lead_kind == kind
                    && (!strict || self.leaders(kind, template).contains(&unit)))
        };
        let order: Vec<usize> = std::iter::once(first)
            .chain(rotation.iter().copied().filter(|&i| suits(i, true)))
            .chain(rotation.iter().copied().filter(|&i| suits(i, false)))
            .collect();

        for index in order {
            let template = &templates[index];
            // (name, what replaced `{place}`, the place)
            let mut candidates: Vec<(String, String, Option<&'a str>)> = vec![];
            if template.name.contains("{place}") {
                let start = self.rng.below(places.len());
                for i in 0..places.len() {
                    let place = places[(start + i) % places.len()];
                    let filled = match &suffix {
                        Some(suffix) => format!("{place}, {suffix}"),
                        None => place.to_owned(),
                    };
                    candidates.push((
                        template.name.replace("{place}", &filled),
                        filled,
                        Some(place),
                    ));
                }
            } else {
                candidates.push((template.name.clone(), String::new(), None));
                // A town body may run the same programme in several communes, one model each.
                if let Some(suffix) = &suffix {
                    let at = if template.name.contains(" tại ") {
                        "ở"
                    } else {
                        "tại"
                    };
                    candidates.push((
                        format!("{} {at} {suffix}", template.name),
                        String::new(),
                        None,
                    ));
                }
            }
            for (name, filled, place) in candidates {
                if self.taken.insert((unit, name.clone())) {
                    let spot = match place {
                        Some(place) => Some((site, place)),
                        // A ward's or commune's model without a place in its name still runs
                        // somewhere in it; a town body's may run across the town.
                        None if site == unit => places
                            .get(self.rng.below(places.len()))
                            .map(|&place| (site, place)),
                        None => None,
                    };
                    return Ok(Naming {
                        template,
                        name,
                        filled,
                        spot,
                    });
                }
            }
        }
        Err(data(format!(
            "no unused {} model name left for {}",
            field.as_str(),
            self.town.units[unit].name
        )))
    }

    /// Wards are divided into khối phố and communes into thôn; a town body may work anywhere.
    fn places(&self, kind: UnitKind) -> Vec<&'a str> {
        let all = self.catalogue.places.iter().map(String::as_str);
        let prefix = match kind {
            UnitKind::Ward => Some("khối phố"),
            UnitKind::Commune => Some("thôn"),
            _ => None,
        };
        let fitting: Vec<&str> = all
            .clone()
            .filter(|p| prefix.is_none_or(|prefix| p.starts_with(prefix)))
            .collect();
        if fitting.is_empty() {
            all.collect()
        } else {
            fitting
        }
    }

    /// Reviews happen in the report year, so models waiting on or just through a review were
    /// registered then; a model becomes typical only after a year of results.
    fn year_for(&mut self, status: Status) -> Result<u16, DemoError> {
        let last = match status {
            Status::Submitted | Status::Returned | Status::Approved => return Ok(REPORT_YEAR),
            Status::Typical | Status::Replicated => REPORT_YEAR - 1,
            _ => REPORT_YEAR,
        };
        // More models each year as the movement spread: weights 1, 2, 3…
        let years: Vec<(u16, u64)> = (FIRST_YEAR..=last)
            .map(|year| (year, u64::from(year - FIRST_YEAR) + 1))
            .collect();
        self.rng
            .weighted(&years)
            .ok_or_else(|| data("no year to register a model in"))
    }

    /// An instant in office hours on a day between March and November of `year`: units register
    /// during the working year, after the yearly plan and before the year-end review.
    fn registration(&mut self, year: u16) -> Result<(Date, Timestamp), DemoError> {
        let day = date(year, self.rng.between(3, 11), self.rng.between(1, 28))?;
        // 07:30–16:29 in Vietnam is 00:30–09:29 UTC.
        let minute_utc = self.rng.between(30, 9 * 60 + 29) as i64;
        let ms = days_since_epoch(day) * 86_400_000 + minute_utc * 60_000;
        Ok((day, Timestamp(ms)))
    }

    /// Family, middle and given name; the middle and given names agree on the person's gender.
    fn person(&mut self) -> Result<String, DemoError> {
        let people = &self.catalogue.people;
        let (middles, givens) = if self.rng.chance(1, 2) {
            (&people.middle_names_female, &people.given_names_female)
        } else {
            (&people.middle_names_male, &people.given_names_male)
        };
        Ok(format!(
            "{} {} {}",
            self.rng.pick(&people.family_names, "family names")?,
            self.rng.pick(middles, "middle names")?,
            self.rng.pick(givens, "given names")?
        ))
    }

    /// The catalogue's positions are written for a commune. A ward says "phường" and "khối
    /// phố" where a commune says "xã" and "thôn"; a town body's contact is one of its own staff.
    fn position(&mut self, unit: usize) -> Result<String, DemoError> {
        let unit = &self.town.units[unit];
        if !is_grassroots(unit.kind) {
            return Ok(format!("Cán bộ {}", unit.name));
        }
        let local: Vec<&String> = self
            .catalogue
            .positions
            .iter()
            .filter(|p| !p.contains("thị xã"))
            .filter(|p| unit.kind != UnitKind::Commune || !p.contains("khối phố"))
            .collect();
        let position = self.rng.pick(&local, "positions")?;
        if unit.kind != UnitKind::Ward {
            return Ok((*position).clone());
        }
        Ok(if let Some(stem) = position.strip_suffix(" xã") {
            format!("{stem} phường")
        } else if let Some(stem) = position.strip_suffix(" thôn") {
            format!("{stem} khối phố")
        } else {
            (*position).clone()
        })
    }

    /// A mobile number as people write it, "0905 123 456", with a prefix Vietnamese networks use.
    fn phone(&mut self) -> String {
        let prefix = ["09", "03", "07"][self.rng.below(3)];
        let digits = self.rng.between(0, 99_999_999);
        format!(
            "{prefix}{:02} {:03} {:03}",
            digits / 1_000_000,
            digits / 1_000 % 1_000,
            digits % 1_000
        )
    }

    /// The report's awards, each recognising a distinct typical model; different units are
    /// preferred so the awards spread over the town.
    fn awards(
        &mut self,
        report: &Report,
        models: &[(Model, Timestamp)],
    ) -> Result<Vec<Award>, DemoError> {
        let mut typical: Vec<&Model> = models
            .iter()
            .map(|(model, _)| model)
            .filter(|model| model.status == Status::Typical)
            .collect();
        self.rng.shuffle(&mut typical);
        let mut seen = BTreeSet::new();
        let (first, rest): (Vec<&Model>, Vec<&Model>) =
            typical.into_iter().partition(|m| seen.insert(m.unit_id));
        let mut recognised = first.into_iter().chain(rest);

        // One decision per kind of award: a decision lists everyone it rewards.
        let mut decisions: BTreeMap<AwardKind, (String, Date)> = BTreeMap::new();
        let mut awards = vec![];
        for entry in &report.awards {
            let kind = award_kind(&entry.kind)
                .ok_or_else(|| data(format!("unknown kind of award {:?}", entry.kind)))?;
            let wording = Wording::of(kind)
                .ok_or_else(|| data(format!("no wording for awards of kind {kind:?}")))?;
            let recipient_type = RecipientType::parse(&entry.recipient)
                .ok_or_else(|| data(format!("unknown kind of recipient {:?}", entry.recipient)))?;
            let (decision_number, decision_date) = match decisions.get(&kind) {
                Some(decision) => decision.clone(),
                None => {
                    let number = format!(
                        "{}-QĐ/{}",
                        self.rng.between(120, 2_990),
                        wording.decision_suffix
                    );
                    let day = date(
                        REPORT_YEAR,
                        self.rng.between(9, 12),
                        self.rng.between(1, 28),
                    )?;
                    decisions.insert(kind, (number.clone(), day));
                    (number, day)
                }
            };
            for _ in 0..entry.count {
                let model = recognised.next().ok_or_else(|| {
                    data("the report has more awards than the demo has typical models")
                })?;
                // The person who leads the model is the one it recognises.
                let recipient_name = match recipient_type {
                    RecipientType::Individual => Some(model.contact.name.clone()),
                    RecipientType::Collective => None,
                };
                // Entered as the Board does: a proposal for the model, agreed, then decided.
                awards.push(Award {
                    id: AwardId::new(),
                    kind,
                    title: wording.title.to_owned(),
                    level: wording.level.to_owned(),
                    issuing_body: wording.issuing_body.to_owned(),
                    year: REPORT_YEAR,
                    recipient_type,
                    unit_id: model.unit_id,
                    recipient_name,
                    birth_year: None,
                    position: String::new(),
                    model_ids: vec![model.id],
                    reason: format!(
                        "Mô hình “{}” được công nhận điển hình năm {REPORT_YEAR}.",
                        model.name
                    ),
                    attachments: Vec::new(),
                    status: AwardStatus::Decided,
                    proposed_by: None,
                    review_comment: None,
                    decision_number: Some(decision_number.clone()),
                    decision_date: Some(decision_date),
                    signer: Some(wording.signer.to_owned()),
                    override_reason: None,
                });
            }
        }
        Ok(awards)
    }
}

fn is_grassroots(kind: UnitKind) -> bool {
    matches!(kind, UnitKind::Ward | UnitKind::Commune)
}

/// A unit's name as it reads inside a sentence or an address: "Xã Điện Hòa" becomes
/// "xã Điện Hòa" (only the kind is lower-cased; the proper name keeps its capitals).
fn in_running_text(name: &str) -> String {
    match name.split_once(' ') {
        Some((kind, rest)) => format!("{} {rest}", kind.to_lowercase()),
        None => name.to_owned(),
    }
}

/// How many consecutive word pairs of a body's name occur in `text` ("nông dân" of "Hội Nông
/// dân thị xã"). "thị xã" ends every body's name, so it says nothing.
fn affinity(body_name: &str, text: &str) -> usize {
    let words: Vec<String> = body_name
        .to_lowercase()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    words
        .windows(2)
        .map(|pair| pair.join(" "))
        .filter(|pair| pair != "thị xã" && text.contains(pair.as_str()))
        .count()
}

/// The report names awards in words; these are the ones it uses.
fn award_kind(text: &str) -> Option<AwardKind> {
    if text.contains("Kỷ niệm chương") {
        Some(AwardKind::CommemorativeMedal)
    } else if text.contains("Giấy khen") {
        Some(AwardKind::CertificateOfMerit)
    } else {
        None
    }
}

struct Wording {
    title: &'static str,
    level: &'static str,
    issuing_body: &'static str,
    /// The issuing body's abbreviation in a decision number.
    decision_suffix: &'static str,
    /// Who signs such decisions.
    signer: &'static str,
}

impl Wording {
    fn of(kind: AwardKind) -> Option<Wording> {
        match kind {
            AwardKind::CommemorativeMedal => Some(Wording {
                title: "Kỷ niệm chương “Vì sự nghiệp Dân vận”",
                level: "Trung ương",
                issuing_body: "Ban Dân vận Trung ương",
                decision_suffix: "BDVTW",
                signer: "Trưởng Ban Dân vận Trung ương",
            }),
            AwardKind::CertificateOfMerit => Some(Wording {
                title: "Giấy khen của Ban Thường vụ Thị ủy",
                level: "Thị ủy",
                issuing_body: "Ban Thường vụ Thị ủy Điện Bàn",
                decision_suffix: "TU",
                signer: "T/M Ban Thường vụ Thị ủy",
            }),
            AwardKind::DiplomaOfMerit | AwardKind::Other => None,
        }
    }
}

/// `total` statuses in the shares of [`STATUS_MIX`], rounded so they add up exactly (largest
/// remainder; ties go to the status listed first).
fn status_mix(total: usize) -> Vec<Status> {
    let total = total as u64;
    let mut counts: Vec<(Status, u64, u64)> = STATUS_MIX
        .iter()
        .map(|&(status, percent)| (status, total * percent / 100, total * percent % 100))
        .collect();
    let assigned: u64 = counts.iter().map(|&(_, count, _)| count).sum();
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(counts[i].2));
    for &i in order
        .iter()
        .cycle()
        .take(total.saturating_sub(assigned) as usize)
    {
        counts[i].1 += 1;
    }
    counts
        .into_iter()
        .flat_map(|(status, count, _)| std::iter::repeat_n(status, count as usize))
        .collect()
}

fn invalid(what: String) -> impl FnOnce(FieldErrors) -> DemoError {
    move |errors| DemoError::Invalid { what, errors }
}

/// Every record as the API would check it, so the demo never holds what a user could not save.
fn validate(seed: &Seed) -> Result<(), DemoError> {
    for unit in &seed.units {
        unit.validate()
            .map_err(invalid(format!("unit {:?}", unit.name)))?;
    }
    for (user, _) in &seed.users {
        let mut errors = FieldErrors::default();
        validate_username(&user.username, &mut errors);
        errors
            .into_result()
            .map_err(invalid(format!("account {:?}", user.username)))?;
    }
    for (model, _) in &seed.models {
        let what = || format!("model {:?}", model.name);
        model.validate_draft().map_err(invalid(what()))?;
        if model.status != Status::Draft {
            model.validate_for_submit().map_err(invalid(what()))?;
        }
    }
    for award in &seed.awards {
        award
            .validate()
            .map_err(invalid(format!("award {:?}", award.title)))?;
    }
    Ok(())
}

/// The year's survey in the demo: the Board's campaign with eight running models assigned to
/// the demo surveyor, one survey already submitted and one half done, so the surveyor's list and
/// the Board's progress have something to show. Returned as the changes the Board's and the
/// surveyor's tablets would send; the caller applies them through sync, under its rules.
/// The report's awards as the Board enters them through sync: each proposed, agreed and decided
/// (`award.create`, `submit`, `approve`, `decide`), so each has the history a real one has.
pub fn award_changes(seed: &Seed) -> Vec<Mutation> {
    let mut changes = Vec::new();
    for award in &seed.awards {
        let id = award.id.record();
        let mut fields = match serde_json::to_value(award) {
            Ok(serde_json::Value::Object(fields)) => fields,
            _ => continue,
        };
        // What the server and the decision say, not the proposal.
        for key in [
            "id",
            "status",
            "proposed_by",
            "review_comment",
            "decision_number",
            "decision_date",
            "signer",
            "override_reason",
        ] {
            fields.remove(key);
        }
        let act = |kind: Kind, fields: serde_json::Value| Mutation {
            kind,
            id,
            base_version: Some(0),
            fields: fields.as_object().cloned().unwrap_or_default(),
        };
        changes.push(Mutation {
            kind: Kind::AwardCreate,
            id,
            base_version: None,
            fields,
        });
        changes.push(act(Kind::AwardAct(AwardAction::Submit), json!({})));
        changes.push(act(Kind::AwardAct(AwardAction::Approve), json!({})));
        changes.push(act(
            Kind::AwardAct(AwardAction::Decide),
            json!({
                "number": award.decision_number,
                "date": award.decision_date,
                "signer": award.signer,
                "level": award.level,
            }),
        ));
    }
    changes
}

pub fn survey_plan(seed: &Seed, surveyor: &User) -> (Vec<Mutation>, Vec<Mutation>) {
    let running: Vec<ModelId> = seed
        .models
        .iter()
        .filter(|(m, _)| m.status == Status::InProgress)
        .map(|(m, _)| m.id)
        .take(8)
        .collect();
    let campaign = CampaignId::new();
    let assignments: serde_json::Map<String, serde_json::Value> = running
        .iter()
        .map(|id| (id.to_string(), json!(surveyor.id)))
        .collect();
    let mutation = |kind: Kind, id: RecordId, base_version, fields: serde_json::Value| Mutation {
        kind,
        id,
        base_version,
        fields: fields.as_object().cloned().unwrap_or_default(),
    };
    let board_changes = vec![mutation(
        Kind::CampaignCreate,
        campaign.record(),
        None,
        json!({
            "year": 2026,
            "name": "Khảo sát mô hình “Dân vận khéo” năm 2026",
            "criteria": default_criteria(),
            "assignments": assignments,
            "surveyor_names": { surveyor.id.to_string(): surveyor.display_name.clone() },
            "deadline": "2026-12-31",
        }),
    )];
    let mut surveyor_changes = Vec::new();
    let scores = |values: [u8; 5]| -> serde_json::Map<String, serde_json::Value> {
        default_criteria()
            .iter()
            .zip(values)
            .map(|(c, v)| (c.key.clone(), json!(v)))
            .collect()
    };
    // 20 November 2026, 09:00 in Vietnam.
    let visited = Timestamp(1_795_140_000_000);
    if let [done, started, ..] = running.as_slice() {
        let (first, second) = (SurveyId::new().record(), SurveyId::new().record());
        surveyor_changes.push(mutation(
            Kind::SurveyCreate,
            first,
            None,
            json!({
                "campaign_id": campaign, "model_id": done,
                "scores": scores([9, 9, 8, 8, 7]), "visited_at": visited,
                "difficulties": ["Giải phóng mặt bằng"],
                "notes": "Người dân tự nguyện hiến đất, góp ngày công; còn vướng giải phóng mặt bằng ở hai hộ.",
                "recommendations": "Đề nghị xã hỗ trợ vận động hai hộ còn lại.",
            }),
        ));
        surveyor_changes.push(mutation(Kind::SurveySubmit, first, Some(0), json!({})));
        surveyor_changes.push(mutation(
            Kind::SurveyCreate,
            second,
            None,
            json!({
                "campaign_id": campaign, "model_id": started,
                "scores": { "task_fit": 8, "participation": 7 }, "visited_at": visited,
            }),
        ));
    }
    (board_changes, surveyor_changes)
}

#[cfg(test)]
mod tests {
    use dvk_shared::unit::UnitTree;

    use super::*;

    fn seed() -> Seed {
        build("not-a-real-hash").unwrap()
    }

    fn report() -> Report {
        parse::<Reference>(REFERENCE_JSON, "dien-ban-2020.json")
            .unwrap()
            .report
    }

    fn unit_id(seed: &Seed, name: &str) -> UnitId {
        seed.units.iter().find(|u| u.name == name).unwrap().id
    }

    #[test]
    fn the_demo_has_exactly_the_reports_figures_per_field_and_in_total_and_three_drafts_at_dien_hoa()
     {
        let seed = seed();
        let report = report();
        let mut by_field: BTreeMap<&str, usize> = BTreeMap::new();
        for (model, _) in seed
            .models
            .iter()
            .filter(|(m, _)| m.status != Status::Draft)
        {
            *by_field.entry(model.field.as_str()).or_default() += 1;
        }
        let by_field: BTreeMap<String, usize> = by_field
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        assert_eq!(by_field, report.models_by_field);
        assert_eq!(by_field.values().sum::<usize>(), report.models_total);
        assert_eq!(report.models_total, 348);

        let dien_hoa = unit_id(&seed, "Xã Điện Hòa");
        let drafts: Vec<&Model> = seed
            .models
            .iter()
            .map(|(m, _)| m)
            .filter(|m| m.status == Status::Draft)
            .collect();
        assert_eq!(drafts.len(), 3);
        assert!(drafts.iter().all(|m| m.unit_id == dien_hoa));
        assert!(
            drafts.iter().all(|m| m.validate_for_submit().is_err()),
            "drafts are unfinished work"
        );
    }

    #[test]
    fn awards_are_four_individual_medals_and_four_collective_and_two_individual_certificates() {
        let seed = seed();
        let count = |kind, recipient| {
            seed.awards
                .iter()
                .filter(|a| a.kind == kind && a.recipient_type == recipient)
                .count()
        };
        assert_eq!(
            count(AwardKind::CommemorativeMedal, RecipientType::Individual),
            4
        );
        assert_eq!(
            count(AwardKind::CommemorativeMedal, RecipientType::Collective),
            0
        );
        assert_eq!(
            count(AwardKind::CertificateOfMerit, RecipientType::Collective),
            4
        );
        assert_eq!(
            count(AwardKind::CertificateOfMerit, RecipientType::Individual),
            2
        );
        assert_eq!(seed.awards.len(), 10);

        let models: BTreeMap<ModelId, &Model> =
            seed.models.iter().map(|(m, _)| (m.id, m)).collect();
        let mut recognised = BTreeSet::new();
        for award in &seed.awards {
            assert_eq!(award.status, AwardStatus::Decided);
            assert_eq!(award.validate_for_submit(), Ok(()));
            assert_eq!(award.year, 2020);
            assert_eq!(award.decision_date.map(Date::year), Some(2020));
            let model = models[&award.model_ids[0]];
            assert_eq!(model.status, Status::Typical);
            assert_eq!(award.unit_id, model.unit_id);
            assert!(recognised.insert(model.id), "one award per model");
            assert_eq!(
                award.recipient_name.is_some(),
                award.recipient_type == RecipientType::Individual
            );
        }
    }

    #[test]
    fn every_unit_model_and_award_is_valid_every_model_has_a_unit_of_the_seed_and_names_are_unique_per_unit()
     {
        let seed = seed();
        for unit in &seed.units {
            assert_eq!(unit.validate(), Ok(()), "{}", unit.name);
        }
        let tree = UnitTree::new(seed.units.clone());
        let root: Vec<&Unit> = tree.roots().collect();
        assert_eq!(root.len(), 1);
        assert_eq!(root[0].name, "Thị xã Điện Bàn");
        assert_eq!(root[0].kind, UnitKind::DistrictTown);
        assert_eq!(tree.subtree(root[0].id).len(), seed.units.len());

        let mut names = BTreeSet::new();
        for (model, registered) in &seed.models {
            assert_eq!(model.validate_draft(), Ok(()), "{}", model.name);
            if model.status != Status::Draft {
                assert_eq!(model.validate_for_submit(), Ok(()), "{}", model.name);
            }
            assert!(tree.get(model.unit_id).is_some(), "{}", model.name);
            assert!(
                names.insert((model.unit_id, model.name.clone())),
                "{} twice in one unit",
                model.name
            );
            let day = Date::of_instant_in_vietnam(*registered);
            assert_eq!(day.year(), model.year, "{}", model.name);
            assert!((3..=11).contains(&day.month()), "{}", model.name);
            if let Some(start) = model.start_date {
                assert!(
                    start.year() + 1 >= model.year && start <= day,
                    "{}",
                    model.name
                );
            }
            assert!((2016..=2020).contains(&model.year));
            assert_eq!(
                model.review_comment.is_some(),
                model.status == Status::Returned
            );
        }
        for award in &seed.awards {
            assert_eq!(award.validate(), Ok(()));
            assert!(tree.get(award.unit_id).is_some());
        }
        let located = seed
            .models
            .iter()
            .filter(|(m, _)| m.location.is_some())
            .count();
        assert!(
            (15..=35).contains(&(located * 100 / seed.models.len())),
            "about one model in four has an address, not {located}"
        );
    }

    #[test]
    fn building_twice_gives_the_same_demo() {
        let summary = |seed: &Seed| -> Vec<(String, String, Field, Status, u16)> {
            let names: BTreeMap<UnitId, &str> =
                seed.units.iter().map(|u| (u.id, u.name.as_str())).collect();
            seed.models
                .iter()
                .map(|(m, _)| {
                    (
                        names[&m.unit_id].to_owned(),
                        m.name.clone(),
                        m.field,
                        m.status,
                        m.year,
                    )
                })
                .collect()
        };
        let (first, second) = (seed(), seed());
        assert_eq!(summary(&first), summary(&second));
        let registered = |seed: &Seed| seed.models.iter().map(|(_, t)| *t).collect::<Vec<_>>();
        assert_eq!(registered(&first), registered(&second));
    }

    #[test]
    fn every_ward_and_commune_has_at_least_five_models_and_dien_hoa_and_dien_ngoc_at_least_eight() {
        let seed = seed();
        let mut per_unit: BTreeMap<UnitId, usize> = BTreeMap::new();
        for (model, _) in seed
            .models
            .iter()
            .filter(|(m, _)| m.status != Status::Draft)
        {
            *per_unit.entry(model.unit_id).or_default() += 1;
        }
        let grassroots: Vec<&Unit> = seed
            .units
            .iter()
            .filter(|u| matches!(u.kind, UnitKind::Ward | UnitKind::Commune))
            .collect();
        assert_eq!(grassroots.len(), 20);
        for unit in grassroots {
            let count = per_unit.get(&unit.id).copied().unwrap_or(0);
            let minimum = if ["Xã Điện Hòa", "Phường Điện Ngọc"].contains(&unit.name.as_str())
            {
                8
            } else {
                5
            };
            assert!(count >= minimum, "{} has {count}", unit.name);
        }
    }

    #[test]
    fn the_five_accounts_exist_with_their_roles_and_units() {
        let seed = seed();
        let root = unit_id(&seed, "Thị xã Điện Bàn");
        let dien_hoa = unit_id(&seed, "Xã Điện Hòa");
        let expected = [
            ("admin", Role::Admin, root),
            ("bandanvan", Role::Board, root),
            ("lanhdao", Role::Leader, root),
            ("dienhoa", Role::Registrar, dien_hoa),
            ("khaosat", Role::Surveyor, root),
        ];
        assert_eq!(seed.users.len(), expected.len());
        for (username, role, unit) in expected {
            let (user, hash) = seed
                .users
                .iter()
                .find(|(u, _)| u.username == username)
                .unwrap();
            assert_eq!((user.role, user.unit_id), (role, unit), "{username}");
            assert_eq!(hash, "not-a-real-hash");
        }
        let listed: Vec<&str> = accounts().iter().map(|a| a.username).collect();
        assert_eq!(
            listed,
            ["admin", "bandanvan", "lanhdao", "dienhoa", "khaosat"]
        );
    }

    #[test]
    fn the_status_mix_follows_the_planned_shares_and_adds_up() {
        let seed = seed();
        let mut counts: BTreeMap<Status, usize> = BTreeMap::new();
        for (model, _) in &seed.models {
            *counts.entry(model.status).or_default() += 1;
        }
        let registered = 348.0;
        for (status, percent) in STATUS_MIX {
            let share = counts.get(&status).copied().unwrap_or(0) as f64 / registered * 100.0;
            assert!((share - percent as f64).abs() < 1.0, "{status:?}: {share}");
        }
        assert_eq!(status_mix(348).len(), 348);
        assert_eq!(status_mix(7).len(), 7);
    }

    #[test]
    fn registration_instants_fall_on_the_intended_day() {
        for (y, m, d) in [(1970, 1, 1), (2016, 2, 29), (2020, 3, 1), (2020, 12, 31)] {
            let day = Date::new(y, m, d).unwrap();
            let noon = Timestamp(days_since_epoch(day) * 86_400_000 + 5 * 3_600_000);
            assert_eq!(Date::of_instant_in_vietnam(noon), day);
        }
    }

    #[test]
    fn the_generator_is_even_and_stays_in_range() {
        let mut rng = Rng(1);
        let mut seen = [0usize; 6];
        for _ in 0..6_000 {
            seen[rng.below(6)] += 1;
            let x = rng.between(5, 7);
            assert!((5..=7).contains(&x));
        }
        assert!(seen.iter().all(|&n| (800..1_200).contains(&n)), "{seen:?}");
        assert_eq!(rng.between(3, 3), 3);
        assert!(rng.pick::<u8>(&[], "nothing").is_err());
    }
}
