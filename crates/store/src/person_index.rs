//! Exact search by name and document number: keyed digests of a person's name words, of
//! every pair of those words, and of document numbers, in `person_index`.

use crate::persons::{Identity, name_tokens};
use crate::time::now_micros;
use crate::{Backend, Store, StoreError, Tx};
use sqlx::Row;
use yoldash_keyring::Pairs;

/// `person_index.kind` of one name word.
pub(crate) const NAME_WORD: &str = "name";
/// `person_index.kind` of a pair of name words.
pub(crate) const NAME_PAIR: &str = "name_pair";
/// `person_index.kind` of a document number.
pub(crate) const DOCUMENT: &str = "document";

/// The blind-index purposes (changing one makes every stored digest unfindable).
const NAME_WORD_PURPOSE: &str = "person-name";
const NAME_PAIR_PURPOSE: &str = "person-name-pair";
const DOCUMENT_PURPOSE: &str = "document-number";

/// The setting that records that every person's name pairs are in the index.
const NAME_PAIRS_INDEXED: &str = "person_index.name_pairs";
/// PostgreSQL advisory-lock key of that backfill ("yolpair").
const NAME_PAIRS_LOCK: i64 = 0x0079_6f6c_7061_6972;

/// What a name search looks for: the digest of its one word, or the chained pairs of its
/// words. A full name is then one short range of the index, where each of its words alone
/// can be thousands of entries (common given and family names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameDigests {
    pub(crate) kind: &'static str,
    pub(crate) digests: Vec<String>,
}

impl Default for NameDigests {
    fn default() -> Self {
        Self {
            kind: NAME_WORD,
            digests: Vec::new(),
        }
    }
}

impl NameDigests {
    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }
}

impl Store {
    /// The digests to look for when searching by name (empty for a query with no word).
    pub fn name_search_digests(&self, query: &str) -> NameDigests {
        let words = name_tokens(query);
        let pairs = self
            .keys()
            .blind_index_pairs(NAME_PAIR_PURPOSE, &words, Pairs::Chain);
        if !pairs.is_empty() {
            return NameDigests {
                kind: NAME_PAIR,
                digests: pairs,
            };
        }
        // One word (or several spellings of one word).
        let mut digests: Vec<String> = words
            .iter()
            .map(|w| self.keys().blind_index(NAME_WORD_PURPOSE, w))
            .collect();
        digests.sort();
        digests.dedup();
        NameDigests {
            kind: NAME_WORD,
            digests,
        }
    }

    pub fn document_search_digest(&self, number: &str) -> Option<String> {
        let n = number.trim();
        (!n.is_empty()).then(|| self.keys().blind_index(DOCUMENT_PURPOSE, n))
    }

    /// Replaces a person's entries in the index with those of `identity`.
    pub(crate) async fn index_person(
        &self,
        tx: &mut Tx,
        person_id: &str,
        identity: &Identity,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM person_index WHERE person_id = $1")
            .bind(person_id)
            .execute(&mut **tx)
            .await?;
        let words = identity.name_tokens();
        let mut entries: Vec<(&str, String)> = Vec::new();
        for word in &words {
            entries.push((NAME_WORD, self.keys().blind_index(NAME_WORD_PURPOSE, word)));
        }
        for pair in self
            .keys()
            .blind_index_pairs(NAME_PAIR_PURPOSE, &words, Pairs::Every)
        {
            entries.push((NAME_PAIR, pair));
        }
        for d in &identity.documents {
            entries.push((
                DOCUMENT,
                self.keys().blind_index(DOCUMENT_PURPOSE, &d.number),
            ));
        }
        entries.sort();
        entries.dedup();
        let rows: Vec<(&str, &str, String)> = entries
            .into_iter()
            .map(|(kind, digest)| (person_id, kind, digest))
            .collect();
        insert_entries(tx, &rows).await
    }

    /// Adds the name-pair entries of persons recorded before the index held pairs, once
    /// per database; a setting records that it is done. It needs the key ring, so it runs
    /// when the store opens (`yoldash` does so before serving), not in a migration. One
    /// transaction: a crash leaves the index as it was, and the next start does it again.
    /// Returns how many persons it indexed (0 when there was nothing to do).
    pub async fn complete_person_index(&self) -> Result<u64, StoreError> {
        if self.setting(NAME_PAIRS_INDEXED).await?.is_some() {
            return Ok(0);
        }
        let mut unit = self.unit().await?;
        if self.db.backend == Backend::Postgres {
            // Servers starting together: one indexes, the others then find the setting.
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(NAME_PAIRS_LOCK)
                .execute(&mut *unit.tx)
                .await?;
        }
        let done: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(NAME_PAIRS_INDEXED)
            .fetch_optional(&mut *unit.tx)
            .await?;
        if done.is_some() {
            return Ok(0);
        }
        sqlx::query("DELETE FROM person_index WHERE kind = $1")
            .bind(NAME_PAIR)
            .execute(&mut *unit.tx)
            .await?;
        let mut indexed = 0u64;
        let mut after = String::new();
        loop {
            let rows =
                sqlx::query("SELECT id, identity FROM persons WHERE id > $1 ORDER BY id LIMIT 500")
                    .bind(&after)
                    .fetch_all(&mut *unit.tx)
                    .await?;
            let Some(last) = rows.last() else { break };
            after = last.try_get("id")?;
            let mut ids = Vec::with_capacity(rows.len());
            let mut pairs = Vec::new();
            for r in &rows {
                let id: String = r.try_get("id")?;
                let identity: Identity =
                    self.open_json("persons", "identity", &id, r.try_get("identity")?)?;
                pairs.push(self.keys().blind_index_pairs(
                    NAME_PAIR_PURPOSE,
                    &identity.name_tokens(),
                    Pairs::Every,
                ));
                ids.push(id);
            }
            let entries: Vec<(&str, &str, String)> = ids
                .iter()
                .zip(pairs)
                .flat_map(|(id, digests)| {
                    digests
                        .into_iter()
                        .map(move |d| (id.as_str(), NAME_PAIR, d))
                })
                .collect();
            insert_entries(&mut unit.tx, &entries).await?;
            indexed += rows.len() as u64;
        }
        sqlx::query("INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)")
            .bind(NAME_PAIRS_INDEXED)
            .bind(indexed.to_string())
            .bind(now_micros())
            .execute(&mut *unit.tx)
            .await?;
        unit.commit().await?;
        if indexed > 0 {
            // A bulk insert: statistics, and on PostgreSQL the visibility map that lets a
            // search read the index alone.
            self.db.after_bulk_load(&["person_index"]).await?;
            tracing::info!(persons = indexed, "name pairs added to the search index");
        }
        Ok(indexed)
    }
}

/// Inserts index entries (person, kind, digest), many to a statement.
async fn insert_entries(tx: &mut Tx, entries: &[(&str, &str, String)]) -> Result<(), StoreError> {
    for chunk in entries.chunks(200) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
            .collect();
        let sql = format!(
            "INSERT INTO person_index (person_id, kind, digest) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (person, kind, digest) in chunk {
            q = q.bind(*person).bind(*kind).bind(digest.as_str());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}
