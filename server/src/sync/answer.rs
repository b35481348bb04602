//! The answers a change can get, each with a stable code and a message a person can act on
//! (Vietnamese, then English).

use dvk_shared::{
    sync::{ConflictInfo, Entity, PushError, PushResult, PushStatus},
    validation::FieldErrors,
};

fn result(status: PushStatus) -> PushResult {
    PushResult {
        seq: 0,
        status,
        version: None,
        conflict: None,
        error: None,
    }
}

pub(crate) fn applied(version: i64, conflict: Option<ConflictInfo>) -> PushResult {
    PushResult {
        version: Some(version),
        conflict,
        ..result(PushStatus::Applied)
    }
}

/// It is so on the server already: nothing changed.
pub(crate) fn duplicate() -> PushResult {
    result(PushStatus::Duplicate)
}

pub(crate) fn conflict(info: ConflictInfo) -> PushResult {
    PushResult {
        conflict: Some(info),
        ..result(PushStatus::Conflict)
    }
}

pub(crate) fn rejected(
    code: &str,
    message: &str,
    message_en: &str,
    fields: Option<FieldErrors>,
) -> PushResult {
    PushResult {
        error: Some(PushError {
            code: code.into(),
            message: message.into(),
            message_en: message_en.into(),
            fields,
        }),
        ..result(PushStatus::Rejected)
    }
}

pub(crate) fn invalid(errors: FieldErrors) -> PushResult {
    rejected(
        "validation_failed",
        "Một số mục chưa hợp lệ; hãy sửa các mục được đánh dấu rồi lưu lại.",
        "Some fields are not valid; fix the marked ones and save again.",
        Some(errors),
    )
}

pub(crate) fn outside_units(entity: Entity) -> PushResult {
    rejected(
        "outside_your_units",
        &format!(
            "{} này thuộc đơn vị ngoài phạm vi của bạn nên thay đổi không được ghi nhận.",
            capitalised(entity.label_vi())
        ),
        &format!(
            "This {} belongs to a unit outside yours, so the change was not recorded.",
            entity.label_en()
        ),
        None,
    )
}

pub(crate) fn role_not_allowed() -> PushResult {
    rejected(
        "role_not_allowed",
        "Vai trò của bạn không được thực hiện thay đổi này.",
        "Your role may not make this change.",
        None,
    )
}

pub(crate) fn not_found(entity: Entity) -> PushResult {
    rejected(
        "not_found",
        &format!(
            "Không tìm thấy {} này trên máy chủ; có thể nó chưa được gửi lên hoặc đã bị xoá.",
            entity.label_vi()
        ),
        &format!(
            "This {} does not exist on the server; it may not have been sent yet, or was deleted.",
            entity.label_en()
        ),
        None,
    )
}

pub(crate) fn malformed(detail: &str) -> PushResult {
    rejected(
        "invalid_fields",
        "Dữ liệu gửi lên không đúng kiểu nên không ghi được; hãy cập nhật ứng dụng rồi nhập lại.",
        &format!("The data sent has a wrong type ({detail}); update the app and enter it again."),
        None,
    )
}

pub(crate) fn locked() -> PushResult {
    rejected(
        "locked",
        "Phiếu khảo sát đã nộp nên không sửa được; hãy đề nghị Ban Dân vận mở lại.",
        "The survey was submitted and is locked; ask the Board to reopen it.",
        None,
    )
}

pub(crate) fn not_assigned() -> PushResult {
    rejected(
        "not_assigned",
        "Bạn không được phân công khảo sát mô hình này trong đợt này.",
        "You are not assigned to survey this model in this campaign.",
        None,
    )
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
