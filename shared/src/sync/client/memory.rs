//! The in-memory twin of the app's IndexedDB store: the same rules (one seq per save, joined
//! edits, answers learned at once) through the helpers of `client`, for tests of the engine and
//! for the simulated tablets of the server's tests.

use std::{
    collections::BTreeMap,
    sync::{Mutex, MutexGuard, PoisonError},
};

use uuid::Uuid;

use super::{
    HandOver, JOURNAL_KEEP, LocalDbError, LocalStore, Owner, Problem, Record, Sent, SyncMark,
    epoch_changed, learned, outbox,
};
use crate::sync::{Entity, Mutation, Push, PushResult, SyncResponse};

pub struct MemoryStore {
    // A mutex rather than a cell, so tests may hold a device across threads; nothing waits
    // while holding it.
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    device_id: Uuid,
    next_seq: u64,
    sent_through: u64,
    outbox: BTreeMap<u64, Push>,
    journal: BTreeMap<u64, Sent>,
    records: BTreeMap<String, Record>,
    problems: BTreeMap<u64, Problem>,
    mark: SyncMark,
    owner: Option<Owner>,
    /// Every answer learned, by seq, for tests: nothing saved may go unanswered.
    answers: BTreeMap<u64, PushResult>,
    /// Changes numbered anew (after a restore, or as the server said), old seq to new, for
    /// tests.
    moved: BTreeMap<u64, u64>,
}

impl MemoryStore {
    /// An empty device with this id.
    pub fn new(device_id: Uuid) -> Self {
        Self {
            state: Mutex::new(State {
                device_id,
                next_seq: 1,
                ..State::default()
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Saves a change under the next seq without joining it to anything: for tests that speak
    /// the protocol change by change.
    pub fn push_raw(&self, mutation: Mutation) -> u64 {
        let mut state = self.state();
        let seq = state.next_seq;
        state.next_seq += 1;
        state.outbox.insert(seq, Push { seq, mutation });
        seq
    }

    /// The outbox in seq order.
    pub fn pending(&self) -> Vec<Push> {
        self.state().outbox.values().cloned().collect()
    }

    /// Where the last pull ended.
    pub fn sync_mark(&self) -> SyncMark {
        self.state().mark.clone()
    }

    /// Every answer learned so far, by seq.
    pub fn answers(&self) -> BTreeMap<u64, PushResult> {
        self.state().answers.clone()
    }

    /// Changes numbered anew, old seq to new.
    pub fn moved(&self) -> BTreeMap<u64, u64> {
        self.state().moved.clone()
    }

    /// The applied changes kept to resend after a restore.
    pub fn journal(&self) -> Vec<Sent> {
        self.state().journal.values().cloned().collect()
    }

    /// Shows every record held to `f`, without copying the replica (a tablet of a long test
    /// run holds tens of thousands).
    pub fn each_record(&self, f: impl FnMut(&Record)) {
        self.state().records.values().for_each(f);
    }

    /// Every record held, by entity and id.
    pub fn replica(&self) -> BTreeMap<(Entity, Uuid), Record> {
        self.state()
            .records
            .values()
            .map(|r| ((r.entity, r.id), r.clone()))
            .collect()
    }

    /// Sets where the last pull ended, as a device that synced elsewhere would hold it.
    pub fn set_mark(&self, mark: SyncMark) {
        self.state().mark = mark;
    }

    /// Sets the seq the next change takes.
    pub fn set_next_seq(&self, seq: u64) {
        self.state().next_seq = seq;
    }

    /// The seq the next change takes.
    pub fn next_seq(&self) -> u64 {
        self.state().next_seq
    }
}

impl LocalStore for MemoryStore {
    async fn device_id(&self) -> Result<Uuid, LocalDbError> {
        Ok(self.state().device_id)
    }

    async fn enqueue(&self, mutation: Mutation) -> Result<u64, LocalDbError> {
        outbox::fits(&mutation).map_err(LocalDbError::TooLarge)?;
        let mut state = self.state();
        let pending: Vec<Push> = state.outbox.values().cloned().collect();
        if let Some((seq, joined)) = outbox::joinable(&pending, state.sent_through, &mutation) {
            state.outbox.insert(
                seq,
                Push {
                    seq,
                    mutation: joined,
                },
            );
            return Ok(seq);
        }
        drop(state);
        Ok(self.push_raw(mutation))
    }

    async fn outbox(&self) -> Result<Vec<Push>, LocalDbError> {
        Ok(self.state().outbox.values().cloned().collect())
    }

    async fn mark_sent(&self, seq: u64) -> Result<(), LocalDbError> {
        let mut state = self.state();
        state.sent_through = state.sent_through.max(seq);
        Ok(())
    }

    async fn records(&self, entity: Entity) -> Result<Vec<Record>, LocalDbError> {
        Ok(self
            .state()
            .records
            .values()
            .filter(|r| r.entity == entity)
            .cloned()
            .collect())
    }

    async fn mark(&self) -> Result<SyncMark, LocalDbError> {
        Ok(self.state().mark.clone())
    }

    async fn learn(&self, answer: &SyncResponse, now_ms: i64) -> Result<(), LocalDbError> {
        let mut state = self.state();
        let outbox: Vec<Push> = state.outbox.values().cloned().collect();
        // As the IndexedDB store does: the journal is read only when it may be sent again.
        let restored = epoch_changed(answer, &state.mark);
        let journal: Vec<Sent> = if restored {
            state.journal.values().cloned().collect()
        } else {
            Vec::new()
        };
        let plan = learned(
            answer,
            &state.mark,
            &outbox,
            restored.then_some((journal.as_slice(), state.next_seq)),
            now_ms,
        );
        // Read before anything changes, so a record that does not read leaves all as it was.
        let puts = plan
            .puts
            .iter()
            .map(|(key, fetched)| Ok((key.clone(), fetched.record()?)))
            .collect::<Result<Vec<(String, Record)>, String>>()
            .map_err(LocalDbError::Decode)?;
        for result in &answer.results {
            if state.outbox.contains_key(&result.seq) {
                state.answers.insert(result.seq, result.clone());
            }
        }
        for problem in plan.problems {
            state.problems.insert(problem.push.seq, problem);
        }
        for seq in &plan.answered {
            state.outbox.remove(seq);
        }
        for sent in plan.journal {
            state.journal.insert(sent.push.seq, sent);
        }
        if let Some(last) = state.journal.keys().next_back().copied() {
            state.journal = state
                .journal
                .split_off(&last.saturating_sub(JOURNAL_KEEP - 1));
        }
        if let Some(requeued) = plan.requeue {
            state.moved.extend(requeued.moved);
            state.journal.clear();
            state.outbox = requeued
                .outbox
                .into_iter()
                .map(|push| (push.seq, push))
                .collect();
            state.next_seq = requeued.next_seq;
        }
        if plan.reset {
            state.records.clear();
        }
        for key in plan.deletes {
            state.records.remove(&key);
        }
        state.records.extend(puts);
        state.mark = plan.mark;
        Ok(())
    }

    async fn renumber(&self, expected: u64) -> Result<(), LocalDbError> {
        let mut state = self.state();
        let pending: Vec<Push> = std::mem::take(&mut state.outbox).into_values().collect();
        let mut seq = expected;
        for mut push in pending {
            state.moved.insert(push.seq, seq);
            push.seq = seq;
            state.outbox.insert(seq, push);
            seq += 1;
        }
        state.next_seq = seq;
        state.sent_through = expected.saturating_sub(1);
        Ok(())
    }

    async fn problems(&self) -> Result<Vec<Problem>, LocalDbError> {
        Ok(self.state().problems.values().cloned().collect())
    }

    async fn dismiss_problem(&self, seq: u64) -> Result<(), LocalDbError> {
        self.state().problems.remove(&seq);
        Ok(())
    }

    async fn hand_over(&self, owner: &Owner, new_device: Uuid) -> Result<HandOver, LocalDbError> {
        let mut state = self.state();
        match &state.owner {
            Some(current) if current.user_id == owner.user_id => return Ok(HandOver::Ready),
            Some(current) => {
                let waiting = state.outbox.len() + state.problems.len();
                if waiting > 0 {
                    return Ok(HandOver::Blocked {
                        previous: current.name.clone(),
                        waiting,
                    });
                }
                state.records.clear();
                state.journal.clear();
                state.mark = SyncMark::default();
                state.device_id = new_device;
                state.next_seq = 1;
                state.sent_through = 0;
            }
            None => {}
        }
        state.owner = Some(owner.clone());
        Ok(HandOver::Ready)
    }
}
