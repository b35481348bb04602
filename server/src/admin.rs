//! Administration from the command line (`dvk create-unit`, `dvk create-user`): how a real
//! installation gets its first units and accounts, since demo accounts exist only in demo mode.

use dvk_shared::{
    ids::{UnitId, UserId},
    text::fold,
    unit::{Unit, UnitKind},
    user::{Role, User, validate_password, validate_username},
    validation::{FieldErrors, Problem},
};

use crate::{
    auth::hash_password,
    error::ApiError,
    now,
    store::{Actor, Store},
};

/// Why an administration command failed, said so a person knows what to do.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("no unit matches {0:?}: give a unit id or its exact name (see `dvk create-unit`)")]
    UnknownUnit(String),
    #[error("{0:?} names more than one unit: give the unit id instead")]
    AmbiguousUnit(String),
    #[error("invalid {0}")]
    Invalid(FieldErrors),
    #[error("the username {0:?} is taken")]
    UsernameTaken(String),
    #[error("a unit needs a parent unless it is the first: pass --parent")]
    ParentRequired,
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// Finds a unit by id or by its name (compared without case or diacritics).
pub async fn find_unit(store: &dyn Store, reference: &str) -> Result<Unit, AdminError> {
    let units = store.units().await?;
    if let Ok(id) = reference.parse::<UnitId>() {
        return units
            .into_iter()
            .find(|u| u.id == id)
            .ok_or_else(|| AdminError::UnknownUnit(reference.to_owned()));
    }
    let wanted = fold(reference);
    let mut matching = units.into_iter().filter(|u| fold(&u.name) == wanted);
    match (matching.next(), matching.next()) {
        (Some(unit), None) => Ok(unit),
        (Some(_), Some(_)) => Err(AdminError::AmbiguousUnit(reference.to_owned())),
        (None, _) => Err(AdminError::UnknownUnit(reference.to_owned())),
    }
}

pub async fn create_unit(
    store: &dyn Store,
    name: &str,
    kind: UnitKind,
    parent: Option<&str>,
) -> Result<Unit, AdminError> {
    let parent_id = match parent {
        Some(reference) => Some(find_unit(store, reference).await?.id),
        None if store.is_empty().await? => None,
        None => return Err(AdminError::ParentRequired),
    };
    let unit = Unit {
        id: UnitId::new(),
        name: name.trim().to_owned(),
        kind,
        parent_id,
        former_names: Vec::new(),
        merged_into: None,
        merged_on: None,
        closed_on: None,
    };
    unit.validate().map_err(AdminError::Invalid)?;
    store
        .put_unit(&unit, &Actor::system("dvk create-unit"), now())
        .await?;
    Ok(unit)
}

pub async fn create_user(
    store: &dyn Store,
    username: &str,
    display_name: Option<&str>,
    role: Role,
    unit: &str,
    password: &str,
) -> Result<User, AdminError> {
    let mut errors = FieldErrors::default();
    validate_username(username, &mut errors);
    validate_password(password, &mut errors);
    let display_name = display_name.unwrap_or(username).trim().to_owned();
    errors.text(
        "display_name",
        &display_name,
        dvk_shared::user::DISPLAY_NAME_MAX,
        true,
    );
    if !errors.is_empty() {
        return Err(AdminError::Invalid(errors));
    }
    let unit = find_unit(store, unit).await?;
    if unit.is_merged() {
        let mut errors = FieldErrors::default();
        errors.add("unit", Problem::InvalidChoice);
        return Err(AdminError::Invalid(errors));
    }
    let user = User {
        id: UserId::new(),
        username: username.to_owned(),
        display_name,
        role,
        unit_id: unit.id,
    };
    let hash = hash_password(password)?;
    match store.create_user(&user, &hash, now()).await {
        Ok(()) => Ok(user),
        Err(crate::store::StoreError::Conflict(_)) => Err(AdminError::UsernameTaken(user.username)),
        Err(e) => Err(e.into()),
    }
}
