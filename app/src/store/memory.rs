//! The in-memory twin of the IndexedDB store, for tests of the logic above the store. It
//! follows the same rules (one seq per save, answers learned at once) through the helpers of
//! `store/mod.rs`.

use std::{cell::RefCell, collections::BTreeMap};

use dvk_shared::sync::{Mutation, Push, SyncResponse};
use uuid::Uuid;

use super::{
    HandOver, LocalDbError, LocalStore, Owner, Problem, Record, SyncMark, problems_of,
    replica_changes,
};

#[derive(Default)]
pub struct MemoryStore {
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    device_id: Option<Uuid>,
    next_seq: u64,
    outbox: BTreeMap<u64, Push>,
    records: BTreeMap<String, Record>,
    problems: BTreeMap<u64, Problem>,
    mark: SyncMark,
    owner: Option<Owner>,
}

impl LocalStore for MemoryStore {
    async fn device_id(&self) -> Result<Uuid, LocalDbError> {
        let mut state = self.state.borrow_mut();
        Ok(*state.device_id.get_or_insert_with(Uuid::now_v7))
    }

    async fn enqueue(&self, mutation: Mutation) -> Result<u64, LocalDbError> {
        let mut state = self.state.borrow_mut();
        state.next_seq = state.next_seq.max(1);
        let seq = state.next_seq;
        state.next_seq += 1;
        state.outbox.insert(seq, Push { seq, mutation });
        Ok(seq)
    }

    async fn outbox(&self) -> Result<Vec<Push>, LocalDbError> {
        Ok(self.state.borrow().outbox.values().cloned().collect())
    }

    async fn records(&self, entity: &str) -> Result<Vec<Record>, LocalDbError> {
        Ok(self
            .state
            .borrow()
            .records
            .values()
            .filter(|r| r.entity == entity)
            .cloned()
            .collect())
    }

    async fn mark(&self) -> Result<SyncMark, LocalDbError> {
        Ok(self.state.borrow().mark.clone())
    }

    async fn learn(&self, answer: &SyncResponse, now_ms: i64) -> Result<(), LocalDbError> {
        let mut state = self.state.borrow_mut();
        let outbox: Vec<Push> = state.outbox.values().cloned().collect();
        for problem in problems_of(answer, &outbox) {
            state.problems.insert(problem.push.seq, problem);
        }
        for result in &answer.results {
            state.outbox.remove(&result.seq);
        }
        if answer.reset {
            state.records.clear();
        }
        let (deletes, puts) = replica_changes(answer);
        for key in deletes {
            state.records.remove(&key);
        }
        state.records.extend(puts);
        state.mark = SyncMark {
            cursor: Some(answer.cursor.clone()),
            epoch: Some(answer.epoch.clone()),
            last_success: Some(now_ms),
        };
        Ok(())
    }

    async fn problems(&self) -> Result<Vec<Problem>, LocalDbError> {
        Ok(self.state.borrow().problems.values().cloned().collect())
    }

    async fn dismiss_problem(&self, seq: u64) -> Result<(), LocalDbError> {
        self.state.borrow_mut().problems.remove(&seq);
        Ok(())
    }

    async fn hand_over(&self, owner: &Owner) -> Result<HandOver, LocalDbError> {
        let mut state = self.state.borrow_mut();
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
                state.mark = SyncMark::default();
                state.device_id = Some(Uuid::now_v7());
                state.next_seq = 1;
            }
            None => {}
        }
        state.owner = Some(owner.clone());
        Ok(HandOver::Ready)
    }
}
