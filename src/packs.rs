//! Stories and packs: enablement's curated collections of buyer quotes.
//!
//! A **story** is a saved quote (by id) with a title, notes and tags; its text is never copied:
//! it is read from the anonymized source of record whenever the story is served, so it stays
//! anonymized, follows corrections, and disappears when its deal or quote is erased. A **pack**
//! is an ordered list of stories for a purpose, optionally built from a saved search; it knows
//! which stories were added since its last export, and keeps notices of stories it lost to an
//! erasure. Everything lives in one document of the store (`documents.packs`); an edit is one
//! transaction, and an edit based on a stale read (another process wrote in between) is refused
//! rather than lost.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{Error, Result};
use crate::model::Quote;
use crate::search::SearchRequest;
use crate::store::db::{Db, doc};

/// A saved quote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoryRecord {
    /// `st-<n>`.
    pub story_id: String,
    /// The quote it points at.
    pub quote_id: String,
    /// The quote's deal.
    pub deal_id: String,
    /// Short title.
    pub title: Option<String>,
    /// Free notes.
    pub notes: Option<String>,
    /// Free tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// When it was saved (RFC 3339, UTC).
    pub created_at: String,
    /// Who saved it (key name, SSO user, `local` or `cli:<user>`).
    #[serde(default)]
    pub created_by: Option<String>,
    /// Who changed it last.
    #[serde(default)]
    pub updated_by: Option<String>,
}

/// A pack as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackRecord {
    /// `pk-<n>`.
    pub pack_id: String,
    /// Name.
    pub name: String,
    /// Purpose, audience...
    pub description: Option<String>,
    /// Stories in order.
    pub story_ids: Vec<String>,
    /// The search it was built from, if any.
    pub saved_search: Option<SearchRequest>,
    /// When it was created (RFC 3339, UTC).
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// Last export, if any.
    pub last_exported_at: Option<String>,
    /// Stories present at the last export.
    #[serde(default)]
    pub exported_story_ids: Vec<String>,
    /// What happened to stories the pack lost (erasures), newest last.
    #[serde(default)]
    pub notices: Vec<String>,
    /// Who created it.
    #[serde(default)]
    pub created_by: Option<String>,
    /// Who changed it last.
    #[serde(default)]
    pub updated_by: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct PackFile {
    next_story: u64,
    next_pack: u64,
    stories: BTreeMap<String, StoryRecord>,
    packs: BTreeMap<String, PackRecord>,
    /// Bumped by every write: an edit made from an older read is refused.
    #[serde(default)]
    revision: u64,
}

/// A story as served: the record plus its quote (absent when the quote is gone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Story {
    /// Story id.
    pub story_id: String,
    /// Quote id.
    pub quote_id: String,
    /// Deal id.
    pub deal_id: String,
    /// Title.
    pub title: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Saved at (RFC 3339).
    pub created_at: String,
    /// Who saved it.
    pub created_by: Option<String>,
    /// Who changed it last.
    pub updated_by: Option<String>,
    /// The anonymized quote, as search serves it.
    pub quote: Option<Quote>,
    /// In a pack: added since the pack's last export.
    #[serde(default)]
    pub new_since_export: bool,
}

/// A pack as served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Pack {
    /// Pack id.
    pub pack_id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Stories in order.
    pub stories: Vec<Story>,
    /// The search it was built from, if any.
    pub saved_search: Option<SearchRequest>,
    /// Created at.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// Last export.
    pub last_exported_at: Option<String>,
    /// Stories added since the last export.
    pub new_since_export: usize,
    /// What happened to stories the pack lost.
    pub notices: Vec<String>,
    /// Who created it.
    pub created_by: Option<String>,
    /// Who changed it last.
    pub updated_by: Option<String>,
}

/// `POST /v1/packs`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPack {
    /// Name (required, at most 300 characters).
    #[schema(pattern = r"[^\s\x85]", max_length = 300)]
    pub name: String,
    /// Purpose (at most 10,000 characters).
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// Build from this search: every result becomes a story (limit default 10).
    pub from_search: Option<SearchRequest>,
}

/// `PATCH /v1/packs/{id}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PackPatch {
    /// New name (at most 300 characters, not blank).
    #[schema(pattern = r"[^\s\x85]", max_length = 300)]
    pub name: Option<String>,
    /// New description (at most 10,000 characters).
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// New order: exactly the pack's story ids, reordered.
    pub order: Option<Vec<String>>,
}

/// `POST /v1/stories` and `POST /v1/packs/{id}/stories`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStory {
    /// The quote to save (or `story_id` to add an existing story to a pack).
    pub quote_id: Option<String>,
    /// An existing story (pack route only).
    pub story_id: Option<String>,
    /// Title (at most 300 characters).
    #[schema(max_length = 300)]
    pub title: Option<String>,
    /// Notes (at most 10,000 characters).
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
    /// Tags (at most 50, each at most 100 characters).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub tags: Vec<String>,
}

/// `PATCH /v1/stories/{id}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StoryPatch {
    /// New title (at most 300 characters).
    #[schema(max_length = 300)]
    pub title: Option<String>,
    /// New notes (at most 10,000 characters).
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
    /// New tags (at most 50, each at most 100 characters).
    #[schema(max_items = 50)]
    pub tags: Option<Vec<String>>,
}

/// The pack file of an index.
pub struct PackStore {
    db: std::sync::Arc<Db>,
    /// Serialises read-modify-write cycles in this process.
    lock: std::sync::Mutex<()>,
}

impl std::fmt::Debug for PackStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackStore").finish_non_exhaustive()
    }
}

/// Now, as RFC 3339 UTC with seconds.
pub fn now_rfc3339() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let day = crate::model::Day(seconds.div_euclid(86_400) as i32);
    let rest = seconds.rem_euclid(86_400);
    format!("{day}T{:02}:{:02}:{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// Checks the sizes of a pack's or story's free text before anything is written.
fn check_sizes(
    name: Option<&str>,
    long_text: &[(&str, Option<&str>)],
    tags: Option<&[String]>,
) -> Result<()> {
    use crate::model::{MAX_NAME_CHARS, MAX_NOTE_CHARS, check_length};
    if let Some(name) = name {
        check_length("name", name, MAX_NAME_CHARS)?;
    }
    for (field, text) in long_text {
        if let Some(text) = text {
            check_length(field, text, MAX_NOTE_CHARS)?;
        }
    }
    if let Some(tags) = tags {
        if tags.len() > 50 {
            return Err(Error::InvalidRequest(format!("{} tags; at most 50", tags.len())));
        }
        for tag in tags {
            check_length("a tag", tag, 100)?;
        }
    }
    Ok(())
}

fn clean(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

impl PackStore {
    /// The packs of a store.
    pub fn new(db: std::sync::Arc<Db>) -> PackStore {
        PackStore { db, lock: std::sync::Mutex::new(()) }
    }

    fn guard(&self) -> Result<std::sync::MutexGuard<'_, ()>> {
        self.lock.lock().map_err(|_| Error::Internal("pack store lock poisoned".into()))
    }

    fn load(&self) -> Result<PackFile> {
        self.db.document(doc::PACKS)
    }

    /// Writes the file in one transaction, unless another process wrote since it was read.
    fn save(&self, file: &PackFile) -> Result<()> {
        self.db
            .write(|tx| {
                let current: PackFile = tx.document(doc::PACKS)?;
                if current.revision != file.revision {
                    return Err(Error::Conflict(
                        "packs were changed by another storybank process meanwhile; retry".into(),
                    ));
                }
                let mut next = file.clone();
                next.revision += 1;
                tx.put_document(doc::PACKS, &next)
            })
            .map(drop)
    }

    /// Every pack record, by id.
    pub fn packs(&self) -> Result<Vec<PackRecord>> {
        Ok(self.load()?.packs.into_values().collect())
    }

    /// One pack record.
    pub fn pack(&self, pack_id: &str) -> Result<PackRecord> {
        self.load()?
            .packs
            .remove(pack_id)
            .ok_or_else(|| Error::PackNotFound(format!("pack `{pack_id}`")))
    }

    /// Every story record, by id.
    pub fn stories(&self) -> Result<BTreeMap<String, StoryRecord>> {
        Ok(self.load()?.stories)
    }

    /// One story record.
    pub fn story(&self, story_id: &str) -> Result<StoryRecord> {
        self.load()?
            .stories
            .remove(story_id)
            .ok_or_else(|| Error::PackNotFound(format!("story `{story_id}`")))
    }

    /// Creates a pack.
    pub fn create_pack(
        &self,
        name: &str,
        description: Option<String>,
        saved_search: Option<SearchRequest>,
        by: &str,
    ) -> Result<PackRecord> {
        let name = crate::model::trim_blank(name);
        if name.is_empty() {
            return Err(Error::InvalidRequest("name must not be empty".into()));
        }
        check_sizes(Some(name), &[("description", description.as_deref())], None)?;
        let _guard = self.guard()?;
        let mut file = self.load()?;
        file.next_pack += 1;
        let now = now_rfc3339();
        let pack = PackRecord {
            pack_id: format!("pk-{}", file.next_pack),
            name: name.to_string(),
            description: clean(description),
            story_ids: vec![],
            saved_search,
            created_at: now.clone(),
            updated_at: now,
            last_exported_at: None,
            exported_story_ids: vec![],
            notices: vec![],
            created_by: Some(by.to_string()),
            updated_by: Some(by.to_string()),
        };
        file.packs.insert(pack.pack_id.clone(), pack.clone());
        self.save(&file)?;
        Ok(pack)
    }

    /// Changes a pack's name, description or order.
    pub fn update_pack(&self, pack_id: &str, patch: PackPatch, by: &str) -> Result<PackRecord> {
        check_sizes(patch.name.as_deref(), &[("description", patch.description.as_deref())], None)?;
        let _guard = self.guard()?;
        let mut file = self.load()?;
        let pack = file
            .packs
            .get_mut(pack_id)
            .ok_or_else(|| Error::PackNotFound(format!("pack `{pack_id}`")))?;
        if let Some(name) = patch.name {
            let name = crate::model::trim_blank(&name);
            if name.is_empty() {
                return Err(Error::InvalidRequest("name must not be empty".into()));
            }
            pack.name = name.to_string();
        }
        if patch.description.is_some() {
            pack.description = clean(patch.description);
        }
        if let Some(order) = patch.order {
            let mut wanted = order.clone();
            let mut have = pack.story_ids.clone();
            wanted.sort();
            have.sort();
            if wanted != have {
                return Err(Error::Conflict(
                    "order must list exactly the pack's current story ids, each once".into(),
                ));
            }
            pack.story_ids = order;
        }
        pack.updated_at = now_rfc3339();
        pack.updated_by = Some(by.to_string());
        let pack = pack.clone();
        self.save(&file)?;
        Ok(pack)
    }

    /// Deletes a pack (its stories stay saved).
    pub fn delete_pack(&self, pack_id: &str) -> Result<()> {
        let _guard = self.guard()?;
        let mut file = self.load()?;
        file.packs
            .remove(pack_id)
            .ok_or_else(|| Error::PackNotFound(format!("pack `{pack_id}`")))?;
        self.save(&file)
    }

    /// Saves a quote as a story (the caller checked the quote exists).
    pub fn create_story(
        &self,
        quote_id: &str,
        deal_id: &str,
        new: &NewStory,
        by: &str,
    ) -> Result<StoryRecord> {
        check_sizes(new.title.as_deref(), &[("notes", new.notes.as_deref())], Some(&new.tags))?;
        let _guard = self.guard()?;
        let mut file = self.load()?;
        file.next_story += 1;
        let story = StoryRecord {
            story_id: format!("st-{}", file.next_story),
            quote_id: quote_id.to_string(),
            deal_id: deal_id.to_string(),
            title: clean(new.title.clone()),
            notes: clean(new.notes.clone()),
            tags: new.tags.iter().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect(),
            created_at: now_rfc3339(),
            created_by: Some(by.to_string()),
            updated_by: Some(by.to_string()),
        };
        file.stories.insert(story.story_id.clone(), story.clone());
        self.save(&file)?;
        Ok(story)
    }

    /// Changes a story's title, notes or tags.
    pub fn update_story(&self, story_id: &str, patch: StoryPatch, by: &str) -> Result<StoryRecord> {
        check_sizes(
            patch.title.as_deref(),
            &[("notes", patch.notes.as_deref())],
            patch.tags.as_deref(),
        )?;
        let _guard = self.guard()?;
        let mut file = self.load()?;
        let story = file
            .stories
            .get_mut(story_id)
            .ok_or_else(|| Error::PackNotFound(format!("story `{story_id}`")))?;
        if patch.title.is_some() {
            story.title = clean(patch.title);
        }
        if patch.notes.is_some() {
            story.notes = clean(patch.notes);
        }
        if let Some(tags) = patch.tags {
            story.tags = tags.into_iter().filter(|t| !t.trim().is_empty()).collect();
        }
        story.updated_by = Some(by.to_string());
        let story = story.clone();
        self.save(&file)?;
        Ok(story)
    }

    /// Deletes a story and takes it out of every pack.
    pub fn delete_story(&self, story_id: &str) -> Result<()> {
        let _guard = self.guard()?;
        let mut file = self.load()?;
        file.stories
            .remove(story_id)
            .ok_or_else(|| Error::PackNotFound(format!("story `{story_id}`")))?;
        for pack in file.packs.values_mut() {
            pack.story_ids.retain(|id| id != story_id);
        }
        self.save(&file)
    }

    /// Appends stories to a pack (already-present ones are skipped).
    pub fn add_to_pack(&self, pack_id: &str, story_ids: &[String], by: &str) -> Result<PackRecord> {
        let _guard = self.guard()?;
        let mut file = self.load()?;
        for story_id in story_ids {
            if !file.stories.contains_key(story_id) {
                return Err(Error::PackNotFound(format!("story `{story_id}`")));
            }
        }
        let pack = file
            .packs
            .get_mut(pack_id)
            .ok_or_else(|| Error::PackNotFound(format!("pack `{pack_id}`")))?;
        for story_id in story_ids {
            if !pack.story_ids.contains(story_id) {
                pack.story_ids.push(story_id.clone());
            }
        }
        pack.updated_at = now_rfc3339();
        pack.updated_by = Some(by.to_string());
        let pack = pack.clone();
        self.save(&file)?;
        Ok(pack)
    }

    /// Takes a story out of a pack (the story stays saved).
    pub fn remove_from_pack(&self, pack_id: &str, story_id: &str, by: &str) -> Result<PackRecord> {
        let _guard = self.guard()?;
        let mut file = self.load()?;
        let pack = file
            .packs
            .get_mut(pack_id)
            .ok_or_else(|| Error::PackNotFound(format!("pack `{pack_id}`")))?;
        let before = pack.story_ids.len();
        pack.story_ids.retain(|id| id != story_id);
        if pack.story_ids.len() == before {
            return Err(Error::PackNotFound(format!("story {story_id} in pack {pack_id}")));
        }
        pack.updated_at = now_rfc3339();
        pack.updated_by = Some(by.to_string());
        let pack = pack.clone();
        self.save(&file)?;
        Ok(pack)
    }

    /// Records an export of a pack: its current stories are no longer "new".
    pub fn mark_exported(&self, pack_id: &str) -> Result<()> {
        let _guard = self.guard()?;
        let mut file = self.load()?;
        let pack = file
            .packs
            .get_mut(pack_id)
            .ok_or_else(|| Error::PackNotFound(format!("pack `{pack_id}`")))?;
        pack.last_exported_at = Some(now_rfc3339());
        pack.exported_story_ids = pack.story_ids.clone();
        self.save(&file)
    }

    /// Deletes the stories whose quote is gone (`gone(quote_id)`), takes them out of their packs
    /// and leaves a notice in each pack that lost one. Returns the deleted story ids.
    pub fn drop_stories(
        &self,
        gone: &dyn Fn(&StoryRecord) -> bool,
        why: &str,
    ) -> Result<Vec<String>> {
        let _guard = self.guard()?;
        let mut file = self.load()?;
        let dropped = drop_stories_in(&mut file, gone, why);
        if !dropped.is_empty() {
            self.save(&file)?;
        }
        Ok(dropped)
    }
}

/// Drops the stories `gone` selects from the packs document inside a store transaction (an
/// erasure does it in the same transaction that deletes the quotes); returns their ids.
pub fn drop_stories_in_tx(
    tx: &mut crate::store::db::Tx<'_>,
    gone: &dyn Fn(&StoryRecord) -> bool,
    why: &str,
) -> Result<Vec<String>> {
    let mut file: PackFile = tx.document(doc::PACKS)?;
    let dropped = drop_stories_in(&mut file, gone, why);
    if !dropped.is_empty() {
        file.revision += 1;
        tx.put_document(doc::PACKS, &file)?;
    }
    Ok(dropped)
}

fn drop_stories_in(
    file: &mut PackFile,
    gone: &dyn Fn(&StoryRecord) -> bool,
    why: &str,
) -> Vec<String> {
    let dropped: Vec<StoryRecord> =
        file.stories.values().filter(|story| gone(story)).cloned().collect();
    if dropped.is_empty() {
        return vec![];
    }
    let now = now_rfc3339();
    for pack in file.packs.values_mut() {
        let lost: Vec<&StoryRecord> =
            dropped.iter().filter(|story| pack.story_ids.contains(&story.story_id)).collect();
        if lost.is_empty() {
            continue;
        }
        pack.story_ids.retain(|id| !lost.iter().any(|story| &story.story_id == id));
        let mut deals: Vec<&str> = lost.iter().map(|story| story.deal_id.as_str()).collect();
        deals.sort_unstable();
        deals.dedup();
        pack.notices.push(format!(
            "{}: {} {} removed ({why}; deal {})",
            &now[..10],
            lost.len(),
            if lost.len() == 1 { "story" } else { "stories" },
            deals.join(", ")
        ));
        pack.updated_at = now.clone();
    }
    for story in &dropped {
        file.stories.remove(&story.story_id);
    }
    dropped.into_iter().map(|story| story.story_id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_keep_order_and_notice_erasures() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            PackStore::new(std::sync::Arc::new(crate::store::db::Db::open(dir.path()).unwrap()));
        let pack = store.create_pack("Onboarding objections", None, None, "Ana").unwrap();
        assert_eq!(pack.created_by.as_deref(), Some("Ana"));
        let a = store
            .create_story(
                "D-1-q001",
                "D-1",
                &NewStory { title: Some("a".into()), ..Default::default() },
                "Ana",
            )
            .unwrap();
        let b = store.create_story("D-2-q001", "D-2", &NewStory::default(), "Ana").unwrap();
        store.add_to_pack(&pack.pack_id, &[a.story_id.clone(), b.story_id.clone()], "Ana").unwrap();
        let reordered = store
            .update_pack(
                &pack.pack_id,
                PackPatch {
                    order: Some(vec![b.story_id.clone(), a.story_id.clone()]),
                    ..Default::default()
                },
                "Sam",
            )
            .unwrap();
        assert_eq!(reordered.updated_by.as_deref(), Some("Sam"));
        assert_eq!(reordered.created_by.as_deref(), Some("Ana"));
        assert_eq!(reordered.story_ids, vec![b.story_id.clone(), a.story_id.clone()]);
        let bad = PackPatch { order: Some(vec![a.story_id.clone()]), ..Default::default() };
        assert!(store.update_pack(&pack.pack_id, bad, "Sam").is_err());
        let long = NewStory { notes: Some("n".repeat(10_001)), ..Default::default() };
        let err = store.create_story("D-3-q001", "D-3", &long, "Ana").unwrap_err();
        assert!(err.to_string().contains("notes is 10001 characters"), "{err}");
        let dropped = store.drop_stories(&|story| story.deal_id == "D-2", "deal erased").unwrap();
        assert_eq!(dropped, vec![b.story_id.clone()]);
        let pack = store.pack(&pack.pack_id).unwrap();
        assert_eq!(pack.story_ids, vec![a.story_id]);
        assert!(
            pack.notices[0].contains("1 story removed (deal erased; deal D-2)"),
            "{:?}",
            pack.notices
        );
        assert!(now_rfc3339().ends_with('Z'));
    }
}
