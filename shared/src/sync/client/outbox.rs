//! The outbox's rules: unsent edits of one record join into one change, a request carries as
//! many changes as fit its byte budget, and after a restore the changes the server lost are
//! queued again ahead of the rest.

use super::Sent;
use crate::sync::{Mutation, PUSH_MAX, Push, Verb};

/// `next` joined to `last`, the latest change of the same record still unsent, when the two
/// mean the same as one change: an edit of a record only this device has yet joins its create;
/// an edit joins the previous edit made against the same version, the later value of each
/// field winning — exactly what the server would make of the two in a row. Anything else (an
/// action between them, another base) stays a change of its own.
pub fn coalesce(last: &Mutation, next: &Mutation) -> Option<Mutation> {
    if last.id != next.id || last.kind.entity() != next.kind.entity() {
        return None;
    }
    let joins = match (last.kind.verb(), next.kind.verb()) {
        (Verb::Create, Verb::Update) => next.base_version.is_none_or(|base| base == 0),
        (Verb::Update, Verb::Update) => last.base_version == next.base_version,
        _ => false,
    };
    if !joins {
        return None;
    }
    let mut joined = last.clone();
    for (field, value) in &next.fields {
        joined.fields.insert(field.clone(), value.clone());
    }
    Some(joined)
}

/// The JSON size of a change as a request carries it.
pub fn size(push: &Push) -> usize {
    serde_json::to_vec(push).map_or(0, |bytes| bytes.len())
}

/// The changes the next request carries: the outbox's first ones, as many as fit `max_bytes`
/// and `PUSH_MAX`, and always at least one so a large change still leaves.
pub fn batch(outbox: &[Push], max_bytes: usize) -> Vec<Push> {
    let mut bytes = 0;
    let mut taken = Vec::new();
    for push in outbox.iter().take(PUSH_MAX) {
        bytes += size(push) + 1;
        if !taken.is_empty() && bytes > max_bytes {
            break;
        }
        taken.push(push.clone());
    }
    taken
}

/// The outbox after the server's database was restored.
#[derive(Debug, Clone, PartialEq)]
pub struct Requeued {
    pub outbox: Vec<Push>,
    /// The seq the next saved change takes.
    pub next_seq: u64,
    /// Each change's seq before and after (the journal's and the outbox's).
    pub moved: Vec<(u64, u64)>,
}

/// After a restore (`kept_through`: the newest version the restored database holds, `None`
/// when it holds nothing of the device's past), the journal's changes applied after it are
/// lost on the server: they go first, then the outbox, numbered afresh from `next_seq` (the
/// server re-bases a device of an earlier epoch on its first change). Every change is made
/// against what the server holds now: bases newer than `kept_through` come down to it, so an
/// edit made meanwhile by someone else is still recognised as a conflict.
pub fn requeue(
    journal: &[Sent],
    outbox: &[Push],
    kept_through: Option<i64>,
    next_seq: u64,
) -> Requeued {
    let kept = kept_through.unwrap_or(0);
    let mut lost: Vec<&Sent> = journal.iter().filter(|s| s.version > kept).collect();
    lost.sort_by_key(|s| s.push.seq);
    let changes = lost.into_iter().map(|s| &s.push).chain(outbox.iter());
    let mut seq = next_seq;
    let mut requeued = Vec::new();
    let mut moved = Vec::new();
    for push in changes {
        let mut mutation = push.mutation.clone();
        if let Some(base) = mutation.base_version {
            mutation.base_version = Some(base.min(kept));
        }
        moved.push((push.seq, seq));
        requeued.push(Push { seq, mutation });
        seq += 1;
    }
    Requeued {
        outbox: requeued,
        next_seq: seq,
        moved,
    }
}

/// The latest change of the record `next` is about, if it may still be joined (its seq is
/// after `sent_through`), with what joining gives.
pub fn joinable(outbox: &[Push], sent_through: u64, next: &Mutation) -> Option<(u64, Mutation)> {
    let last = outbox.iter().rev().find(|p| p.mutation.id == next.id)?;
    if last.seq <= sent_through {
        return None;
    }
    coalesce(&last.mutation, next).map(|joined| (last.seq, joined))
}

/// Whether a change is small enough to ever leave the device (`MUTATION_MAX_BYTES`).
pub fn fits(mutation: &Mutation) -> Result<(), usize> {
    let bytes = serde_json::to_vec(mutation).map_or(0, |b| b.len());
    if bytes > crate::sync::MUTATION_MAX_BYTES {
        Err(bytes)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ids::ModelId, model::Action, sync::Kind};
    use serde_json::{Value, json};

    fn change(kind: Kind, id: ModelId, base: Option<i64>, fields: serde_json::Value) -> Mutation {
        Mutation {
            kind,
            id: id.record(),
            base_version: base,
            fields: fields.as_object().cloned().unwrap_or_default(),
        }
    }

    #[test]
    fn edits_of_a_record_only_this_device_has_join_its_create() {
        let id = ModelId::new();
        let create = change(
            Kind::ModelCreate,
            id,
            None,
            json!({"name": "A", "content": "x"}),
        );
        let edit = change(Kind::ModelUpdate, id, Some(0), json!({"content": "y"}));
        let joined = coalesce(&create, &edit).unwrap();
        assert_eq!(joined.kind, Kind::ModelCreate);
        assert_eq!(joined.fields["content"], "y");
        assert_eq!(joined.fields["name"], "A");
    }

    #[test]
    fn edits_against_the_same_version_join_and_others_do_not() {
        let id = ModelId::new();
        let first = change(
            Kind::ModelUpdate,
            id,
            Some(4),
            json!({"content": "x", "name": "A"}),
        );
        let same = change(Kind::ModelUpdate, id, Some(4), json!({"content": "y"}));
        assert_eq!(
            coalesce(&first, &same).unwrap().fields,
            json!({"content": "y", "name": "A"})
                .as_object()
                .cloned()
                .unwrap()
        );
        let newer = change(Kind::ModelUpdate, id, Some(9), json!({"content": "z"}));
        assert_eq!(
            coalesce(&first, &newer),
            None,
            "another base means another meaning"
        );
        let submit = change(Kind::ModelAct(Action::Submit), id, Some(4), json!({}));
        assert_eq!(coalesce(&first, &submit), None);
        assert_eq!(coalesce(&submit, &same), None);
        let other = change(Kind::ModelUpdate, ModelId::new(), Some(4), json!({}));
        assert_eq!(coalesce(&first, &other), None);
    }

    #[test]
    fn only_unsent_changes_are_joined() {
        let id = ModelId::new();
        let outbox = vec![
            Push {
                seq: 7,
                mutation: change(Kind::ModelUpdate, id, Some(4), json!({"content": "x"})),
            },
            Push {
                seq: 8,
                mutation: change(Kind::ModelUpdate, ModelId::new(), Some(1), json!({})),
            },
        ];
        let next = change(Kind::ModelUpdate, id, Some(4), json!({"content": "y"}));
        assert_eq!(joinable(&outbox, 6, &next).map(|(seq, _)| seq), Some(7));
        assert_eq!(
            joinable(&outbox, 7, &next),
            None,
            "seq 7 may be on the server already"
        );
    }

    #[test]
    fn a_batch_fits_its_budget_but_always_carries_one() {
        let id = ModelId::new();
        let big = "đ".repeat(8_000);
        let outbox: Vec<Push> = (1..=251)
            .map(|seq| Push {
                seq,
                mutation: change(
                    Kind::ModelUpdate,
                    id,
                    Some(seq as i64),
                    json!({"content": big}),
                ),
            })
            .collect();
        let taken = batch(&outbox, crate::sync::PUSH_TARGET_BYTES);
        let bytes: usize = taken.iter().map(size).sum();
        assert!(bytes <= crate::sync::PUSH_TARGET_BYTES, "{bytes}");
        assert!(taken.len() > 1 && taken.len() < 251);
        assert_eq!(batch(&outbox, 10).len(), 1);
        assert!(batch(&[], 10).is_empty());
    }

    #[test]
    fn after_a_restore_the_lost_changes_go_first_against_what_the_server_holds() {
        let id = ModelId::new();
        let sent = |seq, version| Sent {
            push: Push {
                seq,
                mutation: change(
                    Kind::ModelUpdate,
                    id,
                    Some(version - 1),
                    json!({"name": seq}),
                ),
            },
            version,
        };
        let journal = vec![sent(3, 90), sent(1, 40), sent(2, 120)];
        let outbox = vec![Push {
            seq: 4,
            mutation: change(Kind::ModelUpdate, id, Some(150), json!({"name": "4"})),
        }];
        let requeued = requeue(&journal, &outbox, Some(100), 5);
        let names: Vec<&Value> = requeued
            .outbox
            .iter()
            .map(|p| &p.mutation.fields["name"])
            .collect();
        assert_eq!(
            names,
            [&json!(2), &json!("4")],
            "the one held (v40, v90) is not resent"
        );
        let seqs: Vec<u64> = requeued.outbox.iter().map(|p| p.seq).collect();
        assert_eq!(seqs, [5, 6]);
        assert_eq!(requeued.next_seq, 7);
        assert!(
            requeued
                .outbox
                .iter()
                .all(|p| p.mutation.base_version == Some(100))
        );
    }
}
