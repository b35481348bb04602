//! The screens loaded on demand (`components::on_demand`): every screen but the sign-in page and
//! the home, which are what a person sees first and stay in the shell. They share one module,
//! fetched right after the app starts (so a screen opens at once) and precached with the shell;
//! many small modules would each carry their own copy of what they share and download worse. A
//! person joining through an invitation needs only the join screen: it has a module of its own.
//!
//! A screen that takes part of its address (a model's id) reads it from the [`Location`] when
//! drawn: a split point gives a plain function, never one that captured something.

use leptos::prelude::*;
use uuid::Uuid;

use crate::{
    components::on_demand::{Screen, Unavailable, on_demand},
    pages::{self, not_found::NotFound},
    route::Location,
};

/// The id in the address after `prefix`, if the address has one there.
fn id_after(prefix: &str) -> Option<Uuid> {
    let path = expect_context::<Location>().path.get_untracked();
    path.trim_end_matches('/')
        .strip_prefix(prefix)
        .and_then(|rest| Uuid::parse_str(rest).ok())
}

on_demand!(screens:
    pub fn models() -> Result<Screen, Unavailable> {
        Ok(|| view! { <pages::models::Models /> }.into_any())
    }
);

on_demand!(screens:
    pub fn review() -> Result<Screen, Unavailable> {
        Ok(|| view! { <pages::models::Review /> }.into_any())
    }
);

on_demand!(screens:
    pub fn new_model() -> Result<Screen, Unavailable> {
        Ok(|| view! { <pages::model_page::NewModel /> }.into_any())
    }
);

on_demand!(screens:
    pub fn model() -> Result<Screen, Unavailable> {
        Ok(|| match id_after("/mo-hinh/") {
            Some(id) => view! { <pages::model_page::ModelById id /> }.into_any(),
            None => view! { <NotFound /> }.into_any(),
        })
    }
);

on_demand!(screens:
    pub fn overview() -> Result<Screen, Unavailable> {
        Ok(|| view! { <pages::overview::Overview /> }.into_any())
    }
);

on_demand!(screens:
    pub fn surveys() -> Result<Screen, Unavailable> {
        Ok(|| view! { <pages::surveys::Surveys /> }.into_any())
    }
);

on_demand!(screens:
    /// `/khao-sat/{campaign}/{model}`: one visit.
    pub fn visit() -> Result<Screen, Unavailable> {
        Ok(|| {
            let path = expect_context::<Location>().path.get_untracked();
            let ids = path
                .trim_end_matches('/')
                .strip_prefix("/khao-sat/")
                .and_then(|rest| rest.split_once('/'))
                .and_then(|(c, m)| Some((Uuid::parse_str(c).ok()?, Uuid::parse_str(m).ok()?)));
            match ids {
                Some((campaign, model)) => {
                    view! { <pages::surveys::SurveyPage campaign model /> }.into_any()
                }
                None => view! { <NotFound /> }.into_any(),
            }
        })
    }
);

on_demand!(screens:
    /// `/khao-sat/dot/moi` and `/khao-sat/dot/{campaign}`.
    pub fn campaign() -> Result<Screen, Unavailable> {
        Ok(|| {
            let path = expect_context::<Location>().path.get_untracked();
            if path.trim_end_matches('/') == "/khao-sat/dot/moi" {
                return view! { <pages::campaign_editor::CampaignEditor id=None /> }.into_any();
            }
            match id_after("/khao-sat/dot/") {
                Some(id) => view! { <pages::campaign_editor::CampaignEditor id=Some(id) /> }.into_any(),
                None => view! { <NotFound /> }.into_any(),
            }
        })
    }
);

on_demand!(screens:
    pub fn awards() -> Result<Screen, Unavailable> {
        Ok(|| view! { <pages::awards::Awards /> }.into_any())
    }
);

on_demand!(screens:
    pub fn library() -> Result<Screen, Unavailable> {
        Ok(|| view! { <pages::library::Library /> }.into_any())
    }
);

on_demand!(screens:
    pub fn reports() -> Result<Screen, Unavailable> {
        Ok(|| view! { <pages::reports::Reports /> }.into_any())
    }
);

on_demand!(screens:
    pub fn supervision() -> Result<Screen, Unavailable> {
        Ok(|| view! { <pages::supervision::Supervision /> }.into_any())
    }
);

on_demand!(screens:
    pub fn problems() -> Result<Screen, Unavailable> {
        Ok(|| view! { <pages::problems::Problems /> }.into_any())
    }
);

on_demand!(screens:
    pub fn my_account() -> Result<Screen, Unavailable> {
        Ok(|| view! { <pages::account::MyAccount /> }.into_any())
    }
);

on_demand!(screens:
    pub fn accounts() -> Result<Screen, Unavailable> {
        Ok(|| view! { <pages::accounts::Accounts /> }.into_any())
    }
);

on_demand!(screens:
    pub fn invitations() -> Result<Screen, Unavailable> {
        Ok(|| view! { <pages::invitations::Invitations /> }.into_any())
    }
);

on_demand!(screens:
    pub fn units() -> Result<Screen, Unavailable> {
        Ok(|| view! { <pages::units::Units /> }.into_any())
    }
);

on_demand!(join:
    pub fn join() -> Result<Screen, Unavailable> {
        Ok(|| view! { <pages::join::Join /> }.into_any())
    }
);
