//! Synthetic cases for the demo: people, households, consents, identifications, safe
//! contact and status changes, written through the store exactly as case workers and
//! supervisors would make them.
//!
//! Everything is made up: names are drawn from lists of common Turkmen, Russian-spelled,
//! Uzbek, Kazakh and Afghan names and combined at random, so no real person is in it. The
//! draw is reproducible (a fixed seed; dates are relative to the day of the run). The
//! first cases are fixed showcases (a child with both parents abroad and nobody caring
//! for them, an identified victim in assistance, a closed case, a draft …) so that even a
//! small demo has each kind.

use anyhow::{Context as _, bail};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::BTreeMap;
use std::fmt;
use std::time::Instant;
use uuid::Uuid;
use yoldash_domain::case::{CaseStatus, CaseType, RiskLevel, TraffickingStatus};
use yoldash_domain::catalogue::Catalogue;
use yoldash_domain::consent::{ConsentForm, GivenBy, Purpose};
use yoldash_domain::household::{MigrationSituation, Relation};
use yoldash_domain::identification::{
    ControlMethod, ExploitationForm, IsicSection, RecruiterRelation, RecruitmentMethod,
};
use yoldash_domain::person::{
    Birth, Disability, DocumentKind, Education, GenderIdentity, MaritalStatus, Sex,
};
use yoldash_domain::{Actor, Role, Version};
use yoldash_store::case_records::{
    ConsentDetails, IdentificationPlaces, IdentificationRecord, MemberRecord, NewConsent,
};
use yoldash_store::cases::{NewCase, SafeContact, StatusOutcome};
use yoldash_store::persons::{Document, Identity, PersonFacts, PersonRecord};
use yoldash_store::{Store, StoreError, Unit};

/// The seed of the synthetic data ("YOLDASH").
pub const SEED: u64 = 0x0059_4F4C_4441_5348;
/// Cases written per transaction.
const BATCH: u32 = 200;
/// Cases from which on progress lines are printed.
const PROGRESS_FROM: u32 = 1_000;

// ---------------------------------------------------------------------------------------
// What `seed` did

/// What the demo found or made.
#[derive(Debug)]
pub enum Outcome {
    /// The demo organisations (or their case workers and supervisors) are not there: not
    /// a demo database.
    NotDemo,
    /// The demo organisations already have cases: nothing was added.
    AlreadyThere(i64),
    Created(Summary),
}

/// Counts of what was created (never a name).
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub cases: u32,
    pub per_org: BTreeMap<String, u32>,
    pub by_type: BTreeMap<&'static str, u32>,
    pub by_status: BTreeMap<&'static str, u32>,
    pub female: u32,
    pub male: u32,
    pub other_sex: u32,
    /// Under 18 at first contact.
    pub children: u32,
    pub drafts: u32,
    pub restricted: u32,
    pub family_implicated: u32,
    pub closure_requests: u32,
    pub household_members: u32,
    /// Children whose two parents are abroad …
    pub both_parents_abroad: u32,
    /// … of whom nobody at home cares for.
    pub both_abroad_no_caregiver: u32,
    pub consents: u32,
    pub consents_withdrawn: u32,
    pub identifications: u32,
    pub identified_victims: u32,
    pub seconds: f64,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |m: &BTreeMap<&'static str, u32>| {
            m.iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(
            f,
            "Synthetic cases: {} in {:.1} s ({:.0} cases/s)",
            self.cases,
            self.seconds,
            f64::from(self.cases) / self.seconds.max(0.001)
        )?;
        let orgs: Vec<String> = self
            .per_org
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        writeln!(f, "  per organisation: {}", orgs.join(", "))?;
        writeln!(f, "  by type (as chosen): {}", list(&self.by_type))?;
        writeln!(f, "  by status: {}", list(&self.by_status))?;
        writeln!(
            f,
            "  sex: female {}, male {}, other/unknown {}; children (under 18 at first contact) {}",
            self.female, self.male, self.other_sex, self.children
        )?;
        writeln!(
            f,
            "  drafts {}, restricted {}, family implicated {}, closure requests waiting {}",
            self.drafts, self.restricted, self.family_implicated, self.closure_requests
        )?;
        writeln!(
            f,
            "  household members {}; children with both parents abroad {} (nobody caring for them at home: {})",
            self.household_members, self.both_parents_abroad, self.both_abroad_no_caregiver
        )?;
        write!(
            f,
            "  consents {} ({} withdrawn); identifications {} ({} identified victims)",
            self.consents, self.consents_withdrawn, self.identifications, self.identified_victims
        )
    }
}

// ---------------------------------------------------------------------------------------
// Reproducible randomness

/// SplitMix64: small, fast and reproducible (synthetic data only, never secrets).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    /// A number in `lo..hi` (hi > lo).
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo) as u64) as i64
    }

    /// True once in `n` times.
    pub(crate) fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }

    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True with `percent` % probability.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// One of `items` by weight.
    fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u64 = items.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut n = self.below(total);
        for (item, w) in items {
            if n < u64::from(*w) {
                return *item;
            }
            n -= u64::from(*w);
        }
        items[items.len() - 1].0
    }

    /// `k` distinct items, in list order.
    fn several<T: Copy + PartialEq>(&mut self, items: &[T], k: usize) -> Vec<T> {
        let mut chosen: Vec<usize> = Vec::new();
        while chosen.len() < k.min(items.len()) {
            let i = self.below(items.len() as u64) as usize;
            if !chosen.contains(&i) {
                chosen.push(i);
            }
        }
        chosen.sort_unstable();
        chosen.into_iter().map(|i| items[i]).collect()
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

// ---------------------------------------------------------------------------------------
// Names

/// How a person's name is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// Turkmen Latin alphabet.
    Turkmen,
    /// Cyrillic, as in Russian-language documents.
    Cyrillic,
    Uzbek,
    Kazakh,
    Afghan,
}

struct NameList {
    female: &'static [&'static str],
    male: &'static [&'static str],
    /// Family names in their masculine form.
    family: &'static [&'static str],
}

#[rustfmt::skip]
const TURKMEN: NameList = NameList {
    female: &[
        "Aýgül", "Bägül", "Jeren", "Maýsa", "Gülnara", "Ogulgerek", "Enejan", "Läle", "Mähri",
        "Aýna", "Sülgün", "Ogulnabat", "Gözel", "Şemşat", "Nabat", "Bahar", "Dünýä", "Selbi",
        "Maral", "Ýazgül", "Gunça", "Nurjemal", "Ogulbibi", "Jennet", "Aýsoltan", "Täçgül",
        "Güljahan", "Şirin", "Merjen", "Ogulşat", "Bibijan", "Aýjemal", "Näzik", "Ejegyz",
        "Güljemal", "Zöhre",
    ],
    male: &[
        "Merdan", "Serdar", "Döwlet", "Batyr", "Begenç", "Nurmuhammet", "Atamyrat", "Arslan",
        "Myrat", "Kakajan", "Orazgeldi", "Rejep", "Ýusup", "Şatlyk", "Maksat", "Didar", "Ylýas",
        "Bäşim", "Dowran", "Gaýgysyz", "Annamyrat", "Süleýman", "Ahmet", "Täçmyrat", "Bahtyýar",
        "Meret", "Çary", "Ýazmyrat", "Mekan", "Allanur", "Hojamyrat", "Öwez", "Gylyç", "Baýram",
        "Jumamyrat", "Nury",
    ],
    family: &[
        "Orazow", "Annaýew", "Ataýew", "Berdiýew", "Hojaýew", "Rejepow", "Nurmuhammedow",
        "Amanow", "Durdyýew", "Gurbanow", "Meredow", "Saparow", "Çaryýew", "Ödäýew", "Garaýew",
        "Hudaýberdiýew", "Babaýew", "Allaberdiýew", "Öwezow", "Şirow", "Ýazmyradow", "Kakaýew",
        "Mämmedow", "Nazarow", "Pirliýew", "Täçmämmedow", "Baýramow", "Jumaýew", "Myradow",
        "Gylyjow", "Hallyýew", "Söýünow", "Ussaýew", "Aşyrow", "Ýagmyrow", "Begliýew",
    ],
};

#[rustfmt::skip]
const CYRILLIC: NameList = NameList {
    female: &[
        "Айгуль", "Огульджерен", "Гульнара", "Майса", "Джерен", "Энеджан", "Мая", "Наталья",
        "Ольга", "Светлана", "Лейли", "Бахар", "Сельби", "Ирина",
    ],
    male: &[
        "Мердан", "Сердар", "Довлет", "Батыр", "Бегенч", "Атамурат", "Максат", "Руслан",
        "Сергей", "Дмитрий", "Реджеп", "Чары", "Мурад", "Алексей",
    ],
    family: &[
        "Оразов", "Аннаев", "Атаев", "Бердыев", "Ходжаев", "Реджепов", "Аманов", "Курбанов",
        "Мередов", "Сапаров", "Иванов", "Петров", "Ким", "Нуриев", "Мамедов", "Байрамов",
    ],
};

#[rustfmt::skip]
const UZBEK: NameList = NameList {
    female: &[
        "Dilnoza", "Gulnoza", "Nilufar", "Madina", "Zarina", "Shahnoza", "Feruza", "Malika",
        "Sevara", "Mohira",
    ],
    male: &[
        "Jasur", "Sardor", "Rustam", "Bekzod", "Otabek", "Sherzod", "Ulug'bek", "Jamshid", "Aziz",
        "Akmal",
    ],
    family: &[
        "Karimov", "Rashidov", "Yusupov", "Tursunov", "Abdullayev", "Saidov", "Xolmatov",
        "Ergashev", "Nazarov", "Qodirov",
    ],
};

#[rustfmt::skip]
const KAZAKH: NameList = NameList {
    female: &["Aigerim", "Dana", "Aruzhan", "Gulnur", "Saule", "Zhanar", "Madina"],
    male: &["Nurlan", "Yerlan", "Daniyar", "Askar", "Serik", "Marat", "Timur"],
    family: &["Abenov", "Zhaksybekov", "Serikbayev", "Tulegenov", "Bekov", "Omarov", "Nurmagambetov"],
};

#[rustfmt::skip]
const AFGHAN: NameList = NameList {
    female: &["Fatima", "Zahra", "Mariam", "Parwana", "Nargis", "Shabnam", "Laila"],
    male: &["Ahmad", "Mohammad", "Farid", "Najib", "Hamid", "Rahim", "Wahid"],
    family: &["Rahimi", "Ahmadi", "Karimi", "Haidari", "Sultani", "Nazari", "Amiri"],
};

impl Style {
    fn names(self) -> &'static NameList {
        match self {
            Style::Turkmen => &TURKMEN,
            Style::Cyrillic => &CYRILLIC,
            Style::Uzbek => &UZBEK,
            Style::Kazakh => &KAZAKH,
            Style::Afghan => &AFGHAN,
        }
    }

    fn given(self, rng: &mut Rng, sex: Sex) -> String {
        let n = self.names();
        let female = match sex {
            Sex::Female => true,
            Sex::Male => false,
            Sex::OtherUnknown => rng.chance(50),
        };
        rng.pick(if female { n.female } else { n.male }).to_string()
    }

    fn family_stem(self, rng: &mut Rng) -> &'static str {
        rng.pick::<&str>(self.names().family)
    }

    /// The family name in the form for `sex` (-ow → -owa, -ýew → -ýewa, -ов → -ова …).
    fn family_for(self, stem: &str, sex: Sex) -> String {
        let gendered = ["ow", "ew", "ov", "ev", "ов", "ев", "ин"]
            .iter()
            .any(|e| stem.ends_with(e));
        if sex == Sex::Female && gendered && self != Style::Afghan {
            let a = if self == Style::Cyrillic { "а" } else { "a" };
            format!("{stem}{a}")
        } else {
            stem.to_string()
        }
    }

    /// The patronymic from the father's given name.
    fn patronymic(self, father: &str, sex: Sex) -> String {
        let female = sex == Sex::Female;
        match self {
            Style::Turkmen => {
                let vowel = father
                    .chars()
                    .last()
                    .is_some_and(|c| "aeiouyäöüý".contains(c));
                let stem = if vowel {
                    format!("{father}ýew")
                } else {
                    format!("{father}ow")
                };
                format!("{stem}{}", if female { "na" } else { "iç" })
            }
            Style::Cyrillic => {
                let (base, soft) = match father.strip_suffix('й') {
                    Some(b) => (b.to_string(), true),
                    None => (father.to_string(), father.ends_with(['ы', 'и'])),
                };
                let stem = if soft {
                    format!("{base}ев")
                } else {
                    format!("{base}ов")
                };
                format!("{stem}{}", if female { "на" } else { "ич" })
            }
            Style::Uzbek => format!("{father} {}", if female { "qizi" } else { "o'g'li" }),
            Style::Kazakh => format!("{father}{}", if female { "qyzy" } else { "uly" }),
            Style::Afghan => String::new(),
        }
    }

    fn citizenship(self) -> &'static str {
        match self {
            Style::Turkmen | Style::Cyrillic => "TM",
            Style::Uzbek => "UZ",
            Style::Kazakh => "KZ",
            Style::Afghan => "AF",
        }
    }

    fn languages(self, rng: &mut Rng) -> Vec<String> {
        let v: &[&str] = match self {
            Style::Turkmen => {
                if rng.chance(45) {
                    &["tk", "ru"]
                } else {
                    &["tk"]
                }
            }
            Style::Cyrillic => {
                if rng.chance(50) {
                    &["ru", "tk"]
                } else {
                    &["ru"]
                }
            }
            Style::Uzbek => {
                if rng.chance(40) {
                    &["uz", "ru", "tk"]
                } else {
                    &["uz", "ru"]
                }
            }
            Style::Kazakh => &["kk", "ru"],
            Style::Afghan => {
                if rng.chance(40) {
                    &["tk", "prs"]
                } else {
                    &["prs"]
                }
            }
        };
        v.iter().map(|s| s.to_string()).collect()
    }
}

/// A Turkmen name as Russian-language documents spell it in Latin letters
/// ("Çaryýewa" → "Charyyeva").
fn latin(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let mapped = match lower {
            'ä' => "a",
            'ç' => "ch",
            'ň' => "n",
            'ö' => "o",
            'ş' => "sh",
            'ü' => "u",
            'ý' => "y",
            'ž' => "zh",
            'j' => "dj",
            'w' => "v",
            _ => {
                out.push(c);
                continue;
            }
        };
        if c.is_uppercase() {
            let mut m = mapped.chars();
            out.extend(m.next().map(|f| f.to_ascii_uppercase()));
            out.extend(m);
        } else {
            out.push_str(mapped);
        }
    }
    out
}

/// A name as the local part of an e-mail address.
fn mailbox(s: &str) -> String {
    latin(s)
        .to_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

// ---------------------------------------------------------------------------------------
// Where

/// A region of origin: its id and names.
#[derive(Debug, Clone)]
pub struct RegionInfo {
    pub code: String,
    pub id: Uuid,
    pub name_tk: String,
    pub name_ru: String,
}

/// A demo organisation that handles cases, with its people.
#[derive(Debug, Clone)]
pub struct CaseOrg {
    pub code: String,
    pub id: Uuid,
    /// Share of the cases, in percent.
    pub share: u32,
    /// Its own region (most of its cases come from there).
    pub region: &'static str,
    pub workers: Vec<Actor>,
    pub supervisor: Actor,
}

/// What the generator draws from.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub orgs: Vec<CaseOrg>,
    /// Other demo organisations (sharing consents may name them).
    pub partners: Vec<Uuid>,
    pub regions: Vec<RegionInfo>,
    pub today: NaiveDate,
}

impl Ctx {
    fn org_index(&self, code: &str) -> usize {
        self.orgs.iter().position(|o| o.code == code).unwrap_or(0)
    }
}

/// The region a person comes from: mostly the organisation's own province (or a district
/// of it), else anywhere in the country.
fn origin<'a>(rng: &mut Rng, ctx: &'a Ctx, org: &CaseOrg) -> Option<&'a RegionInfo> {
    let home: Vec<&RegionInfo> = ctx
        .regions
        .iter()
        .filter(|r| r.code == org.region || r.code.starts_with(&format!("{}-", org.region)))
        .collect();
    if !home.is_empty() && rng.chance(55) {
        return Some(*rng.pick(&home));
    }
    if ctx.regions.is_empty() {
        return None;
    }
    Some(rng.pick(&ctx.regions))
}

const STREETS: [&str; 9] = [
    "Magtymguly köçesi",
    "Azady köçesi",
    "Görogly köçesi",
    "Oguzhan köçesi",
    "Andalyp köçesi",
    "Bitaraplyk şaýoly",
    "Garaşsyzlyk köçesi",
    "Atatürk köçesi",
    "Galkynyş köçesi",
];
const VILLAGES: [&str; 7] = [
    "Täze ýol obasy",
    "Bereket obasy",
    "Parahat obasy",
    "Gülzemin obasy",
    "Ýaşlyk obasy",
    "Bagtyýarlyk obasy",
    "Zähmet obasy",
];
const CYRILLIC_STREETS: [&str; 5] = [
    "ул. Магтымгулы",
    "ул. Азади",
    "ул. Гёроглы",
    "пр. Битараплык",
    "ул. Андалиба",
];

fn address(rng: &mut Rng, style: Style, region: Option<&RegionInfo>) -> String {
    let house = rng.between(1, 120);
    let flat = rng.between(1, 80);
    match (style, region) {
        (Style::Cyrillic, Some(r)) => format!(
            "{}, {}, д. {house}, кв. {flat}",
            r.name_ru,
            rng.pick(&CYRILLIC_STREETS)
        ),
        (_, Some(r)) if rng.chance(40) => {
            format!("{}, {}, {house}-nji jaý", r.name_tk, rng.pick(&VILLAGES))
        }
        (_, Some(r)) => format!(
            "{}, {}, {house}-nji jaý, {flat}-nji öý",
            r.name_tk,
            rng.pick(&STREETS)
        ),
        (_, None) => String::new(),
    }
}

fn phone_number(rng: &mut Rng, style: Style) -> String {
    match style {
        Style::Uzbek => format!(
            "+998 9{} {} {} {}",
            rng.digits(1),
            rng.digits(3),
            rng.digits(2),
            rng.digits(2)
        ),
        Style::Kazakh => format!("+7 70{} {} {}", rng.digits(1), rng.digits(3), rng.digits(4)),
        _ => format!("+993 6{} {}", rng.between(1, 5), rng.digits(6)),
    }
}

/// A document: passport, national identity card or birth certificate.
fn document(rng: &mut Rng, style: Style, child: bool) -> Document {
    let series = ["AŞ", "AH", "BN", "DZ", "LB", "MR"];
    let (kind, number) = match style {
        Style::Turkmen | Style::Cyrillic if child && rng.chance(70) => (
            DocumentKind::BirthCertificate,
            format!("I-{} {}", rng.pick(&series), rng.digits(6)),
        ),
        Style::Turkmen | Style::Cyrillic if rng.chance(70) => {
            (DocumentKind::Passport, format!("A{}", rng.digits(7)))
        }
        Style::Turkmen | Style::Cyrillic => (
            DocumentKind::NationalId,
            format!("I-{} {}", rng.pick(&series), rng.digits(6)),
        ),
        Style::Uzbek => (
            DocumentKind::Passport,
            format!("{}{}", rng.pick(&["AA", "AB", "FA"]), rng.digits(7)),
        ),
        Style::Kazakh => (DocumentKind::Passport, format!("N{}", rng.digits(8))),
        Style::Afghan => (DocumentKind::Passport, format!("P0{}", rng.digits(7))),
    };
    Document {
        kind: kind.code().to_string(),
        number,
        issuing_country: style.citizenship().to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// Words (narratives, views, places) in the languages case workers write in

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    En,
    Ru,
    Tk,
}

impl Lang {
    fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
            Lang::Tk => "tk",
        }
    }

    fn t(self, en: &'static str, ru: &'static str, tk: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::Ru => ru,
            Lang::Tk => tk,
        }
    }

    fn country(self, code: &str) -> String {
        Catalogue::countries().name(code, self.code())
    }
}

/// A word in Russian by the person's sex ("уехал" / "уехала").
fn ru_g(sex: Sex, male: &str, female: &str) -> String {
    if sex == Sex::Female {
        female.to_string()
    } else {
        male.to_string()
    }
}

fn sector_words(lang: Lang, isic: Option<IsicSection>) -> &'static str {
    match isic {
        Some(IsicSection::F) => lang.t("construction", "стройка", "gurluşyk"),
        Some(IsicSection::A) => lang.t("farm work", "сельхозработы", "oba hojalyk işi"),
        Some(IsicSection::I) => lang.t(
            "a hotel kitchen",
            "кухня гостиницы",
            "myhmanhananyň aşhanasy",
        ),
        Some(IsicSection::C) => lang.t("a textile workshop", "швейный цех", "tikinçilik sehi"),
        Some(IsicSection::T) => lang.t(
            "housework in a family",
            "работа по дому в семье",
            "maşgalada öý işi",
        ),
        Some(IsicSection::G) => lang.t("a market stall", "торговля на рынке", "bazarda söwda"),
        _ => lang.t("a warehouse", "склад", "ammar"),
    }
}

fn recruiter_words(lang: Lang, relation: Option<RecruiterRelation>, online: bool) -> &'static str {
    if online {
        return lang.t(
            "an online advert",
            "объявление в интернете",
            "internetdäki bildiriş",
        );
    }
    match relation {
        Some(RecruiterRelation::Familial) => lang.t("a relative", "родственника", "garyndaşy"),
        Some(RecruiterRelation::Unacquainted) => lang.t(
            "an agent at the market",
            "посредника на рынке",
            "bazardaky dellal",
        ),
        _ => lang.t("an acquaintance", "знакомого", "tanşy"),
    }
}

fn narrative(rng: &mut Rng, p: &Plan, lang: Lang) -> String {
    let sex = p.person.facts.sex;
    let g = |male: &'static str, female: &'static str| ru_g(sex, male, female);
    let months = rng.between(3, 30);
    let country = lang.country(&p.abroad_country);
    match (p.case_type, &p.identification) {
        (CaseType::AffectedFamilyMember, _) if p.child => match p.household_kind {
            HouseholdKind::BothAbroadAlone => match lang {
                Lang::En => format!("Both parents work in {country}; the child stays alone or with an older sibling. Referred by the school."),
                Lang::Ru => format!("Оба родителя работают за рубежом (страна: {country}); ребёнок остаётся один или со старшим братом или сестрой. {} школой.", g("Направлен", "Направлена")),
                Lang::Tk => format!("Ene-atasynyň ikisi hem {country} ýurdunda işleýär; çaga ýeke ýa-da uly dogany bilen galýar. Mekdep tarapyndan iberildi."),
            },
            HouseholdKind::BothAbroadGrandmother => match lang {
                Lang::En => format!("Lives with the grandmother while both parents work in {country}. The school reports that attendance is falling."),
                Lang::Ru => format!("Живёт с бабушкой, пока оба родителя работают за рубежом (страна: {country}). Школа сообщает, что посещаемость снижается."),
                Lang::Tk => format!("Ene-atasy {country} ýurdunda işleýärkä, mamasy bilen ýaşaýar. Mekdep sapaklara gatnaşygyň peselýändigini habar berýär."),
            },
            HouseholdKind::OneAbroadGrandmother => match lang {
                Lang::En => format!("Lives with the grandmother; one parent works in {country}, the other is not in the child's life. Needs help with school enrolment."),
                Lang::Ru => format!("Живёт с бабушкой; один из родителей работает за рубежом (страна: {country}), другой не участвует в жизни ребёнка. Нужна помощь с зачислением в школу."),
                Lang::Tk => format!("Mamasy bilen ýaşaýar; ene-atasynyň biri {country} ýurdunda işleýär. Mekdebe ýazylmak üçin kömek gerek."),
            },
            _ => match lang {
                Lang::En => format!("One parent has worked in {country} for {months} months; the family asks for advice on school and health care."),
                Lang::Ru => format!("Один из родителей {months} мес. работает за рубежом (страна: {country}); семья просит консультацию по школе и здоровью."),
                Lang::Tk => format!("Ene-atasynyň biri {months} aýdan bäri {country} ýurdunda işleýär; maşgala mekdep we saglyk barada maslahat soraýar."),
            },
        },
        (CaseType::AffectedFamilyMember, _) => match lang {
            Lang::En => format!("{} has worked in {country} for several years and stopped sending money; cares for the children alone.",
                if sex == Sex::Female { "Her husband" } else { "The spouse" }),
            Lang::Ru => format!("{} несколько лет работает за рубежом (страна: {country}) и {} присылать деньги; {} заботится о детях.",
                g("Жена", "Муж"), g("перестала", "перестал"), g("один", "одна")),
            Lang::Tk => format!("Ýanýoldaşy birnäçe ýyl bäri {country} ýurdunda işleýär we pul ibermegini bes etdi; çagalara ýeke özi seredýär."),
        },
        (_, Some(id))
            if id.trafficking_status != TraffickingStatus::NotAVictim
                && id.exploitation_forms.contains(&ExploitationForm::SexualExploitation) =>
        {
            let job = *rng.pick(&[
                lang.t("a waiter", "официанта", "ofisiant"),
                lang.t("a nanny", "няни", "çaga bakyjy"),
                lang.t("a shop assistant", "продавца", "satyjy"),
            ]);
            match lang {
                Lang::En => format!("Travelled to {country} after being promised work as {job}. Was not free to leave the accommodation and had to hand over all earnings. Called a hotline and came back with help from the shelter."),
                Lang::Ru => format!("{} за рубеж (страна: {country}), где обещали работу {job}. Не {} свободно выходить из жилья и {} весь заработок. {} на горячую линию и {} при поддержке приюта.",
                    g("Уехал", "Уехала"), g("мог", "могла"), g("отдавал", "отдавала"), g("Позвонил", "Позвонила"), g("вернулся", "вернулась")),
                Lang::Tk => format!("{country} ýurduna {job} bolup işlemek wadasy bilen gitdi. Ýaşaýan ýerinden erkin çykyp bilmedi we ähli gazanjyny bermäge mejbur boldy. Ynam telefonyna jaň edip, gaçybatalganyň kömegi bilen yzyna gaýtdy."),
            }
        }
        (_, Some(id)) if id.trafficking_status != TraffickingStatus::NotAVictim => {
            let sector = sector_words(lang, id.isic_section);
            let recruiter = recruiter_words(
                lang,
                id.recruiter_relation,
                id.recruitment_method == Some(RecruitmentMethod::OnlineAdvertisement),
            );
            match lang {
                Lang::En => format!("Left for {country} {months} months ago for work in {sector}, found through {recruiter}. Wages were withheld and the passport was kept by the employer. Came back with help from the consulate and was referred to us."),
                Lang::Ru => format!("{} {months} мес. назад на заработки (страна: {country}; {sector}) через {recruiter}. Зарплату не выплачивали, паспорт удерживал работодатель. {} при содействии консульства и {} к нам.",
                    g("Уехал", "Уехала"), g("Вернулся", "Вернулась"), g("направлен", "направлена")),
                Lang::Tk => format!("{months} aý ozal {recruiter} arkaly {country} ýurduna işe ({sector}) gitdi. Zähmet haky tölenmedi, pasporty iş beriji saklady. Konsullygyň kömegi bilen yzyna gaýdyp geldi we bize iberildi."),
            }
        }
        (CaseType::ReturningMigrant | CaseType::VulnerableMigrant, _) if p.child && p.person.facts.birth.and_then(|b| b.age_on(p.intake)).is_some_and(|a| a < 13) => match lang {
            Lang::En => format!("Came back from {country} with the family after {months} months abroad; needs documents and a place at school."),
            Lang::Ru => format!("{} из-за рубежа (страна: {country}) вместе с семьёй после {months} мес.; нужны документы и место в школе.", g("Вернулся", "Вернулась")),
            Lang::Tk => format!("{months} aýdan soň maşgalasy bilen {country} ýurdundan gaýdyp geldi; resminamalar we mekdepde orun gerek."),
        },
        (CaseType::ReturningMigrant, _) | (_, Some(_)) => match lang {
            Lang::En => format!("Returned from {country} after {months} months of seasonal work; needs help with documents and with finding work at home."),
            Lang::Ru => format!("{} из-за рубежа (страна: {country}) после {months} мес. сезонной работы; нужна помощь с документами и трудоустройством дома.", g("Вернулся", "Вернулась")),
            Lang::Tk => format!("{country} ýurdunda {months} aý möwsümleýin işläp yzyna gaýtdy; resminamalar we öýde iş tapmak boýunça kömek gerek."),
        },
        _ => match lang {
            Lang::En => "Stranded in transit without valid documents or money for the journey home; asked the office for advice.".to_string(),
            Lang::Ru => format!("{} в пути без действительных документов и денег на дорогу домой; {} за консультацией.", g("Оказался", "Оказалась"), g("обратился", "обратилась")),
            Lang::Tk => "Resminamasyz we öýe gaýtmaga puly bolmadyk ýagdaýda ýolda galdy; maslahat üçin edara ýüz tutdy.".to_string(),
        },
    }
}

/// What a child said, in their words (the grandmother only when she cares for them).
fn child_view(rng: &mut Rng, lang: Lang, grandmother: bool) -> String {
    let views = [
        lang.t(
            "Wants to stay with the grandmother and keep going to school.",
            "Хочет остаться с бабушкой и продолжать ходить в школу.",
            "Mamasy bilen galyp, mekdebe gatnamak isleýär.",
        ),
        lang.t(
            "Misses the parents and wants to talk to them more often.",
            "Скучает по родителям, хочет чаще с ними говорить.",
            "Ene-atasyny küýseýär, olar bilen ýygy-ýygydan gürleşmek isleýär.",
        ),
        lang.t(
            "Agrees to meet the social worker at school.",
            "Согласен(на) встречаться с социальным работником в школе.",
            "Sosial işgär bilen mekdepde duşuşmaga razy.",
        ),
        lang.t(
            "Would like help with homework and a sports club.",
            "Хотел(а) бы помощь с уроками и спортивную секцию.",
            "Öý işlerine kömek we sport toparyny isleýär.",
        ),
    ];
    let from = usize::from(!grandmother);
    rng.pick(&views[from..]).to_string()
}

fn exploitation_place(rng: &mut Rng, country: &str) -> String {
    let places: &[&str] = match country {
        "RU" => &[
            "Moskwa",
            "Sankt-Peterburg",
            "Kazan",
            "Ýekaterinburg",
            "Krasnodar",
        ],
        "TR" => &["Stambul", "Antalýa", "Bursa", "Ankara", "Alanýa"],
        "AE" => &["Dubaý", "Şarja", "Abu-Dabi"],
        "KZ" => &["Almaty", "Aktau", "Şymkent"],
        "CN" => &["Urumçi"],
        "TM" => &["Aşgabat", "Türkmenbaşy", "Awaza"],
        _ => &[""],
    };
    let place = rng.pick(places);
    let what = rng.pick(&[
        "gurluşyk meýdançasy",
        "kärhana",
        "hususy öý",
        "myhmanhana",
        "bazar",
        "ekin meýdany",
    ]);
    format!("{place}, {what}")
}

fn transit_place(rng: &mut Rng, country: &str) -> String {
    match country {
        "KZ" => rng
            .pick(&[
                "Aktau porty",
                "Almaty aeroporty",
                "Beýneu demir ýol menzili",
            ])
            .to_string(),
        "UZ" => rng
            .pick(&["Farap serhet geçelgesi", "Daşoguz – Nukus ýoly", "Buhara"])
            .to_string(),
        "IR" => rng
            .pick(&["Sarahs serhet geçelgesi", "Maşat", "Tähran"])
            .to_string(),
        _ => String::new(),
    }
}

// ---------------------------------------------------------------------------------------
// The plan of one case

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HouseholdKind {
    /// 0–3 members of any kind.
    Random,
    /// A child: both parents abroad, the grandmother cares at home.
    BothAbroadGrandmother,
    /// A child: both parents abroad, nobody caring at home.
    BothAbroadAlone,
    /// A child: one parent abroad, the other at home.
    OneAbroad,
    /// A child: one parent abroad, the grandmother cares at home.
    OneAbroadGrandmother,
    /// An adult: the spouse abroad, children at home.
    SpouseAbroad,
}

/// The choices a case starts from: drawn at random, or fixed for the showcases.
#[derive(Debug, Clone)]
struct Template {
    org: usize,
    case_type: CaseType,
    sex: Sex,
    age: u32,
    style: Style,
    status: CaseStatus,
    /// For a closed case: the status it was closed from.
    closed_from: CaseStatus,
    draft: bool,
    closure_requested: bool,
    household: HouseholdKind,
    identification: Option<TraffickingStatus>,
    restricted: bool,
    family_implicated: bool,
    days_ago: i64,
}

/// Everything to write for one case.
#[derive(Debug, Clone)]
struct Plan {
    org: usize,
    worker: usize,
    case_type: CaseType,
    person: PersonRecord,
    child: bool,
    risk: Option<RiskLevel>,
    restricted: bool,
    family_implicated: bool,
    draft: bool,
    household_kind: HouseholdKind,
    /// The day of first contact.
    intake: NaiveDate,
    /// The country the family's migrants are in (for narratives).
    abroad_country: String,
    household: Vec<(PersonRecord, MemberRecord)>,
    consents: Vec<(NewConsent, Option<DateTime<Utc>>)>,
    identification: Option<IdentificationRecord>,
    safe_contact: Option<SafeContact>,
    status: CaseStatus,
    closed_from: CaseStatus,
    closure_reason: Option<&'static str>,
    closure_requested: bool,
}

const DESTINATIONS: [(&str, u32); 7] = [
    ("RU", 35),
    ("TR", 30),
    ("KZ", 10),
    ("AE", 10),
    ("PL", 5),
    ("KR", 5),
    ("UZ", 5),
];

fn random_status(rng: &mut Rng) -> CaseStatus {
    rng.weighted(&[
        (CaseStatus::Registered, 22),
        (CaseStatus::Assessed, 18),
        (CaseStatus::PlanApproved, 12),
        (CaseStatus::InAssistance, 28),
        (CaseStatus::Closed, 20),
    ])
}

fn random_template(rng: &mut Rng, ctx: &Ctx) -> Template {
    let weights: Vec<(usize, u32)> = ctx
        .orgs
        .iter()
        .enumerate()
        .map(|(i, o)| (i, o.share.max(1)))
        .collect();
    let org = rng.weighted(&weights);
    let type_weights: [(CaseType, u32); 4] = match ctx.orgs[org].code.as_str() {
        "DEMO-SHELTER" => [
            (CaseType::PresumedVictim, 60),
            (CaseType::VulnerableMigrant, 20),
            (CaseType::ReturningMigrant, 10),
            (CaseType::AffectedFamilyMember, 10),
        ],
        "DEMO-MIGRATION" => [
            (CaseType::PresumedVictim, 25),
            (CaseType::VulnerableMigrant, 30),
            (CaseType::ReturningMigrant, 40),
            (CaseType::AffectedFamilyMember, 5),
        ],
        _ => [
            (CaseType::PresumedVictim, 35),
            (CaseType::VulnerableMigrant, 15),
            (CaseType::ReturningMigrant, 20),
            (CaseType::AffectedFamilyMember, 30),
        ],
    };
    let case_type = rng.weighted(&type_weights);
    let sex = match case_type {
        CaseType::PresumedVictim | CaseType::IdentifiedVictim => {
            rng.weighted(&[(Sex::Female, 60), (Sex::Male, 38), (Sex::OtherUnknown, 2)])
        }
        CaseType::ReturningMigrant => {
            rng.weighted(&[(Sex::Female, 35), (Sex::Male, 63), (Sex::OtherUnknown, 2)])
        }
        CaseType::VulnerableMigrant => {
            rng.weighted(&[(Sex::Female, 55), (Sex::Male, 43), (Sex::OtherUnknown, 2)])
        }
        CaseType::AffectedFamilyMember => {
            rng.weighted(&[(Sex::Female, 50), (Sex::Male, 49), (Sex::OtherUnknown, 1)])
        }
    };
    let child_percent = match case_type {
        CaseType::AffectedFamilyMember => 85,
        CaseType::PresumedVictim | CaseType::IdentifiedVictim => 17,
        CaseType::VulnerableMigrant => 10,
        CaseType::ReturningMigrant => 5,
    };
    let child = rng.chance(child_percent);
    let age = if child {
        match case_type {
            CaseType::AffectedFamilyMember => rng.between(3, 17),
            CaseType::ReturningMigrant => rng.between(2, 15),
            _ => rng.between(13, 17),
        }
    } else if rng.chance(93) {
        rng.between(18, 55)
    } else {
        rng.between(56, 68)
    } as u32;
    let style = rng.weighted(&[
        (Style::Turkmen, 70),
        (Style::Cyrillic, 16),
        (Style::Uzbek, 8),
        (Style::Afghan, 4),
        (Style::Kazakh, 2),
    ]);
    let draft = rng.chance(2);
    let status = if draft {
        CaseStatus::Registered
    } else {
        random_status(rng)
    };
    let closed_from = rng.weighted(&[
        (CaseStatus::InAssistance, 65),
        (CaseStatus::Assessed, 15),
        (CaseStatus::Registered, 15),
        (CaseStatus::PlanApproved, 5),
    ]);
    let closure_requested = !draft && status != CaseStatus::Closed && rng.chance(3);
    let household = match (case_type, child) {
        (CaseType::AffectedFamilyMember, true) => rng.weighted(&[
            (HouseholdKind::BothAbroadGrandmother, 40),
            (HouseholdKind::BothAbroadAlone, 12),
            (HouseholdKind::OneAbroad, 35),
            (HouseholdKind::OneAbroadGrandmother, 13),
        ]),
        (CaseType::AffectedFamilyMember, false) => HouseholdKind::SpouseAbroad,
        _ => HouseholdKind::Random,
    };
    let identification = match case_type {
        CaseType::PresumedVictim | CaseType::IdentifiedVictim if rng.chance(85) => {
            Some(rng.weighted(&[
                (TraffickingStatus::Actual, 45),
                (TraffickingStatus::Possible, 40),
                (TraffickingStatus::NotAVictim, 15),
            ]))
        }
        CaseType::ReturningMigrant | CaseType::VulnerableMigrant if rng.chance(22) => {
            Some(rng.weighted(&[
                (TraffickingStatus::Actual, 10),
                (TraffickingStatus::Possible, 40),
                (TraffickingStatus::NotAVictim, 50),
            ]))
        }
        CaseType::AffectedFamilyMember if child && rng.chance(3) => {
            Some(TraffickingStatus::Possible)
        }
        _ => None,
    };
    let days_ago = match status {
        CaseStatus::Registered => rng.between(0, 120),
        CaseStatus::Assessed => rng.between(10, 300),
        CaseStatus::PlanApproved | CaseStatus::InAssistance => rng.between(30, 700),
        CaseStatus::Closed => rng.between(60, 1095),
    };
    Template {
        org,
        case_type,
        sex,
        age,
        style,
        status,
        closed_from,
        draft,
        closure_requested,
        household,
        identification,
        restricted: rng.chance(3),
        family_implicated: rng.chance(3),
        days_ago,
    }
}

/// The fixed first cases, so that a small demo shows every kind.
fn showcase(i: u32, ctx: &Ctx) -> Option<Template> {
    let base = |org: &str, case_type, sex, age| Template {
        org: ctx.org_index(org),
        case_type,
        sex,
        age,
        style: Style::Turkmen,
        status: CaseStatus::InAssistance,
        closed_from: CaseStatus::InAssistance,
        draft: false,
        closure_requested: false,
        household: HouseholdKind::Random,
        identification: None,
        restricted: false,
        family_implicated: false,
        days_ago: 90,
    };
    use CaseType::*;
    Some(match i {
        0 => Template {
            household: HouseholdKind::BothAbroadGrandmother,
            status: CaseStatus::PlanApproved,
            ..base("DEMO-NGO-LEBAP", AffectedFamilyMember, Sex::Female, 9)
        },
        1 => Template {
            household: HouseholdKind::BothAbroadAlone,
            status: CaseStatus::Assessed,
            ..base("DEMO-NGO-LEBAP", AffectedFamilyMember, Sex::Male, 14)
        },
        2 => Template {
            identification: Some(TraffickingStatus::Actual),
            ..base("DEMO-SHELTER", PresumedVictim, Sex::Female, 24)
        },
        3 => Template {
            identification: Some(TraffickingStatus::Actual),
            status: CaseStatus::Closed,
            days_ago: 400,
            ..base("DEMO-MIGRATION", PresumedVictim, Sex::Male, 34)
        },
        4 => Template {
            identification: Some(TraffickingStatus::NotAVictim),
            status: CaseStatus::Assessed,
            style: Style::Cyrillic,
            ..base("DEMO-MIGRATION", ReturningMigrant, Sex::Male, 41)
        },
        5 => Template {
            restricted: true,
            status: CaseStatus::PlanApproved,
            style: Style::Uzbek,
            ..base("DEMO-SHELTER", VulnerableMigrant, Sex::Female, 29)
        },
        6 => Template {
            draft: true,
            status: CaseStatus::Registered,
            days_ago: 2,
            ..base("DEMO-NGO-LEBAP", PresumedVictim, Sex::Female, 19)
        },
        7 => Template {
            identification: Some(TraffickingStatus::Possible),
            family_implicated: true,
            status: CaseStatus::Registered,
            ..base("DEMO-NGO-LEBAP", PresumedVictim, Sex::Female, 16)
        },
        8 => Template {
            closure_requested: true,
            status: CaseStatus::InAssistance,
            ..base("DEMO-SHELTER", ReturningMigrant, Sex::Male, 27)
        },
        _ => return None,
    })
}

/// A birth at `age` on `day`: a known date mostly, else an estimate.
fn birth(rng: &mut Rng, age: u32, day: NaiveDate) -> Birth {
    if rng.chance(75) {
        let months = age * 12 + rng.below(12) as u32;
        let date = day
            .checked_sub_months(chrono::Months::new(months))
            .and_then(|d| d.checked_sub_signed(Duration::days(rng.between(0, 27))))
            .unwrap_or(day);
        Birth::Date { date }
    } else {
        Birth::Estimated {
            age_years: age,
            as_of: day,
        }
    }
}

/// A person of `style`, with a name and the facts that go with the age.
#[allow(clippy::too_many_arguments)]
fn person(
    rng: &mut Rng,
    ctx: &Ctx,
    org: &CaseOrg,
    style: Style,
    sex: Sex,
    age: u32,
    intake: NaiveDate,
    family_stem: &str,
    father: Option<&str>,
) -> PersonRecord {
    let child = age < 18;
    let given = style.given(rng, sex);
    let father_name = match father {
        Some(f) => f.to_string(),
        None => style.given(rng, Sex::Male),
    };
    let patronymic = if rng.chance(85) {
        style.patronymic(&father_name, sex)
    } else {
        String::new()
    };
    let region = if matches!(style, Style::Turkmen | Style::Cyrillic) || rng.chance(30) {
        origin(rng, ctx, org)
    } else {
        None
    };
    let mut citizenships = vec![style.citizenship().to_string()];
    if rng.chance(1) {
        citizenships.clear();
    } else if style == Style::Cyrillic && rng.chance(10) {
        citizenships.push("RU".into());
    }
    let marital = if child {
        None
    } else {
        Some(rng.weighted(&[
            (MaritalStatus::Single, 33),
            (MaritalStatus::Married, 45),
            (MaritalStatus::Divorced, 10),
            (MaritalStatus::Widowed, 5),
            (MaritalStatus::Separated, 4),
            (MaritalStatus::Unknown, 3),
        ]))
    };
    let education = if child {
        Some(if age < 7 {
            Education::None
        } else if age < 11 {
            Education::Primary
        } else {
            Education::Secondary
        })
    } else if rng.chance(85) {
        Some(rng.weighted(&[
            (Education::Primary, 5),
            (Education::Secondary, 55),
            (Education::Vocational, 22),
            (Education::Higher, 14),
            (Education::Unknown, 4),
        ]))
    } else {
        None
    };
    let disability = if rng.chance(65) {
        Some(rng.weighted(&[
            (Disability::None, 88),
            (Disability::Physical, 4),
            (Disability::Sensory, 2),
            (Disability::Intellectual, 2),
            (Disability::Psychosocial, 3),
            (Disability::Multiple, 1),
        ]))
    } else {
        None
    };
    let gender_identity = match sex {
        Sex::OtherUnknown if rng.chance(60) => Some(GenderIdentity::NonSpecifiedUnknown),
        Sex::Female if rng.chance(5) => Some(GenderIdentity::Feminine),
        Sex::Male if rng.chance(5) => Some(GenderIdentity::Masculine),
        _ => None,
    };
    let documents = if rng.chance(if child { 55 } else { 75 }) {
        vec![document(rng, style, child)]
    } else {
        Vec::new()
    };
    let phone = if (!child || age >= 14) && rng.chance(70) {
        phone_number(rng, style)
    } else {
        String::new()
    };
    let email = if !child && style != Style::Cyrillic && rng.chance(8) {
        format!("{}{}@example.com", mailbox(&given), rng.digits(3))
    } else {
        String::new()
    };
    let other_names = if style == Style::Turkmen && rng.chance(10) {
        // The same name as Russian-language documents spell it.
        format!(
            "{} {}",
            latin(&given),
            latin(&style.family_for(family_stem, sex))
        )
    } else {
        String::new()
    };
    PersonRecord {
        facts: PersonFacts {
            sex,
            gender_identity,
            birth: Some(birth(rng, age, intake)),
            citizenships,
            origin_region_id: region.map(|r| r.id),
            disability,
            languages: style.languages(rng),
            education,
            marital_status: marital,
        },
        identity: Identity {
            family_name: style.family_for(family_stem, sex),
            given_name: given,
            patronymic,
            other_names,
            phone,
            email,
            address: address(rng, style, region),
            documents,
            narrative: String::new(),
        },
    }
}

fn member(
    relation: Relation,
    situation: MigrationSituation,
    cares_for_child: bool,
) -> MemberRecord {
    MemberRecord {
        relation,
        situation,
        cares_for_child,
    }
}

fn abroad(rng: &mut Rng, country: &str, intake: NaiveDate) -> MigrationSituation {
    let in_contact = rng.chance(75);
    MigrationSituation::Abroad {
        country: country.to_string(),
        since: Some(intake - Duration::days(rng.between(180, 2900))),
        in_contact,
        sends_remittances: if in_contact {
            rng.chance(60)
        } else {
            rng.chance(10)
        },
    }
}

/// Turns a template into a full plan (pure: no database).
fn build(rng: &mut Rng, ctx: &Ctx, t: &Template) -> Plan {
    let org = &ctx.orgs[t.org];
    let intake = ctx.today - Duration::days(t.days_ago);
    let stem = t.style.family_stem(rng);
    let father = t.style.given(rng, Sex::Male);
    let child = t.age < 18;
    let mut main = person(
        rng,
        ctx,
        org,
        t.style,
        t.sex,
        t.age,
        intake,
        stem,
        Some(&father),
    );
    if t.draft {
        // A registration saved part-way: some fields not filled in yet.
        main.facts.birth = None;
        main.identity.documents.clear();
        main.identity.address.clear();
    }
    let identification = t
        .identification
        .map(|status| identification(rng, ctx, t, intake, status));
    // Where the family's migrants are: for a case with an identification, where the
    // person was (exploited).
    let abroad_country = identification
        .as_ref()
        .and_then(|i| i.exploitation_countries.first())
        .filter(|c| c.as_str() != "TM")
        .cloned()
        .unwrap_or_else(|| rng.weighted(&DESTINATIONS).to_string());

    // The household.
    let mut household = Vec::new();
    let parent = |rng: &mut Rng, sex: Sex, given: Option<&str>| {
        let age = t.age + rng.between(20, 34) as u32;
        let mut p = person(rng, ctx, org, t.style, sex, age, intake, stem, None);
        if let Some(g) = given {
            g.clone_into(&mut p.identity.given_name);
        }
        p
    };
    let grandmother = |rng: &mut Rng| {
        let age = t.age + rng.between(45, 60) as u32;
        person(rng, ctx, org, t.style, Sex::Female, age, intake, stem, None)
    };
    match t.household {
        HouseholdKind::BothAbroadGrandmother | HouseholdKind::BothAbroadAlone => {
            let second = if rng.chance(60) {
                abroad_country.clone()
            } else {
                rng.weighted(&DESTINATIONS).to_string()
            };
            let f = parent(rng, Sex::Male, Some(&father));
            household.push((
                f,
                member(
                    Relation::Parent,
                    abroad(rng, &abroad_country, intake),
                    false,
                ),
            ));
            let m = parent(rng, Sex::Female, None);
            household.push((
                m,
                member(Relation::Parent, abroad(rng, &second, intake), false),
            ));
            if t.household == HouseholdKind::BothAbroadGrandmother {
                let g = grandmother(rng);
                household.push((
                    g,
                    member(Relation::Caregiver, MigrationSituation::AtHome, true),
                ));
            } else if rng.chance(50) {
                // An older sibling at home, too young to be the caregiver.
                let sex = rng.weighted(&[(Sex::Female, 1), (Sex::Male, 1)]);
                let age = (t.age + rng.between(1, 3) as u32).min(17);
                let s = person(
                    rng,
                    ctx,
                    org,
                    t.style,
                    sex,
                    age,
                    intake,
                    stem,
                    Some(&father),
                );
                household.push((
                    s,
                    member(Relation::Sibling, MigrationSituation::AtHome, false),
                ));
            }
        }
        HouseholdKind::OneAbroad | HouseholdKind::OneAbroadGrandmother => {
            let father_abroad = rng.chance(75);
            let (away, home) = if father_abroad {
                (Sex::Male, Sex::Female)
            } else {
                (Sex::Female, Sex::Male)
            };
            let a = parent(rng, away, father_abroad.then_some(father.as_str()));
            household.push((
                a,
                member(
                    Relation::Parent,
                    abroad(rng, &abroad_country, intake),
                    false,
                ),
            ));
            if t.household == HouseholdKind::OneAbroad {
                let h = parent(rng, home, (!father_abroad).then_some(father.as_str()));
                household.push((
                    h,
                    member(Relation::Parent, MigrationSituation::AtHome, true),
                ));
            } else {
                let g = grandmother(rng);
                household.push((
                    g,
                    member(Relation::Caregiver, MigrationSituation::AtHome, true),
                ));
            }
        }
        HouseholdKind::SpouseAbroad => {
            let spouse_sex = if t.sex == Sex::Female {
                Sex::Male
            } else {
                Sex::Female
            };
            let age = t.age + rng.between(0, 6) as u32;
            let s = person(rng, ctx, org, t.style, spouse_sex, age, intake, stem, None);
            household.push((
                s,
                member(
                    Relation::Spouse,
                    abroad(rng, &abroad_country, intake),
                    false,
                ),
            ));
            for _ in 0..rng.between(1, 3) {
                let sex = rng.weighted(&[(Sex::Female, 1), (Sex::Male, 1)]);
                let age = (t.age.saturating_sub(20)).max(1) + rng.between(0, 8) as u32;
                let c = person(rng, ctx, org, t.style, sex, age.min(17), intake, stem, None);
                household.push((
                    c,
                    member(Relation::Child, MigrationSituation::AtHome, false),
                ));
            }
        }
        HouseholdKind::Random => {
            let n = rng.weighted(&[(0, 40), (1, 30), (2, 20), (3, 10)]);
            for _ in 0..n {
                let already =
                    |r: Relation| household.iter().filter(|(_, m)| m.relation == r).count();
                let relation = if child {
                    rng.weighted(&[
                        (Relation::Parent, 60),
                        (Relation::Sibling, 35),
                        (Relation::Other, 5),
                    ])
                } else if t.age > 25 {
                    rng.weighted(&[
                        (Relation::Spouse, 35),
                        (Relation::Child, 35),
                        (Relation::Parent, 15),
                        (Relation::Sibling, 15),
                    ])
                } else {
                    rng.weighted(&[
                        (Relation::Parent, 50),
                        (Relation::Sibling, 40),
                        (Relation::Spouse, 10),
                    ])
                };
                // One spouse and two parents at most.
                let relation = match relation {
                    Relation::Spouse if already(Relation::Spouse) >= 1 => Relation::Sibling,
                    Relation::Parent if already(Relation::Parent) >= 2 => Relation::Sibling,
                    r => r,
                };
                let (sex, age) = match relation {
                    Relation::Parent => (
                        rng.weighted(&[(Sex::Female, 1), (Sex::Male, 1)]),
                        t.age + rng.between(20, 34) as u32,
                    ),
                    Relation::Child => (
                        rng.weighted(&[(Sex::Female, 1), (Sex::Male, 1)]),
                        t.age.saturating_sub(rng.between(18, 30) as u32).max(1),
                    ),
                    Relation::Spouse => (
                        if t.sex == Sex::Female {
                            Sex::Male
                        } else {
                            Sex::Female
                        },
                        t.age + rng.between(0, 6) as u32,
                    ),
                    _ => (
                        rng.weighted(&[(Sex::Female, 1), (Sex::Male, 1)]),
                        (i64::from(t.age) + rng.between(-6, 6)).max(1) as u32,
                    ),
                };
                let situation = match rng.weighted(&[(0, 70), (1, 15), (2, 15)]) {
                    0 => MigrationSituation::AtHome,
                    1 => abroad(rng, &abroad_country, intake),
                    _ => MigrationSituation::Returned {
                        on: Some(intake - Duration::days(rng.between(10, 700))),
                    },
                };
                let cares = child && relation == Relation::Parent && !situation.is_abroad();
                let p = person(rng, ctx, org, t.style, sex, age, intake, stem, None);
                household.push((p, member(relation, situation, cares)));
            }
        }
    }

    // The narrative, in the language the worker writes in.
    let lang = if t.style == Style::Cyrillic {
        Lang::Ru
    } else {
        rng.weighted(&[(Lang::Tk, 50), (Lang::Ru, 30), (Lang::En, 20)])
    };
    let risk = match t.household {
        HouseholdKind::BothAbroadAlone => Some(RiskLevel::High),
        _ if t.identification == Some(TraffickingStatus::Actual) => Some(rng.weighted(&[
            (RiskLevel::High, 50),
            (RiskLevel::Medium, 45),
            (RiskLevel::Low, 5),
        ])),
        _ if rng.chance(5) => None,
        _ => Some(rng.weighted(&[
            (RiskLevel::High, 15),
            (RiskLevel::Medium, 45),
            (RiskLevel::Low, 40),
        ])),
    };
    let family_implicated = t.family_implicated
        || identification.as_ref().is_some_and(|i| {
            i.recruiter_relation == Some(RecruiterRelation::Familial) && rng.chance(60)
        });

    let mut plan = Plan {
        org: t.org,
        worker: rng.below(org.workers.len().max(1) as u64) as usize,
        case_type: t.case_type,
        person: main,
        child,
        risk,
        restricted: t.restricted,
        family_implicated,
        draft: t.draft,
        household_kind: t.household,
        intake,
        abroad_country,
        household,
        consents: Vec::new(),
        identification,
        safe_contact: None,
        status: t.status,
        closed_from: t.closed_from,
        closure_reason: None,
        closure_requested: t.closure_requested,
    };
    if !t.draft || rng.chance(30) {
        plan.person.identity.narrative = narrative(rng, &plan, lang);
    }
    plan.consents = consents(rng, ctx, t, &plan, intake, lang);
    if !t.draft && rng.chance(60) {
        plan.safe_contact = Some(safe_contact(rng, lang));
    }
    if t.status == CaseStatus::Closed || t.closure_requested {
        let not_victim = t.identification == Some(TraffickingStatus::NotAVictim);
        let assisted = t.closure_requested || t.closed_from == CaseStatus::InAssistance;
        plan.closure_reason = Some(if not_victim && rng.chance(80) {
            "not_a_victim"
        } else if assisted {
            rng.weighted(&[
                ("assistance_completed", 70),
                ("declined_assistance", 8),
                ("lost_contact", 10),
                ("transferred", 7),
                ("deceased", 1),
                ("other", 4),
            ])
        } else {
            rng.weighted(&[
                ("declined_assistance", 35),
                ("lost_contact", 30),
                ("transferred", 25),
                ("other", 10),
            ])
        });
    }
    plan
}

fn identification(
    rng: &mut Rng,
    ctx: &Ctx,
    t: &Template,
    intake: NaiveDate,
    status: TraffickingStatus,
) -> IdentificationRecord {
    use ExploitationForm as E;
    let child = t.age < 18;
    let mut forms = match (t.sex, child) {
        (Sex::Male, false) => vec![rng.weighted(&[
            (E::ForcedLabour, 82),
            (E::ForcedCriminality, 6),
            (E::Servitude, 5),
            (E::SexualExploitation, 4),
            (E::ForcedBegging, 3),
        ])],
        (_, false) => vec![rng.weighted(&[
            (E::SexualExploitation, 48),
            (E::ForcedLabour, 30),
            (E::Servitude, 14),
            (E::ForcedMarriage, 6),
            (E::ForcedBegging, 2),
        ])],
        (Sex::Female, true) => vec![rng.weighted(&[
            (E::SexualExploitation, 35),
            (E::ChildLabour, 30),
            (E::ForcedMarriage, 15),
            (E::ForcedBegging, 10),
            (E::Servitude, 10),
        ])],
        (_, true) => vec![rng.weighted(&[
            (E::ChildLabour, 55),
            (E::ForcedBegging, 20),
            (E::ForcedLabour, 15),
            (E::ForcedCriminality, 10),
        ])],
    };
    if rng.chance(15) {
        // Mixed exploitation.
        let second = rng.weighted(&[
            (E::ForcedLabour, 40),
            (E::Servitude, 30),
            (
                E::SexualExploitation,
                if t.sex == Sex::Male { 5 } else { 30 },
            ),
        ]);
        if !forms.contains(&second) {
            forms.push(second);
        }
    }
    let not_victim = status == TraffickingStatus::NotAVictim;
    let control = if not_victim {
        Vec::new()
    } else {
        let all = [
            ControlMethod::WithholdsDocuments,
            ControlMethod::DebtBondage,
            ControlMethod::TakesEarnings,
            ControlMethod::FalsePromises,
            ControlMethod::Threats,
            ControlMethod::RestrictsMovement,
            ControlMethod::ExcessiveWorkingHours,
            ControlMethod::PsychologicalAbuse,
            ControlMethod::ThreatOfLawEnforcement,
            ControlMethod::WithholdsNecessities,
            ControlMethod::RestrictsFinancialAccess,
            ControlMethod::PhysicalAbuse,
        ];
        let k = rng.between(2, 5) as usize;
        // The common ones first: documents and earnings are taken in most cases.
        let mut v = rng.several(&all[..6], k.min(4));
        if k > 4 {
            v.extend(rng.several(&all[6..], k - 4));
        }
        v
    };
    let domestic = rng.chance(8);
    let marriage = forms.contains(&E::ForcedMarriage);
    let recruitment_method = Some(if marriage {
        RecruitmentMethod::MarriageOffer
    } else {
        rng.weighted(&[
            (RecruitmentMethod::JobOffer, 55),
            (RecruitmentMethod::OnlineAdvertisement, 15),
            (
                RecruitmentMethod::Romance,
                if t.sex == Sex::Female { 8 } else { 1 },
            ),
            (RecruitmentMethod::TravelOffer, 5),
            (RecruitmentMethod::EducationOffer, 4),
            (RecruitmentMethod::SoldByFamily, if child { 3 } else { 0 }),
            (RecruitmentMethod::Abduction, 1),
            (RecruitmentMethod::Other, 3),
        ])
    });
    let recruiter_relation = if rng.chance(90) {
        Some(
            if recruitment_method == Some(RecruitmentMethod::SoldByFamily) {
                RecruiterRelation::Familial
            } else {
                rng.weighted(&[
                    (RecruiterRelation::Acquainted, 55),
                    (RecruiterRelation::Unacquainted, 35),
                    (RecruiterRelation::Familial, 10),
                ])
            },
        )
    } else {
        None
    };
    let exploitation: String = if domestic {
        "TM".into()
    } else if forms.contains(&E::SexualExploitation) {
        rng.weighted(&[("TR", 45), ("AE", 30), ("RU", 15), ("KZ", 5), ("CN", 5)])
            .into()
    } else {
        rng.weighted(&[("RU", 45), ("TR", 35), ("KZ", 10), ("AE", 7), ("CN", 3)])
            .into()
    };
    let transit: Vec<String> = match exploitation.as_str() {
        "RU" => match rng.weighted(&[(0, 25), (1, 45), (2, 30)]) {
            0 => vec![],
            1 => vec!["KZ".into()],
            _ => vec!["UZ".into(), "KZ".into()],
        },
        "TR" if rng.chance(20) => vec!["IR".into()],
        "KZ" if rng.chance(30) => vec!["UZ".into()],
        "AE" if rng.chance(10) => vec!["IR".into()],
        _ => vec![],
    };
    let recruitment_country = match t.style {
        Style::Uzbek if rng.chance(50) => "UZ",
        Style::Afghan if rng.chance(60) => "AF",
        _ => "TM",
    };
    let isic = if forms
        .iter()
        .any(|f| matches!(f, E::ForcedLabour | E::ChildLabour | E::Servitude))
    {
        Some(if forms.contains(&E::Servitude) && rng.chance(60) {
            IsicSection::T
        } else {
            match t.sex {
                Sex::Male => rng.weighted(&[
                    (IsicSection::F, 50),
                    (IsicSection::A, 20),
                    (IsicSection::I, 8),
                    (IsicSection::C, 7),
                    (IsicSection::G, 5),
                    (IsicSection::H, 7),
                    (IsicSection::T, 3),
                ]),
                _ => rng.weighted(&[
                    (IsicSection::I, 25),
                    (IsicSection::T, 25),
                    (IsicSection::A, 20),
                    (IsicSection::C, 15),
                    (IsicSection::G, 10),
                    (IsicSection::F, 5),
                ]),
            }
        })
    } else {
        None
    };
    let ended = intake - Duration::days(rng.between(3, 90));
    let from = ended - Duration::days(rng.between(30, 700));
    let recruited = from - Duration::days(rng.between(2, 60));
    let decided = (intake + Duration::days(rng.between(5, 60))).min(ctx.today);
    let decided_by = match status {
        TraffickingStatus::Actual if rng.chance(50) => {
            Some(ctx.orgs[ctx.org_index("DEMO-MIGRATION")].id)
        }
        _ => Some(ctx.orgs[t.org].id),
    };
    let org = &ctx.orgs[t.org];
    let recruitment_place = if recruitment_country == "TM" {
        let r = origin(rng, ctx, org);
        let what = rng.pick(&[", bazar", ", awtobus duralgasy", ", internet arkaly", ""]);
        r.map(|r| format!("{}{what}", r.name_tk))
            .unwrap_or_default()
    } else {
        String::new()
    };
    IdentificationRecord {
        trafficking_status: status,
        decided_by_org_id: decided_by,
        decided_on: Some(decided),
        // Not a victim: where the person went is kept, no exploitation is recorded.
        exploitation_forms: if not_victim { Vec::new() } else { forms },
        control_methods: control,
        recruitment_method,
        recruiter_relation,
        recruitment_countries: vec![recruitment_country.to_string()],
        transit_countries: transit.clone(),
        exploitation_countries: vec![exploitation.clone()],
        recruited_on: Some(recruited),
        exploitation_from: (!not_victim).then_some(from),
        exploitation_to: (!not_victim).then_some(ended),
        isic_section: isic.filter(|_| !not_victim),
        places: IdentificationPlaces {
            recruitment_place,
            transit_places: transit
                .iter()
                .map(|c| transit_place(rng, c))
                .collect::<Vec<_>>()
                .join("; "),
            exploitation_places: if not_victim {
                String::new()
            } else {
                exploitation_place(rng, &exploitation)
            },
        },
    }
}

/// A time in office hours (Turkmen time is UTC+5) on `day`, never in the future.
fn at(rng: &mut Rng, day: NaiveDate) -> DateTime<Utc> {
    let t = day
        .and_hms_opt(rng.between(4, 12) as u32, rng.between(0, 59) as u32, 0)
        .unwrap_or_default()
        .and_utc();
    t.min(Utc::now() - Duration::minutes(1))
}

fn consents(
    rng: &mut Rng,
    ctx: &Ctx,
    t: &Template,
    plan: &Plan,
    intake: NaiveDate,
    lang: Lang,
) -> Vec<(NewConsent, Option<DateTime<Utc>>)> {
    if t.draft && rng.chance(50) {
        return Vec::new();
    }
    let org = &ctx.orgs[t.org];
    let child = t.age < 18;
    // Who gives consent for a child: a parent at home, else the caregiver, else a
    // representative of the guardianship authority.
    let (given_by, representative) = if child {
        let at_home = |r: Relation| {
            plan.household
                .iter()
                .find(|(_, m)| m.relation == r && !m.situation.is_abroad())
        };
        if let Some((p, _)) = at_home(Relation::Parent) {
            (GivenBy::Parent, p.identity.full_name())
        } else if let Some((p, _)) = at_home(Relation::Caregiver) {
            (GivenBy::Guardian, p.identity.full_name())
        } else {
            let officer = Style::Turkmen.given(rng, Sex::Female);
            let family = Style::Turkmen.family_for(Style::Turkmen.family_stem(rng), Sex::Female);
            (
                GivenBy::Representative,
                format!(
                    "{family} {officer} ({})",
                    lang.t(
                        "guardianship authority",
                        "орган опеки",
                        "howandarlyk edarasy"
                    )
                ),
            )
        }
    } else {
        (GivenBy::Person, String::new())
    };
    let witness = |rng: &mut Rng| {
        let style = if lang == Lang::Ru {
            Style::Cyrillic
        } else {
            Style::Turkmen
        };
        let sex = rng.weighted(&[(Sex::Female, 3), (Sex::Male, 1)]);
        let role = *rng.pick(&[
            lang.t("social worker", "социальный работник", "sosial işgär"),
            lang.t("interpreter", "переводчик", "terjimeçi"),
            lang.t("shelter staff", "сотрудник приюта", "gaçybatalganyň işgäri"),
        ]);
        format!(
            "{} {}, {role}",
            style.family_for(style.family_stem(rng), sex),
            style.given(rng, sex)
        )
    };
    let view = if child && t.age >= 7 {
        let grandmother = plan
            .household
            .iter()
            .any(|(_, m)| m.relation == Relation::Caregiver);
        child_view(rng, lang, grandmother)
    } else {
        String::new()
    };
    let mut out = Vec::new();
    let mut add = |rng: &mut Rng, purpose: Purpose, organisation: Option<Uuid>, day: NaiveDate| {
        let oral = rng.chance(18);
        let details = ConsentDetails {
            representative_name: representative.clone(),
            child_view: view.clone(),
            witness: if oral { witness(rng) } else { String::new() },
        };
        let given_at = at(rng, day);
        let withdrawn = match purpose {
            Purpose::Statistics if rng.chance(3) => {
                Some(given_at + Duration::days(rng.between(10, 300)))
            }
            Purpose::Sharing if rng.chance(4) => {
                Some(given_at + Duration::days(rng.between(5, 200)))
            }
            Purpose::Assistance if rng.chance(1) => {
                Some(given_at + Duration::days(rng.between(20, 200)))
            }
            _ => None,
        }
        .map(|w| w.min(Utc::now() - Duration::minutes(1)));
        out.push((
            NewConsent {
                purpose,
                organisation_id: organisation,
                given_at,
                form: if oral {
                    ConsentForm::OralWithWitness
                } else {
                    ConsentForm::Written
                },
                given_by,
                details,
            },
            withdrawn,
        ));
    };
    if rng.chance(92) {
        add(rng, Purpose::Assistance, None, intake);
    }
    if rng.chance(70) {
        add(rng, Purpose::Statistics, None, intake);
    }
    if rng.chance(30) {
        let others: Vec<Uuid> = ctx
            .orgs
            .iter()
            .filter(|o| o.id != org.id)
            .map(|o| o.id)
            .chain(ctx.partners.iter().copied())
            .collect();
        if !others.is_empty() {
            let n = if rng.chance(20) { 2 } else { 1 };
            let day = (intake + Duration::days(rng.between(0, 30))).min(ctx.today);
            for o in rng.several(&others, n) {
                add(rng, Purpose::Sharing, Some(o), day);
            }
        }
    }
    // Older children's own consent beside the representative's.
    if child && t.age >= 12 && !out.is_empty() && rng.chance(30) {
        let mut own = out[0].0.clone();
        own.given_by = GivenBy::Person;
        own.details.representative_name.clear();
        out.push((own, None));
    }
    out
}

fn safe_contact(rng: &mut Rng, lang: Lang) -> SafeContact {
    let may_contact = rng.chance(90);
    SafeContact {
        may_contact,
        do_not_call: may_contact && rng.chance(20),
        how: if may_contact {
            rng.pick(&[
                lang.t(
                    "Only through the office; never at home.",
                    "Только через офис, никогда по домашнему адресу.",
                    "Diňe edaranyň üsti bilen; hiç haçan öýde däl.",
                ),
                lang.t(
                    "A message to the sister's phone first.",
                    "Сначала сообщение на телефон сестры.",
                    "Ilki uýasynyň telefonyna habar ugratmaly.",
                ),
                lang.t(
                    "Call the own mobile phone.",
                    "Звонить на собственный мобильный.",
                    "Öz jübi telefonyna jaň etmeli.",
                ),
                lang.t(
                    "Through the school's social worker.",
                    "Через социального работника школы.",
                    "Mekdebiň sosial işgäriniň üsti bilen.",
                ),
            ])
            .to_string()
        } else {
            String::new()
        },
        safe_hours: if may_contact {
            rng.pick(&["09:00–12:00", "10:00–13:00", "14:00–17:00", "18:00–20:00"])
                .to_string()
        } else {
            String::new()
        },
        code_word: if may_contact && rng.chance(50) {
            rng.pick(&["alma", "nar", "üzüm", "erik", "gawun", "garpyz", "injir"])
                .to_string()
        } else {
            String::new()
        },
    }
}

/// The plan of case number `i`: a showcase for the first ones, else drawn at random.
fn plan(rng: &mut Rng, ctx: &Ctx, i: u32) -> Plan {
    let t = showcase(i, ctx).unwrap_or_else(|| random_template(rng, ctx));
    build(rng, ctx, &t)
}

// ---------------------------------------------------------------------------------------
// Writing

/// The statuses a case passes through to reach `to` (closure comes last, separately).
fn path_to(to: CaseStatus) -> &'static [CaseStatus] {
    use CaseStatus::*;
    match to {
        Registered | Closed => &[],
        Assessed => &[Assessed],
        PlanApproved => &[Assessed, PlanApproved],
        InAssistance => &[Assessed, PlanApproved, InAssistance],
    }
}

async fn write(
    store: &Store,
    unit: &mut Unit<'_>,
    ctx: &Ctx,
    plan: &Plan,
) -> Result<(), StoreError> {
    let org = &ctx.orgs[plan.org];
    let worker = &org.workers[plan.worker];
    let supervisor = &org.supervisor;
    let case = store
        .register_case(
            unit,
            worker,
            &NewCase {
                case_type: plan.case_type,
                person: plan.person.clone(),
                risk: plan.risk,
                assigned_worker_id: Some(worker.user_id),
                restricted: plan.restricted,
                family_implicated: plan.family_implicated,
                draft: plan.draft,
            },
        )
        .await?;
    let code = case.code.as_str();
    for (person, member) in &plan.household {
        store
            .add_household_member(unit, worker, code, person, member)
            .await?;
    }
    for (consent, withdrawn) in &plan.consents {
        let id = store.record_consent(unit, worker, code, consent).await?;
        if let Some(w) = withdrawn {
            store
                .withdraw_consent(unit, worker, code, id, Version::FIRST, *w)
                .await?;
        }
    }
    if let Some(record) = &plan.identification {
        store
            .save_identification(unit, worker, code, None, record)
            .await?;
    }
    if plan.draft {
        return Ok(());
    }
    let mut version = case.version;
    if let Some(safe) = &plan.safe_contact {
        version = store
            .set_safe_contact(unit, worker, code, version, safe)
            .await?;
    }
    let (through, close) = if plan.status == CaseStatus::Closed {
        (plan.closed_from, true)
    } else {
        (plan.status, false)
    };
    for &to in path_to(through) {
        // The supervisor approves the plan; the case worker moves the rest.
        let (actor, approve) = if to == CaseStatus::PlanApproved {
            (supervisor, true)
        } else {
            (worker, false)
        };
        version = changed(
            store
                .change_status(unit, actor, approve, code, version, to, None)
                .await?,
        )?;
    }
    let reason = plan.closure_reason.map(str::to_string);
    if close {
        changed(
            store
                .change_status(
                    unit,
                    supervisor,
                    true,
                    code,
                    version,
                    CaseStatus::Closed,
                    reason,
                )
                .await?,
        )?;
    } else if plan.closure_requested {
        store
            .change_status(
                unit,
                worker,
                false,
                code,
                version,
                CaseStatus::Closed,
                reason,
            )
            .await?;
    }
    Ok(())
}

fn changed(outcome: StatusOutcome) -> Result<Version, StoreError> {
    match outcome {
        StatusOutcome::Changed(v) => Ok(v),
        StatusOutcome::ClosureRequested(_) => Err(StoreError::DataFile(
            "a demo status change became a closure request".into(),
        )),
    }
}

fn tally(s: &mut Summary, ctx: &Ctx, plan: &Plan) {
    s.cases += 1;
    *s.per_org
        .entry(ctx.orgs[plan.org].code.clone())
        .or_default() += 1;
    *s.by_type.entry(plan.case_type.as_str()).or_default() += 1;
    let status = if plan.draft {
        "draft"
    } else {
        plan.status.as_str()
    };
    *s.by_status.entry(status).or_default() += 1;
    match plan.person.facts.sex {
        Sex::Female => s.female += 1,
        Sex::Male => s.male += 1,
        Sex::OtherUnknown => s.other_sex += 1,
    }
    s.children += u32::from(plan.child);
    s.drafts += u32::from(plan.draft);
    s.restricted += u32::from(plan.restricted);
    s.family_implicated += u32::from(plan.family_implicated);
    s.closure_requests += u32::from(plan.closure_requested && !plan.draft);
    s.household_members += plan.household.len() as u32;
    if plan.child {
        let parents_abroad = plan
            .household
            .iter()
            .filter(|(_, m)| m.relation == Relation::Parent && m.situation.is_abroad())
            .count();
        if parents_abroad >= 2 {
            s.both_parents_abroad += 1;
            let cared = plan
                .household
                .iter()
                .any(|(_, m)| !m.situation.is_abroad() && m.cares_for_child);
            s.both_abroad_no_caregiver += u32::from(!cared);
        }
    }
    s.consents += plan.consents.len() as u32;
    s.consents_withdrawn += plan.consents.iter().filter(|(_, w)| w.is_some()).count() as u32;
    if let Some(i) = &plan.identification {
        s.identifications += 1;
        s.identified_victims += u32::from(i.trafficking_status == TraffickingStatus::Actual);
    }
}

/// Finds the demo organisations and their people; None when this is not a demo database.
async fn context(store: &Store) -> anyhow::Result<Option<Ctx>> {
    let mut orgs = Vec::new();
    for (code, share) in crate::demo::CASE_ORGS {
        let org = match store.organisation_by_code(code).await {
            Ok(o) => o,
            Err(StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let admin = Actor {
            user_id: Uuid::nil(),
            org_id: org.id,
            roles: vec![Role::Admin],
        };
        let users: Vec<_> = store
            .users_visible_to(&admin, Some(org.id))
            .await?
            .into_iter()
            .filter(|u| u.active)
            .collect();
        let workers: Vec<Actor> = users
            .iter()
            .filter(|u| u.roles.contains(&Role::CaseWorker))
            .map(|u| u.actor())
            .collect();
        let Some(supervisor) = users
            .iter()
            .find(|u| u.roles.contains(&Role::Supervisor))
            .map(|u| u.actor())
        else {
            return Ok(None);
        };
        if workers.is_empty() {
            return Ok(None);
        }
        let region = crate::demo::region_of(code);
        orgs.push(CaseOrg {
            code: code.to_string(),
            id: org.id,
            share,
            region,
            workers,
            supervisor,
        });
    }
    let partners = match store.organisation_by_code("DEMO-INTL").await {
        Ok(o) => vec![o.id],
        Err(_) => Vec::new(),
    };
    let regions = store
        .regions()
        .await?
        .into_iter()
        .filter(|r| r.level != "country")
        .map(|r| RegionInfo {
            code: r.code.clone(),
            id: r.id,
            name_tk: r.name_in("tk").to_string(),
            name_ru: r.name_in("ru").to_string(),
        })
        .collect();
    Ok(Some(Ctx {
        orgs,
        partners,
        regions,
        today: Utc::now().date_naive(),
    }))
}

/// How many cases the demo organisations hold (asked as each one's supervisor, who sees
/// restricted cases too).
async fn existing_cases(store: &Store, ctx: &Ctx) -> anyhow::Result<i64> {
    let mut total = 0;
    for org in &ctx.orgs {
        total += store.case_count(org.id).await?;
    }
    Ok(total)
}

/// Creates `count` synthetic cases in the demo organisations, unless they already hold
/// cases, in transactions of a few hundred cases.
pub async fn seed(store: &Store, count: u32) -> anyhow::Result<Outcome> {
    let Some(ctx) = context(store).await? else {
        return Ok(Outcome::NotDemo);
    };
    let existing = existing_cases(store, &ctx).await?;
    if existing > 0 {
        return Ok(Outcome::AlreadyThere(existing));
    }
    let started = Instant::now();
    let mut rng = Rng::new(SEED);
    let mut summary = Summary::default();
    let progress = count >= PROGRESS_FROM;
    if progress {
        eprintln!("creating {count} synthetic cases…");
    }
    let mut next_report = 5;
    let mut done = 0;
    while done < count {
        let end = (done + BATCH).min(count);
        let mut unit = store.unit().await?;
        for i in done..end {
            let plan = plan(&mut rng, &ctx, i);
            write(store, &mut unit, &ctx, &plan)
                .await
                .with_context(|| format!("synthetic case number {i}"))?;
            tally(&mut summary, &ctx, &plan);
        }
        unit.commit().await?;
        done = end;
        let percent = u64::from(done) * 100 / u64::from(count);
        if progress && (percent >= next_report || done == count) {
            let secs = started.elapsed().as_secs_f64();
            let rate = f64::from(done) / secs.max(0.001);
            let left = f64::from(count - done) / rate.max(0.001);
            eprintln!(
                "  {percent:>3}%  {done}/{count} cases, {rate:.0} cases/s, about {left:.0} s left"
            );
            next_report = percent - percent % 5 + 5;
        }
    }
    store.db.after_bulk_load(yoldash_store::CASE_TABLES).await?;
    summary.seconds = started.elapsed().as_secs_f64();
    if summary.cases != count {
        bail!("created {} cases instead of {count}", summary.cases);
    }
    Ok(Outcome::Created(summary))
}

#[cfg(test)]
mod tests {
    use super::*;
    use yoldash_store::cases::registration_gaps;

    fn ctx() -> Ctx {
        let actor = |org: Uuid, role| Actor {
            user_id: Uuid::now_v7(),
            org_id: org,
            roles: vec![role],
        };
        let orgs = crate::demo::CASE_ORGS
            .iter()
            .zip(["TM-L", "TM-M", "TM-S"])
            .map(|((code, share), region)| {
                let id = Uuid::now_v7();
                CaseOrg {
                    code: code.to_string(),
                    id,
                    share: *share,
                    region,
                    workers: vec![actor(id, Role::CaseWorker), actor(id, Role::CaseWorker)],
                    supervisor: actor(id, Role::Supervisor),
                }
            })
            .collect();
        let raw: Vec<serde_json::Value> =
            serde_json::from_str(yoldash_store::regions::SHIPPED).unwrap();
        let regions = raw
            .iter()
            .filter(|r| r["level"] != "country")
            .map(|r| RegionInfo {
                code: r["code"].as_str().unwrap().to_string(),
                id: Uuid::now_v7(),
                name_tk: r["names"]["tk"].as_str().unwrap().to_string(),
                name_ru: r["names"]["ru"].as_str().unwrap().to_string(),
            })
            .collect();
        Ctx {
            orgs,
            partners: vec![Uuid::now_v7()],
            regions,
            today: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
        }
    }

    fn plans(ctx: &Ctx, n: u32) -> Vec<Plan> {
        let mut rng = Rng::new(SEED);
        (0..n).map(|i| plan(&mut rng, ctx, i)).collect()
    }

    #[test]
    fn plans_are_valid_and_reproducible() {
        let ctx = ctx();
        let a = plans(&ctx, 3_000);
        let b = plans(&ctx, 3_000);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.person, y.person);
            x.person.check().expect("person checks");
            for (p, _) in &x.household {
                p.check().expect("member checks");
            }
            if !x.draft {
                assert!(registration_gaps(&x.person).is_empty());
            }
            for (c, _) in &x.consents {
                if c.form == ConsentForm::OralWithWitness {
                    assert!(!c.details.witness.is_empty());
                }
                if c.given_by.is_representative() {
                    assert!(!c.details.representative_name.is_empty());
                }
                assert_eq!(c.purpose == Purpose::Sharing, c.organisation_id.is_some());
            }
            if let Some(i) = &x.identification {
                assert!(i.exploitation_from <= i.exploitation_to);
                let c = Catalogue::countries();
                for code in i
                    .exploitation_countries
                    .iter()
                    .chain(&i.transit_countries)
                    .chain(&i.recruitment_countries)
                {
                    assert!(c.contains(code), "{code}");
                }
            }
            if x.status == CaseStatus::Closed || x.closure_requested {
                assert!(x.closure_reason.is_some());
            }
        }
    }

    #[test]
    fn the_mix_looks_like_the_field() {
        let ctx = ctx();
        let plans = plans(&ctx, 20_000);
        let mut s = Summary::default();
        for p in &plans {
            tally(&mut s, &ctx, p);
        }
        let victims: Vec<&Plan> = plans
            .iter()
            .filter(|p| p.case_type == CaseType::PresumedVictim)
            .collect();
        let share = |n: usize| n as f64 / victims.len() as f64;
        let female = share(
            victims
                .iter()
                .filter(|p| p.person.facts.sex == Sex::Female)
                .count(),
        );
        let children = share(victims.iter().filter(|p| p.child).count());
        assert!((0.56..0.64).contains(&female), "female {female}");
        assert!((0.14..0.21).contains(&children), "children {children}");
        for t in CaseType::CHOOSABLE {
            assert!(
                s.by_type.get(t.as_str()).copied().unwrap_or(0) > 1_000,
                "{t:?}"
            );
        }
        for st in CaseStatus::ALL {
            assert!(s.by_status.get(st.as_str()).copied().unwrap_or(0) > 1_000);
        }
        assert!(s.drafts > 100 && s.restricted > 200 && s.family_implicated > 200);
        assert!(s.both_parents_abroad > 500 && s.both_abroad_no_caregiver > 100);
        assert!(s.consents_withdrawn > 100);
        // Men mostly in forced labour, women often in sexual exploitation.
        let with_form = |sex: Sex, form: ExploitationForm| {
            victims
                .iter()
                .filter(|p| p.person.facts.sex == sex && !p.child)
                .filter_map(|p| p.identification.as_ref())
                .filter(|i| i.exploitation_forms.contains(&form))
                .count()
        };
        assert!(
            with_form(Sex::Male, ExploitationForm::ForcedLabour)
                > 5 * with_form(Sex::Male, ExploitationForm::SexualExploitation)
        );
        assert!(
            with_form(Sex::Female, ExploitationForm::SexualExploitation)
                > with_form(Sex::Female, ExploitationForm::ForcedLabour)
        );
    }

    #[test]
    fn names_take_the_form_of_the_sex() {
        assert_eq!(
            Style::Turkmen.family_for("Annaýew", Sex::Female),
            "Annaýewa"
        );
        assert_eq!(Style::Turkmen.family_for("Orazow", Sex::Male), "Orazow");
        assert_eq!(
            Style::Cyrillic.family_for("Курбанов", Sex::Female),
            "Курбанова"
        );
        assert_eq!(Style::Cyrillic.family_for("Ким", Sex::Female), "Ким");
        assert_eq!(Style::Turkmen.patronymic("Merdan", Sex::Male), "Merdanowiç");
        assert_eq!(Style::Turkmen.patronymic("Çary", Sex::Female), "Çaryýewna");
        assert_eq!(
            Style::Cyrillic.patronymic("Сергей", Sex::Female),
            "Сергеевна"
        );
        assert_eq!(
            Style::Cyrillic.patronymic("Мердан", Sex::Male),
            "Мерданович"
        );
        assert_eq!(latin("Şatlyk Çaryýewa"), "Shatlyk Charyyeva");
        assert_eq!(latin("Jeren Orazowa"), "Djeren Orazova");
        assert_eq!(mailbox("Ulug'bek"), "ulugbek");
    }
}
