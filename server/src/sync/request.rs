//! The checks of a sync request as a whole, before anything is applied: a request that is not
//! one (another protocol, changes out of order or of no known shape, too many) is refused with
//! 400 and a message in each language.

use dvk_shared::sync::{self, SyncRequest};

use super::pull::Cursor;
use crate::error::ApiError;

fn bad(vi: String, en: String) -> ApiError {
    ApiError::BadRequest {
        code: "invalid_sync_request",
        detail_vi: vi,
        detail_en: en,
    }
}

pub(crate) fn check(request: &SyncRequest) -> Result<(), ApiError> {
    if !(sync::SCHEMA_MIN..=sync::SCHEMA).contains(&request.schema) {
        return Err(bad(
            format!(
                "ứng dụng nói phiên bản giao thức {}, máy chủ hiểu từ {} đến {}; hãy tải lại trang để cập nhật ứng dụng",
                request.schema,
                sync::SCHEMA_MIN,
                sync::SCHEMA
            ),
            format!(
                "schema {} is not between {} and {}; reload the app to update it",
                request.schema,
                sync::SCHEMA_MIN,
                sync::SCHEMA
            ),
        ));
    }
    if request.push.len() > sync::PUSH_MAX {
        return Err(bad(
            format!("gửi hơn {} thay đổi trong một lần", sync::PUSH_MAX),
            format!("more than {} changes in one request", sync::PUSH_MAX),
        ));
    }
    if request
        .limit
        .is_some_and(|l| l == 0 || l > sync::PULL_LIMIT_MAX)
    {
        return Err(bad(
            format!(
                "số bản ghi mỗi lần tải phải từ 1 đến {}",
                sync::PULL_LIMIT_MAX
            ),
            format!("limit must be 1 to {}", sync::PULL_LIMIT_MAX),
        ));
    }
    if request
        .cursor
        .as_deref()
        .is_some_and(|c| !Cursor::is_valid(c))
    {
        return Err(bad(
            "vị trí đồng bộ không phải do máy chủ này cấp".into(),
            "the cursor is not one this server gave".into(),
        ));
    }
    let mut last = 0;
    for push in &request.push {
        if push.seq <= last {
            return Err(bad(
                format!("thay đổi số {} không đứng sau số {last}", push.seq),
                format!("seq {} is not after {last}", push.seq),
            ));
        }
        last = push.seq;
        push.mutation
            .check(push.seq)
            .map_err(|e| bad(e.message_vi, e.message_en))?;
    }
    Ok(())
}
