//! Who is signed in on this device. Remembered in the local store, so the app opens for them
//! offline; the server's session cookie is what sync presents.

use dvk_shared::user::User;
use leptos::prelude::*;

use crate::store::shared_db;

const USER_KEY: &str = "user";

/// `None` inside while nobody is signed in; `loaded` is false until the store answered.
#[derive(Clone, Copy)]
pub struct Session {
    pub user: RwSignal<Option<User>>,
    pub loaded: RwSignal<bool>,
}

impl Session {
    pub fn install() -> Self {
        let session = Self {
            user: RwSignal::new(None),
            loaded: RwSignal::new(false),
        };
        leptos::task::spawn_local(async move {
            if let Ok(db) = shared_db().await
                && let Ok(user) = db.get_meta::<User>(USER_KEY).await
            {
                session.user.set(user);
            }
            session.loaded.set(true);
        });
        session
    }

    pub async fn remember(self, user: User) {
        if let Ok(db) = shared_db().await {
            // If this fails the person is still signed in for this visit; the next start asks again.
            let _ = db.put_meta(USER_KEY, &Some(user.clone())).await;
        }
        self.user.set(Some(user));
    }

    pub async fn forget(self) {
        if let Ok(db) = shared_db().await {
            let _ = db.put_meta::<Option<User>>(USER_KEY, &None).await;
        }
        self.user.set(None);
    }
}
